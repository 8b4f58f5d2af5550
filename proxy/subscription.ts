/**
 * What one stream asked for, of one resource type: a wildcard, named resources, or both.
 *
 * Wildcard is the name `*`. For historical reasons a client that has never named a resource
 * of the type (SotW: every request had an empty list; delta: no request had names to
 * subscribe) is wildcard too; once it names anything, that legacy meaning is gone and an empty
 * list means "nothing".
 */
export const WILDCARD = '*';

export interface SubscriptionChange {
  added: string[];
  removed: string[];
  /** The wildcard was switched on (true), off (false), or neither (undefined). */
  wildcard: boolean | undefined;
}

export class Subscription {
  private readonly named = new Set<string>();
  private explicitWildcard = false;
  private everNamed = false;

  get wildcard(): boolean {
    return this.explicitWildcard || !this.everNamed;
  }

  /** Explicitly subscribed names (without `*`). */
  get names(): ReadonlySet<string> {
    return this.named;
  }

  covers(name: string): boolean {
    return this.wildcard || this.named.has(name);
  }

  /** SotW: every request carries the whole list. */
  replace(resourceNames: readonly string[]): SubscriptionChange {
    const wasWildcard = this.wildcard;
    const next = new Set<string>();
    let star = false;
    for (const name of resourceNames) {
      if (name === WILDCARD) star = true;
      else next.add(name);
    }
    if (resourceNames.length > 0) this.everNamed = true;
    this.explicitWildcard = star;
    const added = [...next].filter((n) => !this.named.has(n));
    const removed = [...this.named].filter((n) => !next.has(n));
    for (const n of removed) this.named.delete(n);
    for (const n of added) this.named.add(n);
    return { added, removed, wildcard: this.wildcard === wasWildcard ? undefined : this.wildcard };
  }

  /** Delta: requests carry what changed. */
  update(subscribe: readonly string[], unsubscribe: readonly string[]): SubscriptionChange {
    const wasWildcard = this.wildcard;
    const added: string[] = [];
    const removed: string[] = [];
    if (subscribe.length > 0) this.everNamed = true;
    for (const name of unsubscribe) {
      if (name === WILDCARD) {
        this.explicitWildcard = false;
        this.everNamed = true;
      } else if (this.named.delete(name)) removed.push(name);
    }
    for (const name of subscribe) {
      if (name === WILDCARD) this.explicitWildcard = true;
      else if (!this.named.has(name)) {
        this.named.add(name);
        added.push(name);
      }
    }
    return { added, removed, wildcard: this.wildcard === wasWildcard ? undefined : this.wildcard };
  }

  /** `['*']` or the sorted names (status output). */
  describe(): string[] {
    const names = [...this.named].sort();
    return this.wildcard ? [WILDCARD, ...names] : names;
  }
}
