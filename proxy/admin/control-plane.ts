/**
 * `sluice serve` without the command line: a policy source → validated model → snapshots
 * compiled lazily per connecting proxy class → xDS, plus the admin HTTP server and metrics.
 *
 * Seams for the composition root (cli/):
 *
 * - **Policy input** (`options.source`, a PolicySource, see policy-source.ts): files on disk
 *   (FilePolicySource, what `options.paths` builds) or anything that validates a model and
 *   calls `sink.publish`, such as the Git sync the cli adapts from gitops/.
 * - **Publishing** (`publish(update)`): compiles every proxy class that has proxies with the
 *   new model and publishes all of them or none; snapshot versions are `<revision>/<hash>`,
 *   the revision being the commit sha for Git. Returns the versions now served, per class.
 * - **Weight overlays** (`setOverlays(overlays)`, for the rollout controller): the weights are
 *   compiler input (TranslateOptions.overlays), never a patch on the output; setting them
 *   recompiles every live class with the current model, publishes, and returns the new
 *   versions, so the caller can `waitForAcks(versions)` on exactly what it caused. Overlays
 *   stay in force for later policy publishes until replaced.
 * - **Admin routes** (`admin.route(...)`, see server.ts): extra HTTP endpoints (webhooks,
 *   rollout APIs, /debug pages of other parts) registered before `start()`.
 *
 * Publishes and overlay changes run one at a time, in call order, so a commit and a rollout
 * step never compile against each other's half-applied state.
 */
import { compileModel, EntryCache } from '../../compiler/index.ts';
import type { Diagnostic, PolicyModel, ProxyClass, Snapshot, ValidationResult, WeightOverlay } from '../../compiler/index.ts';
import { SnapshotCache } from '../cache.ts';
import { silentLogger } from '../logger.ts';
import type { Logger } from '../logger.ts';
import type { ConvergenceReport } from '../registry.ts';
import { XdsServer } from '../server.ts';
import { FilePolicySource, where } from './file-source.ts';
import { ControlPlaneMetrics } from './metrics.ts';
import type { PolicyAttempt, PolicySink, PolicySource, PolicyUpdate, PublishOutcome } from './policy-source.ts';
import { AdminServer } from './server.ts';

export { where } from './file-source.ts';
export type { PolicyAttempt } from './policy-source.ts';

export interface ControlPlaneOptions {
  /** Where the policy comes from. Default: a FilePolicySource over `paths`. */
  source?: PolicySource;
  /** Policy files and directories (when no `source` is given). */
  paths?: readonly string[];
  /** Default 127.0.0.1:15010. */
  xdsAddress?: string;
  /** Default 127.0.0.1:15014. */
  httpAddress?: string;
  /** Quiet time after a file change before reloading (default 100 ms; files only). */
  debounceMs?: number;
  /** Revision snapshot versions start with (default `local`; files only). */
  revision?: string;
  logger?: Logger;
  /** Poll files (fs.watchFile) instead of fs.watch (files only). */
  poll?: boolean;
  /** Poll interval (default 500 ms; files only). */
  pollIntervalMs?: number;
  /** Push debounce of the snapshot cache (default 100 ms). */
  pushDebounceMs?: number;
  cwd?: string;
}

export interface PolicyState {
  /** `files`, `git`, … plus what the source adds (paths and watch mode; the repository). */
  source: string;
  [detail: string]: unknown;
  /** Revision of the model being served. */
  revision: string | undefined;
  lastGood: PolicyAttempt | undefined;
  /** The latest attempt that failed, if it is newer than the last good one (else null). */
  lastFailed: PolicyAttempt | null;
  /** Weight overlays in force (rollouts). */
  overlays: number;
}

export type StartResult = { ok: true; xdsAddress: string; httpAddress: string } | { ok: false; validation: ValidationResult };

export interface AckReport {
  /** Every proxy of every class ACKed its version. */
  converged: boolean;
  byClass: Map<string, ConvergenceReport>;
}

export class ControlPlane {
  readonly cache: SnapshotCache;
  readonly xds: XdsServer;
  readonly metrics: ControlPlaneMetrics;
  readonly admin: AdminServer;
  readonly source: PolicySource;
  private readonly logger: Logger;
  private readonly entries = new EntryCache();
  private readonly cwd: string;
  private model: PolicyModel | undefined;
  private revision: string | undefined;
  private overlays: readonly WeightOverlay[] = [];
  private lastGood: PolicyAttempt | undefined;
  private lastFailed: PolicyAttempt | null = null;
  /** Snapshots compiled by a publish, handed to the cache's refresh (then cleared). */
  private precompiled: Map<string, Snapshot> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: ControlPlaneOptions) {
    this.logger = options.logger ?? silentLogger;
    this.cwd = options.cwd ?? process.cwd();
    this.source =
      options.source ??
      new FilePolicySource({
        paths: options.paths ?? ['.'],
        debounceMs: options.debounceMs,
        revision: options.revision,
        poll: options.poll,
        pollIntervalMs: options.pollIntervalMs,
        logger: this.logger,
        cwd: this.cwd,
      });
    this.cache = new SnapshotCache({ snapshotFor: (proxy) => this.provide(proxy), logger: this.logger, debounce: { afterMs: options.pushDebounceMs ?? 100 } });
    this.xds = new XdsServer({ cache: this.cache, logger: this.logger, controlPlaneId: 'sluice' });
    this.metrics = new ControlPlaneMetrics({ registry: this.xds.registry, cache: this.cache, processMetrics: true });
    this.admin = new AdminServer({
      registry: this.xds.registry,
      cache: this.cache,
      metrics: this.metrics,
      logger: this.logger,
      readiness: () => this.readiness(),
      policyStatus: () => this.policyState(),
    });
  }

  /** The sink sources publish through (bound to this control plane). */
  readonly sink: PolicySink = {
    publish: (update) => this.publish(update),
    rejected: (attempt) => this.rejected(attempt),
  };

  /**
   * Starts the source (files: validates them; with errors, returns them and starts nothing),
   * then serves xDS and the admin API.
   */
  async start(): Promise<StartResult> {
    const started = await this.source.start(this.sink);
    if (!started.ok) return started;
    const port = await this.xds.listen(this.options.xdsAddress ?? '127.0.0.1:15010');
    const xdsHost = (this.options.xdsAddress ?? '127.0.0.1:15010').replace(/:\d+$/, '');
    const httpAddress = await this.admin.listen(this.options.httpAddress ?? '127.0.0.1:15014');
    return { ok: true, xdsAddress: `${xdsHost}:${port}`, httpAddress };
  }

  /** Compiles every live class with `update.model` (and the overlays in force); publishes all or none. */
  publish(update: PolicyUpdate): Promise<PublishOutcome> {
    return this.serialized(async () => {
      const outcome = await this.compileAndPublish(update.model, update.revision, this.overlays);
      if (outcome.ok) {
        this.lastGood = update.attempt;
      } else {
        this.lastFailed = { ...update.attempt, ok: false, at: new Date().toISOString(), errors: outcome.diagnostics.length, findings: outcome.diagnostics.slice(0, 20).map((d) => `${where(d, this.cwd)} ${d.code} ${d.message}`) };
      }
      return outcome;
    });
  }

  /**
   * Replaces the weight overlays (rollouts) and republishes every live class with the current
   * model; returns the versions to wait on. With compile errors nothing changes (the overlays
   * are not applied) and the diagnostics are returned. Before any policy is loaded the
   * overlays are only stored.
   */
  setOverlays(overlays: readonly WeightOverlay[]): Promise<PublishOutcome> {
    return this.serialized(async () => {
      const model = this.model;
      if (!model || this.revision === undefined) {
        this.overlays = [...overlays];
        return { ok: true, revision: this.revision ?? '', versions: new Map() } satisfies PublishOutcome;
      }
      return this.compileAndPublish(model, this.revision, [...overlays]);
    });
  }

  /** The overlays in force. */
  currentOverlays(): readonly WeightOverlay[] {
    return this.overlays;
  }

  /** Waits until every proxy of each class ACKed the version a publish returned for it. */
  async waitForAcks(versions: ReadonlyMap<string, string>, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<AckReport> {
    const byClass = new Map<string, ConvergenceReport>();
    await Promise.all(
      [...versions].map(async ([classKey, snapshotVersion]) => {
        byClass.set(classKey, await this.xds.registry.waitForConvergence({ classKey, snapshotVersion }, options));
      }),
    );
    return { converged: [...byClass.values()].every((r) => r.converged), byClass };
  }

  policyState(): PolicyState {
    const failedIsNewer = this.lastFailed && (!this.lastGood || this.lastFailed.at >= this.lastGood.at);
    return {
      ...this.source.status?.(),
      source: this.source.kind,
      revision: this.revision,
      lastGood: this.lastGood,
      lastFailed: failedIsNewer ? this.lastFailed : null,
      overlays: this.overlays.length,
    };
  }

  /** Reloads the source now, if it can (files; tests). */
  async reload(): Promise<void> {
    await this.source.reload?.();
  }

  async close(timeoutMs = 5_000): Promise<{ forced: boolean }> {
    this.closed = true;
    await this.source.close();
    const [result] = await Promise.all([this.xds.close({ timeoutMs }), this.admin.close()]);
    this.metrics.close();
    return { forced: result.forced };
  }

  private rejected(attempt: PolicyAttempt): void {
    this.lastFailed = attempt;
    this.metrics.compileFailed('validate', attempt.errors);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async compileAndPublish(model: PolicyModel, revision: string, overlays: readonly WeightOverlay[]): Promise<PublishOutcome> {
    if (this.closed) return { ok: false, diagnostics: [] };
    const compiled = new Map<string, Snapshot>();
    const errors: Diagnostic[] = [];
    for (const proxy of this.cache.liveClasses()) {
      const result = this.compile(model, proxy, revision, overlays);
      if (result.errors.length > 0) errors.push(...result.errors);
      else if (result.snapshot) compiled.set(proxy.key, result.snapshot);
    }
    if (errors.length > 0) {
      this.metrics.compileFailed('compile', errors.length);
      for (const d of errors) this.logger.warn(`${where(d, this.cwd)}: ${d.code} ${d.message}`, { revision, file: where(d, this.cwd).replace(/:\d+:\d+$/, ''), line: d.line, col: d.col, code: d.code });
      this.logger.warn('compiled configuration has errors; keeping the last good snapshots', { revision, errors: errors.length });
      return { ok: false, diagnostics: errors };
    }
    this.model = model;
    this.revision = revision;
    this.overlays = overlays;
    const before = new Set(this.cache.snapshots().map((s) => s.proxy.key));
    this.precompiled = compiled;
    try {
      await this.cache.refresh();
    } finally {
      this.precompiled = undefined;
    }
    const live = new Set(this.cache.snapshots().map((s) => s.proxy.key));
    for (const key of before) if (!live.has(key)) this.metrics.forgetClass(key);
    this.entries.retain(this.cache.snapshots());
    const versions = new Map<string, string>();
    for (const [key, snapshot] of compiled) versions.set(key, this.cache.getSnapshot(key)?.version ?? snapshot.version);
    return { ok: true, revision, versions };
  }

  private readiness(): { ready: boolean; reason?: string } {
    if (!this.model) return { ready: false, reason: this.source.waitingFor?.() ?? 'the policy has not loaded yet' };
    const failed = this.policyState().lastFailed;
    const serving = `serving the last good policy${this.revision && this.revision !== 'local' ? ` (${this.revision})` : ''}`;
    const problem = this.source.health?.();
    if (failed) return { ready: true, reason: `${serving}; the latest change has ${failed.errors} error(s)${problem ? `; ${problem}` : ''}` };
    if (problem) return { ready: true, reason: `${serving}; ${problem}` };
    return { ready: true };
  }

  /** The cache's provider: what a publish precompiled, else a lazy compile of a newly seen class. */
  private provide(proxy: ProxyClass): Snapshot | undefined {
    const ready = this.precompiled?.get(proxy.key);
    if (ready) return ready;
    const model = this.model;
    if (!model || this.revision === undefined) return undefined;
    const result = this.compile(model, proxy, this.revision, this.overlays);
    if (result.errors.length > 0) {
      this.metrics.compileFailed('compile', result.errors.length);
      for (const d of result.errors) this.logger.warn(`${where(d, this.cwd)}: ${d.code} ${d.message}`, { classKey: proxy.key, file: where(d, this.cwd).replace(/:\d+:\d+$/, ''), line: d.line, col: d.col, code: d.code });
      this.logger.warn('compiled configuration has errors; this proxy class gets no snapshot', { classKey: proxy.key, errors: result.errors.length });
      return undefined;
    }
    return result.snapshot;
  }

  private compile(model: PolicyModel, proxy: ProxyClass, revision: string, overlays: readonly WeightOverlay[]): { snapshot: Snapshot | undefined; errors: Diagnostic[] } {
    const result = compileModel(model, proxy, { revision, cache: this.entries, overlays });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length === 0) this.logger.info('compiled snapshot', { classKey: proxy.key, version: result.snapshot.version, resources: result.resources.length });
    return { snapshot: errors.length === 0 ? result.snapshot : undefined, errors };
  }
}
