/**
 * The proxy registry: who is connected, what each stream was sent, what it ACKed, what it
 * rejected. It is the one place status, metrics and the rollout controller read from:
 *
 * - `status()`: a plain, JSON-able picture of every stream and class;
 * - events (`connect`, `disconnect`, `push`, `ack`, `nack`, `converged`, `classConverged`);
 * - `convergence(target)` / `waitForConvergence(target)`: has every proxy of a class ACKed a
 *   snapshot version, or has every proxy that receives a resource ACKed a version of it.
 *
 * A stream reports facts through its ProxyRecord; the record does the bookkeeping (pending
 * responses by nonce, ACKed resource versions, rejected ones) and the registry fans out.
 */
import type { Flavor, ProxyClass, Snapshot } from '../compiler/index.ts';
import { Emitter } from './events.ts';
import { silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { shortTypeName } from './resource-types.ts';
import type { Subscription } from './subscription.ts';
import type { ErrorDetail, Protocol, XdsNode } from './wire/index.ts';

// ---------------------------------------------------------------- status shapes (JSON-able)

export interface NackStatus {
  versionInfo: string;
  nonce: string;
  code: number;
  message: string;
  /** Resources of the rejected response that the proxy did not have at those versions. */
  resourceNames: string[];
  at: string;
}

export interface TypeStatus {
  typeUrl: string;
  /** `['*', …names]` for a wildcard subscription, else the names. */
  subscribed: string[];
  versionSent: string | undefined;
  nonceSent: string | undefined;
  sentAt: string | undefined;
  versionAcked: string | undefined;
  ackedAt: string | undefined;
  /** Responses sent and not answered yet. */
  pending: number;
  lastNack: NackStatus | undefined;
  /** Resources whose latest version the proxy rejected and has not accepted since. */
  rejected: string[];
}

/** `waiting`: no snapshot yet; `pending`: responses not ACKed yet; `rejected`: a NACK stands. */
export type ProxyState = 'waiting' | 'pending' | 'converged' | 'rejected';

export interface ProxyStatus {
  streamId: string;
  nodeId: string;
  cluster: string;
  classKey: string;
  flavor: Flavor;
  protocol: Protocol;
  /** `ads` or the per-type service the stream came in on. */
  service: string;
  userAgent: string;
  peer: string;
  connectedAt: string;
  state: ProxyState;
  /** Snapshot version whose pushes the stream has been sent. */
  snapshotSent: string | undefined;
  /** Latest snapshot version the stream ACKed completely. */
  snapshotAcked: string | undefined;
  types: TypeStatus[];
}

export interface ClassStatus {
  classKey: string;
  snapshotVersion: string | undefined;
  publishedAt: string | undefined;
  proxies: number;
  converged: number;
  rejected: number;
  /** When every proxy of the class had ACKed `snapshotVersion`, if they have. */
  convergedAt: string | undefined;
}

export interface RegistryStatus {
  proxies: ProxyStatus[];
  classes: ClassStatus[];
}

// ---------------------------------------------------------------- events

export interface ProxyRef {
  streamId: string;
  nodeId: string;
  classKey: string;
}

export interface PushEvent extends ProxyRef {
  protocol: Protocol;
  typeUrl: string;
  versionInfo: string;
  nonce: string;
  snapshotVersion: string;
  resources: number;
  removed: number;
  bytes: number;
}

export interface AckEvent extends ProxyRef {
  typeUrl: string;
  versionInfo: string;
  nonce: string;
  snapshotVersion: string;
  /** Time from sending the response to its ACK. */
  latencyMs: number;
}

export interface NackEvent extends AckEvent {
  error: ErrorDetail;
  resourceNames: string[];
}

export interface ProxyConvergedEvent extends ProxyRef {
  snapshotVersion: string;
  /** From the snapshot's publication (or the proxy's connection, if later) to its last ACK. */
  durationMs: number;
}

export interface ClassConvergedEvent {
  classKey: string;
  snapshotVersion: string;
  /** From the snapshot's publication to the last proxy of the class ACKing it. */
  durationMs: number;
  proxies: number;
}

export interface RegistryEvents {
  [event: string]: unknown;
  connect: ProxyStatus;
  disconnect: ProxyStatus;
  push: PushEvent;
  ack: AckEvent;
  nack: NackEvent;
  converged: ProxyConvergedEvent;
  classConverged: ClassConvergedEvent;
}

// ---------------------------------------------------------------- convergence queries

export type ConvergenceTarget =
  /** Every proxy of the class has ACKed this snapshot version. */
  | { classKey: string; snapshotVersion: string }
  /** Every proxy that receives the resource has ACKed this (content) version of it. */
  | { typeUrl: string; name: string; version: string };

export interface ConvergenceReport {
  /** Every matching proxy ACKed. */
  converged: boolean;
  /** No matching proxy is still pending (each ACKed or rejected). */
  settled: boolean;
  proxies: number;
  acked: string[];
  pending: string[];
  rejected: { nodeId: string; streamId: string; typeUrl: string; message: string }[];
}

export interface WaitOptions {
  /** Give up after this long and return the report as it stands (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------- records

/** A resource by name and content version (a SnapshotEntry is one). */
export interface VersionedName {
  readonly name: string;
  readonly version: string;
}

/** A response as the stream sent it. */
export interface SentResponse {
  typeUrl: string;
  versionInfo: string;
  nonce: string;
  snapshotVersion: string;
  /** Every resource in the response (the stream's own array: kept, never copied). */
  resources: readonly VersionedName[];
  removed: readonly string[];
  /** A SotW full-state response: it replaces what the proxy has of the type. */
  replaces: boolean;
  bytes: number;
}

interface Pending extends SentResponse {
  sentAt: number;
}

/**
 * Name → version the proxy accepted, kept without copying: the resources of the last accepted
 * full-state response as they were sent, plus the changes since (partial responses, delta,
 * unsubscriptions). The index over the base is built only when someone asks about one resource.
 */
class AcceptedResources {
  private base: readonly VersionedName[] = [];
  private index: Map<string, string> | undefined;
  private readonly changes = new Map<string, string | null>();

  replace(resources: readonly VersionedName[]): void {
    this.base = resources;
    this.index = undefined;
    this.changes.clear();
  }

  set(name: string, version: string): void {
    this.changes.set(name, version);
  }

  delete(name: string): void {
    this.changes.set(name, null);
  }

  get(name: string): string | undefined {
    const changed = this.changes.get(name);
    if (changed !== undefined) return changed ?? undefined;
    this.index ??= new Map(this.base.map((r) => [r.name, r.version]));
    return this.index.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

interface TypeRecord {
  subscription: Subscription | undefined;
  /** Outstanding responses in send order. */
  readonly pending: Map<string, Pending>;
  lastSent: Pending | undefined;
  acked: { versionInfo: string; at: number } | undefined;
  readonly ackedResources: AcceptedResources;
  /** Name → version the proxy rejected; '' stands for a rejected response without resources. */
  readonly rejected: Map<string, string>;
  lastNack: NackStatus | undefined;
  /** The snapshot whose response the proxy last rejected: a rejection speaks only of that snapshot. */
  rejectedSnapshot: string | undefined;
}

export interface ProxyRecordInit {
  streamId: string;
  node: XdsNode;
  proxy: ProxyClass;
  protocol: Protocol;
  service: string;
  peer: string;
}

const CONVERGED_HISTORY = 8;

/** One stream's bookkeeping; the stream tells it what happened. */
export class ProxyRecord {
  readonly streamId: string;
  readonly nodeId: string;
  readonly classKey: string;
  readonly connectedAt: number;
  private readonly types = new Map<string, TypeRecord>();
  private applied: Snapshot | undefined;
  /** Snapshot versions this stream fully ACKed, newest last. */
  private readonly convergedVersions: string[] = [];
  private closed = false;

  constructor(
    private readonly registry: ProxyRegistry,
    private readonly init: ProxyRecordInit,
    now: number,
  ) {
    this.streamId = init.streamId;
    this.nodeId = init.node.id;
    this.classKey = init.proxy.key;
    this.connectedAt = now;
  }

  /** The stream subscribes to a type (the subscription object stays live). */
  track(typeUrl: string, subscription: Subscription): void {
    this.type(typeUrl).subscription = subscription;
  }

  /** A response went out. */
  sent(response: SentResponse): void {
    if (this.closed) return;
    const t = this.type(response.typeUrl);
    const pending: Pending = { ...response, sentAt: this.registry.now() };
    t.pending.set(response.nonce, pending);
    t.lastSent = pending;
    this.registry.emitEvent('push', {
      ...this.ref(),
      protocol: this.init.protocol,
      typeUrl: response.typeUrl,
      versionInfo: response.versionInfo,
      nonce: response.nonce,
      snapshotVersion: response.snapshotVersion,
      resources: response.resources.length,
      removed: response.removed.length,
      bytes: response.bytes,
    });
    this.registry.changed(this);
  }

  /** Whether `nonce` names a response of this type still waiting for its ACK or NACK. */
  isPending(typeUrl: string, nonce: string): boolean {
    return this.types.get(typeUrl)?.pending.has(nonce) ?? false;
  }

  /**
   * The proxy answered the response `nonce`: an ACK, or a NACK when `error` is set. Earlier
   * responses of the type it never answered were applied by it before this one: they count as
   * accepted. Returns false when the nonce was not pending (nothing recorded).
   */
  answered(typeUrl: string, nonce: string, error: ErrorDetail | undefined): boolean {
    const t = this.types.get(typeUrl);
    const answered = t?.pending.get(nonce);
    if (!t || !answered || this.closed) return false;
    for (const [n, p] of t.pending) {
      t.pending.delete(n);
      if (n === nonce) break;
      this.accept(t, p);
    }
    const now = this.registry.now();
    const base = { ...this.ref(), typeUrl, versionInfo: answered.versionInfo, nonce, snapshotVersion: answered.snapshotVersion, latencyMs: now - answered.sentAt };
    if (error) {
      const resourceNames = this.reject(t, answered);
      t.lastNack = { versionInfo: answered.versionInfo, nonce, code: error.code, message: error.message, resourceNames, at: new Date(this.registry.wallClock()).toISOString() };
      t.rejectedSnapshot = answered.snapshotVersion;
      this.registry.logger.warn('proxy rejected configuration (NACK)', {
        nodeId: this.nodeId,
        streamId: this.streamId,
        classKey: this.classKey,
        type: shortTypeName(typeUrl),
        version: answered.versionInfo,
        nonce,
        resources: resourceNames,
        errorCode: error.code,
        error: error.message,
      });
      this.registry.emitEvent('nack', { ...base, error, resourceNames });
    } else {
      this.accept(t, answered);
      t.acked = { versionInfo: answered.versionInfo, at: now };
      this.registry.emitEvent('ack', base);
    }
    this.registry.changed(this);
    return true;
  }

  /** The client already holds these resources (delta `initial_resource_versions`). */
  holds(typeUrl: string, versions: ReadonlyMap<string, string>): void {
    const t = this.type(typeUrl);
    for (const [name, version] of versions) t.ackedResources.set(name, version);
  }

  /** The client dropped these resources (it unsubscribed). */
  dropped(typeUrl: string, names: Iterable<string>): void {
    const t = this.types.get(typeUrl);
    if (!t) return;
    for (const name of names) {
      t.ackedResources.delete(name);
      t.rejected.delete(name);
    }
  }

  /** Every push `snapshot` requires has been sent. */
  appliedSnapshot(snapshot: Snapshot): void {
    if (this.closed) return;
    this.applied = snapshot;
    this.registry.changed(this);
  }

  get snapshot(): Snapshot | undefined {
    return this.applied;
  }

  get state(): ProxyState {
    if (!this.applied) return 'waiting';
    let pending = false;
    for (const t of this.types.values()) {
      if (t.rejected.size > 0) return 'rejected';
      if (t.pending.size > 0) pending = true;
    }
    return pending ? 'pending' : 'converged';
  }

  hasConverged(snapshotVersion: string): boolean {
    return this.convergedVersions.includes(snapshotVersion);
  }

  /** Called by the registry when the record reaches `converged`; true the first time per version. */
  noteConverged(snapshotVersion: string): boolean {
    if (this.convergedVersions.at(-1) === snapshotVersion) return false;
    const seen = this.convergedVersions.indexOf(snapshotVersion);
    if (seen >= 0) this.convergedVersions.splice(seen, 1);
    this.convergedVersions.push(snapshotVersion);
    if (this.convergedVersions.length > CONVERGED_HISTORY) this.convergedVersions.shift();
    return seen < 0;
  }

  /** How this stream stands for one resource: undefined when it does not receive it. */
  resourceState(typeUrl: string, name: string, version: string): 'acked' | 'rejected' | 'pending' | undefined {
    const t = this.types.get(typeUrl);
    if (!t?.subscription?.covers(name) || !this.applied?.resources.get(typeUrl as never)?.has(name)) return undefined;
    if (t.ackedResources.get(name) === version) return 'acked';
    if (t.rejected.get(name) === version) return 'rejected';
    return 'pending';
  }

  /** The first rejection standing, for reports. */
  firstRejection(): { typeUrl: string; message: string } | undefined {
    for (const [typeUrl, t] of this.types) if (t.rejected.size > 0) return { typeUrl, message: t.lastNack?.message ?? '' };
    return undefined;
  }

  /**
   * The first type whose rejection was of `snapshotVersion`. A NACK of an older snapshot
   * says nothing about a newer one still on its way (it stays in `state` until then).
   */
  rejectionOfSnapshot(snapshotVersion: string): { typeUrl: string; message: string } | undefined {
    for (const [typeUrl, t] of this.types) {
      if (t.rejected.size > 0 && t.rejectedSnapshot === snapshotVersion) return { typeUrl, message: t.lastNack?.message ?? '' };
    }
    return undefined;
  }

  rejectionOf(typeUrl: string): string {
    return this.types.get(typeUrl)?.lastNack?.message ?? '';
  }

  close(): void {
    this.closed = true;
  }

  status(): ProxyStatus {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(this.registry.toWallClock(ms)).toISOString());
    const node = this.init.node;
    const types: TypeStatus[] = [];
    for (const [typeUrl, t] of [...this.types].sort(([a], [b]) => (a < b ? -1 : 1))) {
      types.push({
        typeUrl,
        subscribed: t.subscription?.describe() ?? [],
        versionSent: t.lastSent?.versionInfo,
        nonceSent: t.lastSent?.nonce,
        sentAt: iso(t.lastSent?.sentAt),
        versionAcked: t.acked?.versionInfo,
        ackedAt: iso(t.acked?.at),
        pending: t.pending.size,
        lastNack: t.lastNack ? { ...t.lastNack, resourceNames: [...t.lastNack.resourceNames] } : undefined,
        rejected: [...t.rejected.keys()].filter((n) => n !== '').sort(),
      });
    }
    return {
      streamId: this.streamId,
      nodeId: node.id,
      cluster: node.cluster,
      classKey: this.classKey,
      flavor: this.init.proxy.flavor,
      protocol: this.init.protocol,
      service: this.init.service,
      userAgent: [node.userAgentName, node.userAgentVersion].filter((s) => s !== '').join('/'),
      peer: this.init.peer,
      connectedAt: iso(this.connectedAt) ?? '',
      state: this.state,
      snapshotSent: this.applied?.version,
      snapshotAcked: this.convergedVersions.at(-1),
      types,
    };
  }

  ref(): ProxyRef {
    return { streamId: this.streamId, nodeId: this.nodeId, classKey: this.classKey };
  }

  private type(typeUrl: string): TypeRecord {
    let t = this.types.get(typeUrl);
    if (!t) {
      t = { subscription: undefined, pending: new Map(), lastSent: undefined, acked: undefined, ackedResources: new AcceptedResources(), rejected: new Map(), lastNack: undefined, rejectedSnapshot: undefined };
      this.types.set(typeUrl, t);
    }
    return t;
  }

  private accept(t: TypeRecord, response: SentResponse): void {
    if (response.replaces) {
      t.ackedResources.replace(response.resources);
      t.rejected.clear();
      return;
    }
    t.rejected.delete('');
    for (const { name, version } of response.resources) {
      t.ackedResources.set(name, version);
      t.rejected.delete(name);
    }
    for (const name of response.removed) {
      t.ackedResources.delete(name);
      t.rejected.delete(name);
    }
  }

  /** Marks what the rejected response changed; returns those names. */
  private reject(t: TypeRecord, response: SentResponse): string[] {
    const suspects: string[] = [];
    for (const { name, version } of response.resources) {
      if (t.ackedResources.get(name) !== version) {
        suspects.push(name);
        t.rejected.set(name, version);
      }
    }
    for (const name of response.removed) {
      if (t.ackedResources.has(name)) {
        suspects.push(name);
        t.rejected.set(name, '');
      }
    }
    if (suspects.length === 0) t.rejected.set('', response.versionInfo);
    return suspects.sort();
  }
}

// ---------------------------------------------------------------- registry

interface ClassRecord {
  version: string | undefined;
  publishedAt: number | undefined;
  convergedAt: number | undefined;
  readonly records: Set<ProxyRecord>;
}

interface Waiter {
  target: ConvergenceTarget;
  resolve(report: ConvergenceReport): void;
}

export interface ProxyRegistryOptions {
  logger?: Logger;
  /** Wall clock, ms since the epoch (tests). */
  now?: () => number;
}

export class ProxyRegistry {
  readonly events: Emitter<RegistryEvents>;
  readonly logger: Logger;
  private readonly records = new Map<string, ProxyRecord>();
  private readonly classes = new Map<string, ClassRecord>();
  private readonly waiters = new Set<Waiter>();
  private readonly waiterTimers = new Set<NodeJS.Timeout>();
  private readonly clock: () => number;
  private evaluation: NodeJS.Immediate | undefined;

  constructor(options: ProxyRegistryOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.now ?? Date.now;
    this.events = new Emitter<RegistryEvents>((event, error) => this.logger.error('a registry event subscriber failed', { event: String(event), error }));
  }

  /** A stream identified itself (its first request). */
  connect(init: ProxyRecordInit): ProxyRecord {
    const record = new ProxyRecord(this, init, this.now());
    this.records.set(record.streamId, record);
    this.classRecord(record.classKey).records.add(record);
    this.logger.info('proxy connected', { ...record.ref(), protocol: init.protocol, service: init.service, peer: init.peer });
    this.events.emit('connect', record.status());
    this.scheduleEvaluation();
    return record;
  }

  /** A stream ended; everything about it goes. */
  disconnect(record: ProxyRecord): void {
    if (this.records.get(record.streamId) !== record) return;
    record.close();
    this.records.delete(record.streamId);
    const cls = this.classes.get(record.classKey);
    cls?.records.delete(record);
    this.logger.info('proxy disconnected', { ...record.ref() });
    this.events.emit('disconnect', record.status());
    if (cls) this.checkClass(record.classKey, cls);
    this.scheduleEvaluation();
  }

  /** The cache published a snapshot for a class: convergence time starts now. */
  published(classKey: string, snapshotVersion: string, at: number): void {
    const cls = this.classRecord(classKey);
    cls.version = snapshotVersion;
    cls.publishedAt = at;
    cls.convergedAt = undefined;
  }

  status(): RegistryStatus {
    const proxies = [...this.records.values()].map((r) => r.status()).sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.streamId < b.streamId ? -1 : 1));
    const classes: ClassStatus[] = [];
    for (const [classKey, cls] of [...this.classes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let converged = 0;
      let rejected = 0;
      for (const r of cls.records) {
        if (cls.version !== undefined && r.state === 'converged' && r.hasConverged(cls.version)) converged++;
        if (r.state === 'rejected') rejected++;
      }
      const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
      classes.push({ classKey, snapshotVersion: cls.version, publishedAt: iso(cls.publishedAt), proxies: cls.records.size, converged, rejected, convergedAt: iso(cls.convergedAt) });
    }
    return { proxies, classes };
  }

  /** How the proxies concerned by `target` stand right now. */
  convergence(target: ConvergenceTarget): ConvergenceReport {
    const acked: string[] = [];
    const pending: string[] = [];
    const rejected: ConvergenceReport['rejected'] = [];
    if ('classKey' in target) {
      for (const r of this.classes.get(target.classKey)?.records ?? []) {
        const why = r.hasConverged(target.snapshotVersion) ? undefined : r.rejectionOfSnapshot(target.snapshotVersion);
        if (r.hasConverged(target.snapshotVersion)) acked.push(r.nodeId);
        else if (why) rejected.push({ nodeId: r.nodeId, streamId: r.streamId, typeUrl: why.typeUrl, message: why.message });
        else pending.push(r.nodeId);
      }
    } else {
      for (const r of this.records.values()) {
        const state = r.resourceState(target.typeUrl, target.name, target.version);
        if (state === 'acked') acked.push(r.nodeId);
        else if (state === 'rejected') rejected.push({ nodeId: r.nodeId, streamId: r.streamId, typeUrl: target.typeUrl, message: r.rejectionOf(target.typeUrl) });
        else if (state === 'pending') pending.push(r.nodeId);
      }
    }
    const proxies = acked.length + pending.length + rejected.length;
    return { converged: pending.length === 0 && rejected.length === 0, settled: pending.length === 0, proxies, acked: acked.sort(), pending: pending.sort(), rejected };
  }

  /**
   * Resolves once every proxy concerned by `target` has ACKed or rejected it (look at
   * `converged`), or at the timeout with the report as it stands. Proxies that connect while
   * waiting are included.
   */
  waitForConvergence(target: ConvergenceTarget, options: WaitOptions = {}): Promise<ConvergenceReport> {
    const now = this.convergence(target);
    if (now.settled) return Promise.resolve(now);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<ConvergenceReport>((resolve, reject) => {
      const finish = () => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        this.waiterTimers.delete(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        target,
        resolve: (report) => {
          finish();
          resolve(report);
        },
      };
      const onAbort = () => {
        finish();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => waiter.resolve(this.convergence(target)), options.timeoutMs ?? 30_000);
      this.waiterTimers.add(timer);
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Counts of what the registry holds, to prove nothing leaks. */
  internals(): { proxies: number; waiters: number; timers: number; listeners: number } {
    return { proxies: this.records.size, waiters: this.waiters.size, timers: this.waiterTimers.size + (this.evaluation ? 1 : 0), listeners: this.events.listenerCount() };
  }

  /** Stops pending evaluations and timers; waiters get their report as it stands. */
  close(): void {
    for (const waiter of [...this.waiters]) waiter.resolve(this.convergence(waiter.target));
    if (this.evaluation) clearImmediate(this.evaluation);
    this.evaluation = undefined;
  }

  // ---- used by ProxyRecord

  /** Monotonic ms for latencies. */
  now(): number {
    return performance.now();
  }

  wallClock(): number {
    return this.clock();
  }

  /** Monotonic ms → wall-clock ms. */
  toWallClock(monotonic: number): number {
    return this.clock() - (performance.now() - monotonic);
  }

  emitEvent<E extends keyof RegistryEvents>(event: E, payload: RegistryEvents[E]): void {
    this.events.emit(event, payload);
  }

  changed(record: ProxyRecord): void {
    const snapshot = record.snapshot;
    if (snapshot && record.state === 'converged' && record.noteConverged(snapshot.version)) {
      const cls = this.classes.get(record.classKey);
      const since = cls?.version === snapshot.version && cls.publishedAt !== undefined ? Math.max(cls.publishedAt, this.toWallClock(record.connectedAt)) : this.toWallClock(record.connectedAt);
      this.events.emit('converged', { ...record.ref(), snapshotVersion: snapshot.version, durationMs: Math.max(0, this.wallClock() - since) });
      if (cls) this.checkClass(record.classKey, cls);
    }
    this.scheduleEvaluation();
  }

  private classRecord(classKey: string): ClassRecord {
    let cls = this.classes.get(classKey);
    if (!cls) this.classes.set(classKey, (cls = { version: undefined, publishedAt: undefined, convergedAt: undefined, records: new Set() }));
    return cls;
  }

  private checkClass(classKey: string, cls: ClassRecord): void {
    const version = cls.version;
    if (version === undefined || cls.convergedAt !== undefined || cls.records.size === 0) return;
    for (const r of cls.records) if (!(r.state === 'converged' && r.hasConverged(version))) return;
    cls.convergedAt = this.wallClock();
    this.events.emit('classConverged', { classKey, snapshotVersion: version, durationMs: Math.max(0, cls.convergedAt - (cls.publishedAt ?? cls.convergedAt)), proxies: cls.records.size });
  }

  /** Waiters are evaluated once per turn of the event loop, however many ACKs arrived in it. */
  private scheduleEvaluation(): void {
    if (this.waiters.size === 0 || this.evaluation) return;
    this.evaluation = setImmediate(() => {
      this.evaluation = undefined;
      for (const waiter of [...this.waiters]) {
        const report = this.convergence(waiter.target);
        if (report.settled) waiter.resolve(report);
      }
    });
  }
}
