/**
 * Istio's push debounce (PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX): a burst of changes becomes
 * one push, `afterMs` after the last change of the burst, but never later than `maxMs` after
 * its first change, so a steady trickle of changes cannot starve proxies.
 */
export interface DebounceOptions {
  /** Quiet time after the last change (default 100 ms). */
  afterMs?: number;
  /** Longest a change waits (default 10 s). */
  maxMs?: number;
}

export const DEFAULT_DEBOUNCE_AFTER_MS = 100;
export const DEFAULT_DEBOUNCE_MAX_MS = 10_000;

export class Debouncer {
  readonly afterMs: number;
  readonly maxMs: number;
  private timer: NodeJS.Timeout | undefined;
  private burstStart: number | undefined;

  constructor(
    private readonly fire: () => void,
    options: DebounceOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.afterMs = Math.max(0, options.afterMs ?? DEFAULT_DEBOUNCE_AFTER_MS);
    this.maxMs = Math.max(this.afterMs, options.maxMs ?? DEFAULT_DEBOUNCE_MAX_MS);
  }

  /** A change happened. */
  trigger(): void {
    const now = this.now();
    this.burstStart ??= now;
    const waited = now - this.burstStart;
    const delay = Math.max(0, Math.min(this.afterMs, this.maxMs - waited));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), delay);
  }

  /** Fires now if a burst is pending. */
  flush(): void {
    if (this.burstStart === undefined) return;
    this.cancel();
    this.fire();
  }

  /** Drops the pending burst without firing. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.burstStart = undefined;
  }

  get pending(): boolean {
    return this.burstStart !== undefined;
  }
}
