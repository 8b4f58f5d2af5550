/**
 * `sluice serve` without the command line: policy files on disk → validated model → snapshots
 * compiled lazily per connecting proxy class → xDS, plus the admin HTTP server and metrics.
 *
 * The files are watched (fs.watch on every folder; fs.watchFile polling where that is not
 * available). A change is debounced, then the policy is validated again: with errors, the last
 * good snapshots keep serving, each error is logged as a warning at its file:line:col and the
 * attempt is kept for /debug/snapshots and /readyz; without errors, every class with proxies is
 * recompiled and the changed snapshots are pushed.
 */
import { readdirSync, statSync, unwatchFile, watch, watchFile } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { compileModel, EntryCache, validatePaths } from '../../compiler/index.ts';
import type { Diagnostic, PolicyModel, ProxyClass, Snapshot, ValidationResult } from '../../compiler/index.ts';
import { SnapshotCache } from '../cache.ts';
import { Debouncer } from '../debounce.ts';
import { silentLogger } from '../logger.ts';
import type { Logger } from '../logger.ts';
import { XdsServer } from '../server.ts';
import { ControlPlaneMetrics } from './metrics.ts';
import { AdminServer } from './server.ts';

export interface ControlPlaneOptions {
  /** Policy files and directories. */
  paths: readonly string[];
  /** Default 127.0.0.1:15010. */
  xdsAddress?: string;
  /** Default 127.0.0.1:15014. */
  httpAddress?: string;
  /** Quiet time after a file change before reloading (default 100 ms). */
  debounceMs?: number;
  /** Revision snapshot versions start with (default `local`). */
  revision?: string;
  logger?: Logger;
  /** Poll files (fs.watchFile) instead of fs.watch. */
  poll?: boolean;
  /** Poll interval (default 500 ms). */
  pollIntervalMs?: number;
  /** Push debounce of the snapshot cache (default 100 ms). */
  pushDebounceMs?: number;
  cwd?: string;
}

/** Errors of one reload attempt, as /debug/snapshots shows them. */
export interface PolicyAttempt {
  at: string;
  ok: boolean;
  files: number;
  documents: number;
  errors: number;
  warnings: number;
  /** The first errors (at most 20), each `file:line:col code message`. */
  findings: string[];
}

export interface PolicyState {
  paths: string[];
  watch: 'fs.watch' | 'poll' | 'off';
  lastGood: PolicyAttempt | undefined;
  /** The latest attempt that failed, if it is newer than the last good one (else null). */
  lastFailed: PolicyAttempt | null;
  reloads: number;
}

export type StartResult = { ok: true; xdsAddress: string; httpAddress: string } | { ok: false; validation: ValidationResult };

const MAX_FINDINGS = 20;

/** `file:line:col`, the file relative to `cwd` when it is below it. */
export function where(d: Diagnostic, cwd = process.cwd()): string {
  const rel = isAbsolute(d.file) ? relative(cwd, d.file) : d.file;
  const file = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : d.file;
  return `${file}:${d.line}:${d.col}`;
}

export class ControlPlane {
  readonly cache: SnapshotCache;
  readonly xds: XdsServer;
  readonly metrics: ControlPlaneMetrics;
  readonly admin: AdminServer;
  private readonly logger: Logger;
  private readonly entries = new EntryCache();
  private readonly paths: string[];
  private readonly cwd: string;
  private model: PolicyModel | undefined;
  private readonly state: PolicyState;
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly polled = new Set<string>();
  private readonly reloadDebounce: Debouncer;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private closed = false;

  constructor(private readonly options: ControlPlaneOptions) {
    this.logger = options.logger ?? silentLogger;
    this.cwd = options.cwd ?? process.cwd();
    this.paths = options.paths.map((p) => resolve(this.cwd, p));
    this.state = { paths: [...options.paths], watch: 'off', lastGood: undefined, lastFailed: null, reloads: 0 };
    this.cache = new SnapshotCache({ snapshotFor: (proxy) => this.compile(proxy), logger: this.logger, debounce: { afterMs: options.pushDebounceMs ?? 100 } });
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
    const debounceMs = options.debounceMs ?? 100;
    this.reloadDebounce = new Debouncer(() => void this.reload(), { afterMs: debounceMs, maxMs: Math.max(debounceMs, 10_000) });
  }

  /** Validates the policy; with errors, returns them and starts nothing. Else serves and watches. */
  async start(): Promise<StartResult> {
    const validation = await validatePaths(this.paths);
    const attempt = this.attempt(validation);
    if (!attempt.ok) {
      this.metrics.compileFailed('validate', attempt.errors);
      return { ok: false, validation };
    }
    this.model = validation.model;
    this.state.lastGood = attempt;
    this.logger.info('policy loaded', { files: attempt.files, documents: attempt.documents, warnings: attempt.warnings });
    const port = await this.xds.listen(this.options.xdsAddress ?? '127.0.0.1:15010');
    const xdsHost = (this.options.xdsAddress ?? '127.0.0.1:15010').replace(/:\d+$/, '');
    const httpAddress = await this.admin.listen(this.options.httpAddress ?? '127.0.0.1:15014');
    this.startWatching(validation);
    return { ok: true, xdsAddress: `${xdsHost}:${port}`, httpAddress };
  }

  policyState(): PolicyState {
    const failedIsNewer = this.state.lastFailed && (!this.state.lastGood || this.state.lastFailed.at >= this.state.lastGood.at);
    return { ...this.state, lastFailed: failedIsNewer ? this.state.lastFailed : null };
  }

  /** Reloads now (tests; the watcher calls it after the debounce). Concurrent calls coalesce. */
  reload(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          await this.reloadOnce();
        } while (this.reloadAgain && !this.closed);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  async close(timeoutMs = 5_000): Promise<{ forced: boolean }> {
    this.closed = true;
    this.reloadDebounce.cancel();
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const file of this.polled) unwatchFile(file);
    this.polled.clear();
    const [result] = await Promise.all([this.xds.close({ timeoutMs }), this.admin.close()]);
    this.metrics.close();
    return { forced: result.forced };
  }

  private readiness(): { ready: boolean; reason?: string } {
    if (!this.model) return { ready: false, reason: 'the policy has not loaded yet' };
    const failed = this.policyState().lastFailed;
    if (failed) return { ready: true, reason: `serving the last good policy; the latest change has ${failed.errors} error(s)` };
    return { ready: true };
  }

  private compile(proxy: ProxyClass): Snapshot | undefined {
    const model = this.model;
    if (!model) return undefined;
    const result = compileModel(model, proxy, { revision: this.options.revision ?? 'local', cache: this.entries });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      this.metrics.compileFailed('compile', errors.length);
      for (const d of errors) this.logger.warn(`${where(d, this.cwd)}: ${d.code} ${d.message}`, { classKey: proxy.key, file: where(d, this.cwd).replace(/:\d+:\d+$/, ''), line: d.line, col: d.col, code: d.code });
      this.logger.warn('compiled configuration has errors; keeping the last good snapshot', { classKey: proxy.key, errors: errors.length });
      return undefined;
    }
    this.logger.info('compiled snapshot', { classKey: proxy.key, version: result.snapshot.version, resources: result.resources.length });
    return result.snapshot;
  }

  private attempt(validation: ValidationResult): PolicyAttempt {
    const errors = validation.diagnostics.filter((d) => d.severity === 'error');
    return {
      at: new Date().toISOString(),
      ok: errors.length === 0,
      files: validation.files.size,
      documents: validation.documentCount,
      errors: errors.length,
      warnings: validation.diagnostics.filter((d) => d.severity === 'warning').length,
      findings: errors.slice(0, MAX_FINDINGS).map((d) => `${where(d, this.cwd)} ${d.code} ${d.message}`),
    };
  }

  private async reloadOnce(): Promise<void> {
    let validation: ValidationResult;
    try {
      validation = await validatePaths(this.paths);
    } catch (e) {
      this.logger.error('reading the policy failed; keeping the last good snapshots', { error: e });
      return;
    }
    if (this.closed) return;
    this.state.reloads++;
    const attempt = this.attempt(validation);
    this.syncPolled(validation);
    if (this.state.watch === 'fs.watch') this.syncDirectoryWatchers();
    if (!attempt.ok) {
      this.state.lastFailed = attempt;
      this.metrics.compileFailed('validate', attempt.errors);
      for (const d of validation.diagnostics) if (d.severity === 'error') this.logger.warn(`${where(d, this.cwd)}: ${d.code} ${d.message}`, { file: where(d, this.cwd).replace(/:\d+:\d+$/, ''), line: d.line, col: d.col, code: d.code });
      this.logger.warn('policy change has errors; keeping the last good snapshots', { errors: attempt.errors });
      return;
    }
    this.model = validation.model;
    this.state.lastGood = attempt;
    this.logger.info('policy reloaded', { files: attempt.files, documents: attempt.documents, warnings: attempt.warnings });
    const before = new Set(this.cache.snapshots().map((s) => s.proxy.key));
    await this.cache.refresh();
    const live = new Set(this.cache.snapshots().map((s) => s.proxy.key));
    for (const key of before) if (!live.has(key)) this.metrics.forgetClass(key);
    this.entries.retain(this.cache.snapshots());
  }

  private changed(file: string | null): void {
    if (this.closed) return;
    // A YAML file, or a name without an extension (a folder that may hold some); editors'
    // swap and backup files are not worth a reload.
    if (file !== null && !/\.ya?ml$/i.test(file) && /\.[^/\\]*$|~$/.test(basename(file))) return;
    this.reloadDebounce.trigger();
  }

  /**
   * Every folder below the policy paths gets a non-recursive fs.watch of its own (Node 20's
   * recursive mode on Linux loses files that editors replace by renaming); the set is synced
   * on every reload, so new folders are watched too. A file path is watched through its folder.
   */
  private startWatching(validation: ValidationResult): void {
    if (!this.options.poll) {
      try {
        this.syncDirectoryWatchers();
        this.state.watch = 'fs.watch';
        return;
      } catch (e) {
        for (const w of this.watchers.values()) w.close();
        this.watchers.clear();
        this.logger.info('fs.watch is not available here; polling the policy files', { error: e });
      }
    }
    this.state.watch = 'poll';
    this.syncPolled(validation);
  }

  private syncDirectoryWatchers(): void {
    if (this.closed) return;
    const wanted = new Map<string, string | undefined>();
    const walk = (dir: string, depth: number) => {
      if (wanted.has(dir) || depth > 32) return;
      wanted.set(dir, undefined);
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') walk(join(dir, entry.name), depth + 1);
    };
    for (const path of this.paths) {
      let isDirectory: boolean;
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (isDirectory) walk(path, 0);
      else if (!wanted.has(dirname(path))) wanted.set(dirname(path), basename(path));
    }
    for (const [dir, watcher] of [...this.watchers]) {
      if (wanted.has(dir)) continue;
      watcher.close();
      this.watchers.delete(dir);
    }
    for (const [dir, only] of wanted) {
      if (this.watchers.has(dir)) continue;
      const watcher = watch(dir, (_event, file) => {
        const name = file === null ? null : String(file);
        if (only !== undefined && name !== only) return;
        this.changed(name);
      });
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, watcher);
    }
  }

  /** In polling mode, watches exactly the files the last load read. */
  private syncPolled(validation: ValidationResult): void {
    if (this.state.watch !== 'poll' || this.closed) return;
    const cwd = this.options.cwd ?? process.cwd();
    const files = new Set([...validation.files.keys()].map((f) => resolve(cwd, f)));
    for (const file of [...this.polled]) {
      if (files.has(file)) continue;
      unwatchFile(file);
      this.polled.delete(file);
    }
    for (const file of files) {
      if (this.polled.has(file)) continue;
      this.polled.add(file);
      watchFile(file, { interval: this.options.pollIntervalMs ?? 500, persistent: true }, () => this.changed(file));
    }
  }
}
