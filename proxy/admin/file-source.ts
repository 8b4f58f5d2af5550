/**
 * Policy files on disk as a PolicySource: validated at start (errors there stop `sluice serve`),
 * then watched (fs.watch on every folder; fs.watchFile polling where that is not available).
 * A change is debounced and validated again: with errors, each is logged as a warning at its
 * file:line:col and the attempt is handed to the sink as rejected (the last good snapshots keep
 * serving); without errors, the model is published.
 */
import { readdirSync, statSync, unwatchFile, watch, watchFile } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { validatePaths, ValidationCache } from '../../compiler/index.ts';
import type { Diagnostic, ValidationResult } from '../../compiler/index.ts';
import { Debouncer } from '../debounce.ts';
import { silentLogger } from '../logger.ts';
import type { Logger } from '../logger.ts';
import type { PolicyAttempt, PolicySink, PolicySource, SourceStart } from './policy-source.ts';

export interface FileSourceOptions {
  /** Policy files and directories. */
  paths: readonly string[];
  /** Quiet time after a file change before reloading (default 100 ms). */
  debounceMs?: number;
  /** Revision snapshot versions start with (default `local`). */
  revision?: string;
  /** Poll files (fs.watchFile) instead of fs.watch. */
  poll?: boolean;
  /** Poll interval (default 500 ms). */
  pollIntervalMs?: number;
  logger?: Logger;
  cwd?: string;
}

const MAX_FINDINGS = 20;

/** `file:line:col`, the file relative to `cwd` when it is below it. */
export function where(d: Diagnostic, cwd = process.cwd()): string {
  const rel = isAbsolute(d.file) ? relative(cwd, d.file) : d.file;
  const file = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : d.file;
  return `${file}:${d.line}:${d.col}`;
}

/** A validation as a PolicyAttempt (the first errors spelled out). */
export function attemptOf(validation: ValidationResult, revision: string, cwd = process.cwd()): PolicyAttempt {
  const errors = validation.diagnostics.filter((d) => d.severity === 'error');
  return {
    at: new Date().toISOString(),
    ok: errors.length === 0,
    revision,
    files: validation.files.size,
    documents: validation.documentCount,
    errors: errors.length,
    warnings: validation.diagnostics.filter((d) => d.severity === 'warning').length,
    findings: errors.slice(0, MAX_FINDINGS).map((d) => `${where(d, cwd)} ${d.code} ${d.message}`),
  };
}

export class FilePolicySource implements PolicySource {
  readonly kind = 'files';
  private readonly logger: Logger;
  private readonly paths: string[];
  private readonly cwd: string;
  private readonly revision: string;
  private sink: PolicySink | undefined;
  private watchMode: 'fs.watch' | 'poll' | 'off' = 'off';
  private reloads = 0;
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly polled = new Set<string>();
  private readonly reloadDebounce: Debouncer;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private closed = false;
  /** Reloads parse, check and model only what changed on disk. */
  private readonly validation = new ValidationCache();

  constructor(private readonly options: FileSourceOptions) {
    this.logger = options.logger ?? silentLogger;
    this.cwd = options.cwd ?? process.cwd();
    this.paths = options.paths.map((p) => resolve(this.cwd, p));
    this.revision = options.revision ?? 'local';
    const debounceMs = options.debounceMs ?? 100;
    this.reloadDebounce = new Debouncer(() => void this.reload(), { afterMs: debounceMs, maxMs: Math.max(debounceMs, 10_000) });
  }

  async start(sink: PolicySink): Promise<SourceStart> {
    this.sink = sink;
    const validation = await validatePaths(this.paths, { cache: this.validation });
    const attempt = attemptOf(validation, this.revision, this.cwd);
    if (!attempt.ok) {
      sink.rejected(attempt);
      return { ok: false, validation };
    }
    const published = await sink.publish({ model: validation.model, revision: this.revision, attempt });
    if (!published.ok) return { ok: false, validation: { ...validation, diagnostics: published.diagnostics } };
    this.logger.info('policy loaded', { files: attempt.files, documents: attempt.documents, warnings: attempt.warnings });
    this.startWatching(validation);
    return { ok: true };
  }

  status(): Record<string, unknown> {
    return { paths: [...this.options.paths], watch: this.watchMode, reloads: this.reloads };
  }

  /** Reloads now (tests; the watcher calls it after the debounce). Concurrent calls coalesce. */
  reload(): Promise<void> {
    if (this.closed || !this.sink) return Promise.resolve();
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

  async close(): Promise<void> {
    this.closed = true;
    this.reloadDebounce.cancel();
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const file of this.polled) unwatchFile(file);
    this.polled.clear();
    await this.reloading;
  }

  private async reloadOnce(): Promise<void> {
    const sink = this.sink;
    if (!sink) return;
    let validation: ValidationResult;
    try {
      validation = await validatePaths(this.paths, { cache: this.validation });
    } catch (e) {
      this.logger.error('reading the policy failed; keeping the last good snapshots', { error: e });
      return;
    }
    if (this.closed) return;
    this.reloads++;
    const attempt = attemptOf(validation, this.revision, this.cwd);
    this.syncPolled(validation);
    if (this.watchMode === 'fs.watch') this.syncDirectoryWatchers();
    if (!attempt.ok) {
      for (const d of validation.diagnostics) if (d.severity === 'error') this.logger.warn(`${where(d, this.cwd)}: ${d.code} ${d.message}`, { file: where(d, this.cwd).replace(/:\d+:\d+$/, ''), line: d.line, col: d.col, code: d.code });
      this.logger.warn('policy change has errors; keeping the last good snapshots', { errors: attempt.errors });
      sink.rejected(attempt);
      return;
    }
    const published = await sink.publish({ model: validation.model, revision: this.revision, attempt });
    if (published.ok) this.logger.info('policy reloaded', { files: attempt.files, documents: attempt.documents, warnings: attempt.warnings });
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
        this.watchMode = 'fs.watch';
        return;
      } catch (e) {
        for (const w of this.watchers.values()) w.close();
        this.watchers.clear();
        this.logger.info('fs.watch is not available here; polling the policy files', { error: e });
      }
    }
    this.watchMode = 'poll';
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
    if (this.watchMode !== 'poll' || this.closed) return;
    const files = new Set([...validation.files.keys()].map((f) => resolve(this.cwd, f)));
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
