/**
 * The snapshot cache: one immutable Snapshot per proxy class (never per node), the streams
 * that watch each class, and the debounce between a change and the push it causes.
 *
 * Snapshots arrive two ways. The composition root publishes with `setSnapshot` (a policy
 * change, a rollout step), or the cache asks `snapshotFor` the first time a proxy of a class
 * it has no snapshot for connects, so `sluice serve` compiles only the classes that have
 * proxies. `refresh()` recompiles every class that still has proxies after a policy change.
 */
import type { ProxyClass, Snapshot } from '../compiler/index.ts';
import { Debouncer } from './debounce.ts';
import type { DebounceOptions } from './debounce.ts';
import { Emitter } from './events.ts';
import { silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';

/** Compiles the snapshot of one proxy class; `undefined` when the class has no configuration. */
export type SnapshotProvider = (proxy: ProxyClass) => Snapshot | undefined | Promise<Snapshot | undefined>;

export interface SnapshotCacheOptions {
  /** Called for a class that has a proxy but no snapshot yet (lazy, per class). */
  snapshotFor?: SnapshotProvider;
  /** Push debounce (default 100 ms after the last change, at most 10 s). */
  debounce?: DebounceOptions;
  logger?: Logger;
  /** Wall clock in ms, for publish times (tests). */
  now?: () => number;
}

export interface SnapshotPublished {
  classKey: string;
  snapshot: Snapshot;
  /** Wall-clock ms: convergence time is measured from here. */
  at: number;
}

export interface SnapshotsDelivered {
  classKeys: string[];
  /** Streams told about a new snapshot. */
  streams: number;
}

export interface SnapshotCacheEvents {
  [event: string]: unknown;
  /** A class got a snapshot with a new version (delivered after the debounce). */
  publish: SnapshotPublished;
  /** A debounced batch of changes was handed to the watching streams. */
  deliver: SnapshotsDelivered;
}

export type SnapshotListener = (snapshot: Snapshot) => void;

export interface SnapshotWatch {
  /** The class's snapshot now, if there is one (a provider may still be compiling it). */
  readonly snapshot: Snapshot | undefined;
  cancel(): void;
}

interface ClassEntry {
  proxy: ProxyClass | undefined;
  snapshot: Snapshot | undefined;
  publishedAt: number;
  readonly watchers: Set<SnapshotListener>;
  /** A snapshot newer than the one the watchers have was set. */
  dirty: boolean;
  /** The provider is compiling this class. */
  loading: boolean;
  /** The provider said this class has no configuration (asked again only on refresh). */
  missing: boolean;
}

export class SnapshotCache {
  readonly events: Emitter<SnapshotCacheEvents>;
  private readonly classes = new Map<string, ClassEntry>();
  private readonly debouncer: Debouncer;
  private readonly provider: SnapshotProvider | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private closed = false;

  constructor(options: SnapshotCacheOptions = {}) {
    this.provider = options.snapshotFor;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.events = new Emitter<SnapshotCacheEvents>((event, error) => this.logger.error('a snapshot cache event subscriber failed', { event: String(event), error }));
    this.debouncer = new Debouncer(() => this.deliver(), options.debounce);
  }

  /** Publishes a class's snapshot; watching streams get it after the debounce. */
  setSnapshot(classKey: string, snapshot: Snapshot): void {
    const entry = this.entry(classKey);
    entry.missing = false;
    if (entry.snapshot?.version === snapshot.version) return;
    this.store(classKey, entry, snapshot);
    if (entry.watchers.size === 0) return;
    entry.dirty = true;
    this.debouncer.trigger();
  }

  getSnapshot(classKey: string): Snapshot | undefined {
    return this.classes.get(classKey)?.snapshot;
  }

  /** Every snapshot held (for EntryCache.retain, status pages). */
  snapshots(): Snapshot[] {
    const out: Snapshot[] = [];
    for (const entry of this.classes.values()) if (entry.snapshot) out.push(entry.snapshot);
    return out;
  }

  /** Classes with at least one connected stream: what a policy change must recompile. */
  liveClasses(): ProxyClass[] {
    const out: ProxyClass[] = [];
    for (const entry of this.classes.values()) if (entry.watchers.size > 0 && entry.proxy) out.push(entry.proxy);
    return out;
  }

  /**
   * A stream of `proxy`'s class starts watching. When the class has no snapshot, the provider
   * is asked (once per class, however many streams wait); the listener gets it when it is ready.
   */
  watch(proxy: ProxyClass, listener: SnapshotListener): SnapshotWatch {
    const entry = this.entry(proxy.key);
    entry.proxy ??= proxy;
    // Loaded before the listener joins: a provider that answers at once hands the snapshot to
    // the streams already waiting, and to this one through the return value.
    if (!entry.snapshot && !entry.missing && !entry.loading && !this.closed) this.load(proxy, entry);
    entry.watchers.add(listener);
    let cancelled = false;
    return {
      snapshot: entry.snapshot,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        entry.watchers.delete(listener);
        this.forgetIfIdle(proxy.key, entry);
      },
    };
  }

  /**
   * After a policy change: recompiles every class that has streams (through the provider)
   * and forgets the others, which are compiled again when a proxy of theirs connects. A class
   * whose compile returns nothing keeps serving its last snapshot.
   */
  async refresh(): Promise<void> {
    const provider = this.provider;
    const work: Promise<void>[] = [];
    for (const [key, entry] of [...this.classes]) {
      if (entry.watchers.size === 0) {
        this.classes.delete(key);
        continue;
      }
      entry.missing = false;
      if (!provider || !entry.proxy) continue;
      const proxy = entry.proxy;
      work.push(
        this.ask(provider, proxy).then((snapshot) => {
          if (snapshot && !this.closed) this.setSnapshot(key, snapshot);
        }),
      );
    }
    await Promise.all(work);
  }

  /** Delivers pending changes now instead of at the end of the debounce. */
  flush(): void {
    this.debouncer.flush();
  }

  /** Stops the debounce timer; watchers are left to their streams. */
  close(): void {
    this.closed = true;
    this.debouncer.cancel();
  }

  /** Counts of what the cache holds, to prove nothing leaks. */
  internals(): { classes: number; watchers: number; loading: number; debouncePending: boolean } {
    let watchers = 0;
    let loading = 0;
    for (const entry of this.classes.values()) {
      watchers += entry.watchers.size;
      if (entry.loading) loading++;
    }
    return { classes: this.classes.size, watchers, loading, debouncePending: this.debouncer.pending };
  }

  private entry(classKey: string): ClassEntry {
    let entry = this.classes.get(classKey);
    if (!entry) {
      entry = { proxy: undefined, snapshot: undefined, publishedAt: 0, watchers: new Set(), dirty: false, loading: false, missing: false };
      this.classes.set(classKey, entry);
    }
    return entry;
  }

  private store(classKey: string, entry: ClassEntry, snapshot: Snapshot): void {
    entry.snapshot = snapshot;
    entry.proxy ??= snapshot.proxy;
    entry.publishedAt = this.now();
    this.events.emit('publish', { classKey, snapshot, at: entry.publishedAt });
  }

  private load(proxy: ProxyClass, entry: ClassEntry): void {
    const provider = this.provider;
    if (!provider) return;
    entry.loading = true;
    let result: Snapshot | undefined | Promise<Snapshot | undefined>;
    try {
      result = provider(proxy);
    } catch (e) {
      entry.loading = false;
      this.providerFailed(proxy, e);
      return;
    }
    if (!(result instanceof Promise)) {
      entry.loading = false;
      this.loaded(proxy, entry, result);
      return;
    }
    result.then(
      (snapshot) => {
        entry.loading = false;
        this.loaded(proxy, entry, snapshot);
      },
      (e: unknown) => {
        entry.loading = false;
        this.providerFailed(proxy, e);
      },
    );
  }

  private loaded(proxy: ProxyClass, entry: ClassEntry, snapshot: Snapshot | undefined): void {
    // A setSnapshot that landed while the provider compiled is newer than the provider's input.
    if (this.closed || entry.snapshot) return;
    if (!snapshot) {
      entry.missing = true;
      this.logger.info('no configuration for proxy class', { classKey: proxy.key });
      return;
    }
    this.store(proxy.key, entry, snapshot);
    // The first snapshot of a class goes out at once: connecting proxies are waiting for it.
    for (const listener of [...entry.watchers]) listener(snapshot);
    this.forgetIfIdle(proxy.key, entry);
  }

  private async ask(provider: SnapshotProvider, proxy: ProxyClass): Promise<Snapshot | undefined> {
    try {
      return await provider(proxy);
    } catch (e) {
      this.providerFailed(proxy, e);
      return undefined;
    }
  }

  private providerFailed(proxy: ProxyClass, e: unknown): void {
    this.logger.error('compiling the snapshot of a proxy class failed', { classKey: proxy.key, error: e });
  }

  private deliver(): void {
    const classKeys: string[] = [];
    let streams = 0;
    for (const [key, entry] of this.classes) {
      if (!entry.dirty) continue;
      entry.dirty = false;
      const snapshot = entry.snapshot;
      if (!snapshot) continue;
      classKeys.push(key);
      for (const listener of [...entry.watchers]) {
        streams++;
        listener(snapshot);
      }
    }
    if (classKeys.length > 0) this.events.emit('deliver', { classKeys, streams });
  }

  /** A class nobody watches and nobody published is not worth remembering. */
  private forgetIfIdle(classKey: string, entry: ClassEntry): void {
    if (entry.watchers.size === 0 && !entry.snapshot && !entry.loading && this.classes.get(classKey) === entry) this.classes.delete(classKey);
  }
}
