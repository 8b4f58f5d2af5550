/**
 * The GitOps loop: keep a bare clone of the policy repository in the state dir, and for each
 * new head of the branch — found by polling on a node-cron schedule, or at once when a push
 * webhook calls `trigger('webhook')` — read its policy tree without a checkout, validate it,
 * and hand a clean model to `publish` (the composition root compiles and serves it).
 *
 * - Coalescing: one sync runs at a time; triggers that arrive meanwhile fold into one more
 *   sync, which fetches and compiles only the newest head. Commits in between are recorded as
 *   `skipped` (superseded), never compiled.
 * - A bad commit (validation errors, or `publish` refusing it) is recorded with its sha,
 *   author, message and diagnostics; nothing is published and the last good keeps serving.
 * - Git failures (authentication, network, deleted branch, repository too large, any other
 *   git error) become one log line when they start (and one when they end) and a status
 *   entry with an SLU8xxx code; the loop keeps trying at every trigger. A force-push is a
 *   warning entry; its new head is compiled like any other commit.
 * - The last good policy is persisted in the state dir and published by `start()` before Git
 *   is reached, so proxies get configuration while Git is down.
 *
 * gitops/ does not know proxy/: `publish` and `waitForAcks` are plain callbacks.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import { diagnostic, validateSources, ValidationCache } from '../compiler/index.ts';
import type { CodeDefinition, Diagnostic, PolicyModel, ValidationResult } from '../compiler/index.ts';
import { GIT_FILE_TOO_LARGE, GIT_HISTORY_REWRITTEN, GIT_NO_POLICY, GIT_REPOSITORY_TOO_LARGE } from './codes.ts';
import { gitAt } from './git.ts';
import { classifyGitError, maskCredentials } from './git-errors.ts';
import type { GitFailureKind } from './git-errors.ts';
import type { GitOpsMetrics } from './metrics.ts';
import { policyFolder, readTreeAtRevision } from './revision.ts';
import type { CommitInfo } from './revision.ts';
import { loadHistory, loadLastGood, repositoryDir, saveHistory, saveLastGood } from './state.ts';

/** The logging shape gitops needs (proxy's Logger fits it). */
export interface SyncLogger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export type TriggerReason = 'start' | 'restore' | 'poll' | 'webhook' | 'manual';

/** A validated commit, ready to compile and serve. */
export interface Candidate {
  commit: CommitInfo;
  model: PolicyModel;
  validation: ValidationResult;
  /** Snapshot versions should start with this: the commit sha. */
  revision: string;
  trigger: TriggerReason;
}

export type PublishResult = { ok: true; versions: ReadonlyMap<string, string> } | { ok: false; diagnostics: Diagnostic[] };

export interface GitSyncOptions {
  /** URL or local path of the policy repository. */
  repo: string;
  /** Default `main`. */
  branch?: string;
  /** Folder of the repository holding the policy ('' or undefined: all of it). */
  path?: string;
  /** Where the clone and the last good policy live. */
  stateDir: string;
  /** Compiles and serves a candidate; everything or nothing. */
  publish(candidate: Candidate): Promise<PublishResult>;
  /** Told about every rejected commit (for /readyz: serving the last good, the latest has errors). */
  rejected?(record: CommitRecord): void;
  /** Resolves when every connected proxy ACKed these versions (true) or gave up (false). */
  waitForAcks?(versions: ReadonlyMap<string, string>): Promise<boolean>;
  /** node-cron expression to poll on (see schedule.ts); undefined: no polling. */
  pollExpression?: string;
  /** A fetch that leaves the clone larger than this fails with SLU8005 (default 1 GiB). */
  maxRepoBytes?: number;
  /** A git command that makes no progress for this long is killed (default 120 s). */
  gitTimeoutMs?: number;
  logger?: SyncLogger;
  metrics?: GitOpsMetrics;
  /** Wall clock in ms (tests). */
  now?: () => number;
  /** Reads a commit's policy tree (default readTreeAtRevision; tests wrap it to inject a failure). */
  readTree?: typeof readTreeAtRevision;
}

/** A finding as /debug/commits lists it. */
export interface FindingSummary {
  code: string;
  severity: string;
  message: string;
  file: string;
  line: number;
  col: number;
  hint?: string;
}

export type CommitStatus = 'compiling' | 'published' | 'rejected' | 'skipped';

export interface CommitRecord {
  sha: string;
  author: string;
  email: string;
  date: string;
  subject: string;
  status: CommitStatus;
  /** When sluice decided (published, rejected, skipped). */
  at: string;
  trigger: TriggerReason;
  /** Policy files and YAML documents read at the commit. */
  files: number;
  documents: number;
  errors: number;
  warnings: number;
  /** Errors first, at most 50. */
  diagnostics: FindingSummary[];
  /** Published: classKey → snapshot version. */
  versions?: Record<string, string>;
  /** Skipped: the newer commit that was compiled instead. */
  supersededBy?: string;
  /** Published: from the trigger that found it to every proxy ACKing (ms), once known. */
  ackedAfterMs?: number;
  /** Where the time went (ms): fetch (+ size check), read (the tree), validate, publish (compile + hand to the xDS cache). */
  timings?: { fetchMs: number; readMs: number; validateMs: number; publishMs?: number };
}

/** A problem with the repository (SLU8xxx), as a status entry. */
export interface GitProblem {
  code: string;
  kind: GitFailureKind;
  severity: string;
  message: string;
  hint: string;
  since: string;
  lastSeen: string;
  occurrences: number;
  /** Set once a later sync succeeded. */
  resolvedAt?: string;
}

export interface GitSyncStatus {
  repo: string;
  branch: string;
  path: string;
  stateDir: string;
  poll: string;
  /** The branch head of the last successful fetch. */
  head: string | undefined;
  lastSyncAt: string | undefined;
  syncs: number;
  /** The commit being served; `restored` when it came from the state dir at start-up. */
  lastGood: (Pick<CommitRecord, 'sha' | 'author' | 'subject' | 'date'> & { publishedAt: string; restored: boolean }) | undefined;
  /** The repository problem now, if the last sync failed (else null). */
  problem: GitProblem | null;
  /** Recent problems, newest first (resolved ones included), at most 20. */
  problems: GitProblem[];
  /** Newest first, at most 50. */
  commits: CommitRecord[];
}

const MAX_COMMITS = 50;
const MAX_PROBLEMS = 20;
const MAX_FINDINGS = 50;
const DEFAULT_MAX_REPO_BYTES = 1024 * 1024 * 1024;

interface Trigger {
  reason: TriggerReason;
  at: number;
}

export class GitSync {
  readonly repo: string;
  readonly branch: string;
  readonly path: string;
  private readonly repoDir: string;
  private readonly logger: SyncLogger;
  private readonly now: () => number;
  private readonly commits: CommitRecord[] = [];
  private readonly problems: GitProblem[] = [];
  private problem: GitProblem | null = null;
  private head: string | undefined;
  /** The newest commit compiled or restored: the base for force-push and skipped detection. */
  private lastSeen: string | undefined;
  /** A head whose tree could not be read (a git hiccup): the next sync reads it again. */
  private unread: string | undefined;
  private lastGood: GitSyncStatus['lastGood'];
  private lastSyncAt: number | undefined;
  private syncs = 0;
  private pending: Trigger | undefined;
  private running: Promise<void> | undefined;
  private task: ScheduledTask | undefined;
  private closed = false;
  private readonly ackWaits = new Set<Promise<void>>();
  private metrics: GitOpsMetrics | undefined;
  /** Consecutive commits share most files: only the changed ones are parsed, checked and modelled again. */
  private readonly validationCache = new ValidationCache();
  private lastFetchMs = 0;
  private repositoryReady = false;

  constructor(private readonly options: GitSyncOptions) {
    this.repo = isRemote(options.repo) ? options.repo : resolve(options.repo);
    this.branch = options.branch ?? 'main';
    this.path = policyFolder(options.path);
    this.repoDir = repositoryDir(options.stateDir);
    this.logger = options.logger ?? { info() {}, warn() {}, error() {} };
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics;
  }

  /**
   * Publishes the last good policy persisted in the state dir (if any), then starts polling and
   * the first sync — without waiting for Git: an unreachable origin must not delay serving.
   */
  async start(): Promise<{ restored: CommitInfo | undefined }> {
    mkdirSync(this.options.stateDir, { recursive: true });
    for (const record of loadHistory<CommitRecord>(this.options.stateDir)) if (record.status !== 'compiling' && this.commits.length < MAX_COMMITS) this.commits.push(record);
    const restored = await this.restore();
    if (this.options.pollExpression) {
      this.task = cron.schedule(this.options.pollExpression, () => void this.trigger('poll'), { name: 'sluice-git-poll', noOverlap: true });
    }
    void this.trigger('start');
    return { restored };
  }

  /**
   * Asks for a sync (a poll tick, a webhook). Triggers during a sync fold into one more sync of
   * the newest head. The promise settles when the sync that serves this trigger is done.
   */
  trigger(reason: TriggerReason): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.pending ??= { reason, at: this.now() };
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        while (this.pending && !this.closed) {
          const trigger = this.pending;
          this.pending = undefined;
          try {
            await this.syncOnce(trigger);
          } catch (error) {
            // A bug, not a Git problem: logged, and the loop (and serving) goes on.
            this.logger.error('the git sync failed unexpectedly; keeping the last good commit', { error: maskCredentials(String((error as Error)?.message ?? error)) });
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Metrics can come after construction (the registry belongs to whoever serves /metrics). */
  setMetrics(metrics: GitOpsMetrics): void {
    this.metrics = metrics;
  }

  /** Waits for the sync in progress (if any) and the ACK waits it started. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    await Promise.all([...this.ackWaits]);
  }

  status(): GitSyncStatus {
    return {
      repo: maskCredentials(this.repo),
      branch: this.branch,
      path: this.path,
      stateDir: this.options.stateDir,
      poll: this.options.pollExpression ?? 'off',
      head: this.head,
      lastSyncAt: this.lastSyncAt === undefined ? undefined : new Date(this.lastSyncAt).toISOString(),
      syncs: this.syncs,
      lastGood: this.lastGood,
      problem: this.problem,
      problems: this.problems.map((p) => ({ ...p })),
      commits: this.commits.map((c) => ({ ...c })),
    };
  }

  /** Why nothing is served yet, if nothing is (for /readyz). */
  waitingFor(): string | undefined {
    if (this.lastGood) return undefined;
    if (this.problem) return `no good commit yet: ${this.problem.code} ${this.problem.message}`;
    const rejected = this.commits.find((c) => c.status === 'rejected');
    if (rejected) return `no good commit yet: ${rejected.sha.slice(0, 12)} has ${rejected.errors} error(s)`;
    return `waiting for the first sync of ${maskCredentials(this.repo)} (${this.branch})`;
  }

  /** The repository problem now, as one line, if there is one (for /readyz while serving). */
  health(): string | undefined {
    return this.problem ? `${this.problem.code} ${this.problem.message}` : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending = undefined;
    if (this.task) await this.task.destroy();
    await this.running;
  }

  // ---------------------------------------------------------------- start-up

  private async restore(): Promise<CommitInfo | undefined> {
    const loaded = loadLastGood(this.options.stateDir, { repo: this.repo, branch: this.branch, path: this.path });
    if (!loaded) return undefined;
    if ('problem' in loaded) {
      this.logger.warn(`state dir: ${loaded.problem}`, { stateDir: this.options.stateDir });
      return undefined;
    }
    const { commit, sources } = loaded.policy;
    const validation = validateSources(sources);
    if (validation.diagnostics.some((d) => d.severity === 'error')) {
      // This version of sluice finds errors the one that saved it did not: do not serve it.
      this.logger.warn('the last good policy in the state dir has errors with this version of sluice; not serving it', { commit: commit.sha });
      return undefined;
    }
    const result = await this.options.publish({ commit, model: validation.model, validation, revision: commit.sha, trigger: 'restore' });
    if (!result.ok) {
      this.logger.warn('the last good policy in the state dir does not compile; not serving it', { commit: commit.sha, errors: result.diagnostics.length });
      return undefined;
    }
    this.lastSeen = commit.sha;
    this.lastGood = { sha: commit.sha, author: commit.author, subject: commit.subject, date: commit.date, publishedAt: new Date(this.now()).toISOString(), restored: true };
    this.metrics?.published(commit.sha, this.now());
    this.logger.info(`serving the last good commit ${commit.sha.slice(0, 12)} from the state dir before reaching git`, { commit: commit.sha, savedAt: loaded.policy.savedAt, subject: commit.subject });
    return commit;
  }

  // ---------------------------------------------------------------- one sync

  private async syncOnce(trigger: Trigger): Promise<void> {
    this.syncs++;
    let head: string;
    const fetchStarted = performance.now();
    try {
      head = await this.fetchHead();
    } catch (error) {
      if (error instanceof TooLarge) this.failed('too-large', GIT_REPOSITORY_TOO_LARGE, error.message);
      else {
        const c = classifyGitError(error);
        this.failed(c.kind, c.code, c.detail);
      }
      return;
    }
    this.lastFetchMs = performance.now() - fetchStarted;
    this.recovered();
    this.head = head;
    this.lastSyncAt = this.now();
    this.metrics?.syncSucceeded(head, this.lastSyncAt);
    if (this.closed) return;
    if (head === this.lastSeen) {
      if (head === this.unread) await this.compileCommit(head, trigger);
      return;
    }
    const previous = this.lastSeen;
    const base = previous ? await this.relation(previous, head) : 'unknown';
    if (base === 'rewritten' && previous) this.historyRewritten(previous, head);
    if (base === 'ancestor' && previous) await this.recordSkipped(previous, head, trigger.reason);
    this.lastSeen = head;
    await this.compileCommit(head, trigger);
  }

  /**
   * Fetches and returns the branch head. A git failure that is not about the remote (auth,
   * network, branch) may be a damaged clone (a crash mid-write, a full disk): the clone is only
   * a cache (the last good policy is kept apart), so it is removed and made again, once.
   */
  private async fetchHead(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ensureRepository();
        await this.fetch();
        await this.checkSize();
        return (await gitAt(this.repoDir, { isolated: true }).revparse([`refs/remotes/origin/${this.branch}`])).trim();
      } catch (error) {
        if (attempt > 0 || error instanceof TooLarge || classifyGitError(error).kind !== 'git' || !existsSync(this.repoDir)) throw error;
        this.logger.warn(`the clone in the state dir does not work (${classifyGitError(error).detail}); cloning again`, { repoDir: this.repoDir });
        rmSync(this.repoDir, { recursive: true, force: true });
        this.repositoryReady = false;
      }
    }
  }

  private async ensureRepository(): Promise<void> {
    // Checked once per process (the clone survives it); a git process per sync is worth saving.
    if (this.repositoryReady && existsSync(resolve(this.repoDir, 'HEAD'))) return;
    await this.prepareRepository();
    this.repositoryReady = true;
  }

  private async prepareRepository(): Promise<void> {
    if (!existsSync(resolve(this.repoDir, 'HEAD'))) {
      mkdirSync(this.repoDir, { recursive: true });
      await gitAt(this.repoDir, { isolated: true }).init(true);
      await gitAt(this.repoDir, { isolated: true }).addRemote('origin', this.repo);
      return;
    }
    const remotes = await gitAt(this.repoDir, { isolated: true }).getRemotes(true);
    const origin = remotes.find((r) => r.name === 'origin');
    if (!origin) await gitAt(this.repoDir, { isolated: true }).addRemote('origin', this.repo);
    else if (origin.refs.fetch !== this.repo) await gitAt(this.repoDir, { isolated: true }).remote(['set-url', 'origin', this.repo]);
  }

  private async fetch(): Promise<void> {
    // `+`: a force-pushed branch replaces the local ref (the old commits stay readable here).
    await gitAt(this.repoDir, { isolated: true, timeoutMs: this.options.gitTimeoutMs }).raw(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`]);
  }

  /** The clone's object store against the limit (after the fetch: git cannot say before). */
  private async checkSize(): Promise<void> {
    const limit = this.options.maxRepoBytes ?? DEFAULT_MAX_REPO_BYTES;
    const output = await gitAt(this.repoDir, { isolated: true }).raw(['count-objects', '-v']);
    let kib = 0;
    for (const line of output.split('\n')) {
      const m = /^(size|size-pack|size-garbage):\s*(\d+)/.exec(line.trim());
      if (m) kib += Number(m[2]);
    }
    const bytes = kib * 1024;
    if (bytes > limit) throw new TooLarge(`the repository takes ${formatBytes(bytes)} after the fetch, over the ${formatBytes(limit)} limit (--max-repo-bytes)`);
  }

  /** Whether `head` descends from `previous` (a fast-forward) or replaced it (a force-push). */
  private async relation(previous: string, head: string): Promise<'ancestor' | 'rewritten' | 'unknown'> {
    try {
      const base = (await gitAt(this.repoDir, { isolated: true }).raw(['merge-base', previous, head])).trim();
      return base === previous ? 'ancestor' : 'rewritten';
    } catch {
      // No common history at all (a new root), or the old commit is not in this clone.
      try {
        await gitAt(this.repoDir, { isolated: true }).raw(['cat-file', '-e', `${previous}^{commit}`]);
        return 'rewritten';
      } catch {
        return 'unknown';
      }
    }
  }

  private historyRewritten(previous: string, head: string): void {
    const message = `branch ${this.branch} was force-pushed: ${head.slice(0, 12)} does not descend from ${previous.slice(0, 12)}, the last commit sluice saw`;
    this.logger.warn(`${GIT_HISTORY_REWRITTEN.code} ${message}`, { code: GIT_HISTORY_REWRITTEN.code, previous, head, branch: this.branch });
    const at = new Date(this.now()).toISOString();
    this.remember({ code: GIT_HISTORY_REWRITTEN.code, kind: 'history-rewritten', severity: GIT_HISTORY_REWRITTEN.severity, message, hint: GIT_HISTORY_REWRITTEN.hint, since: at, lastSeen: at, occurrences: 1, resolvedAt: at });
  }

  /** Commits between the last seen one and the new head were never compiled: say so. */
  private async recordSkipped(previous: string, head: string, reason: TriggerReason): Promise<void> {
    let log: string;
    try {
      log = await gitAt(this.repoDir, { isolated: true }).raw(['log', `--max-count=${MAX_COMMITS}`, '--format=%H%x1f%an%x1f%ae%x1f%cI%x1f%s', `${previous}..${head}`, '--']);
    } catch {
      return;
    }
    const skipped = log
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\x1f'))
      .filter(([sha]) => sha !== head);
    const at = new Date(this.now()).toISOString();
    for (const [sha = '', author = '', email = '', date = '', subject = ''] of skipped.reverse()) {
      this.record({ sha, author, email, date, subject, status: 'skipped', at, trigger: reason, files: 0, documents: 0, errors: 0, warnings: 0, diagnostics: [], supersededBy: head });
    }
    if (skipped.length > 0) {
      this.saveHistory();
      this.metrics?.commit('skipped', skipped.length);
      this.logger.info(`${skipped.length} commit(s) superseded by ${head.slice(0, 12)} before they were compiled; compiling the newest only`, { head, skipped: skipped.length });
    }
  }

  private async compileCommit(sha: string, trigger: Trigger): Promise<void> {
    let tree;
    const readStarted = performance.now();
    try {
      tree = await (this.options.readTree ?? readTreeAtRevision)(this.repoDir, sha, { path: this.path });
      this.unread = undefined;
    } catch (error) {
      this.unread = sha;
      const c = classifyGitError(error);
      this.failed(c.kind, c.code, c.detail);
      return;
    }
    const { commit } = tree;
    const readMs = performance.now() - readStarted;
    const record: CommitRecord = { sha, author: commit.author, email: commit.email, date: commit.date, subject: commit.subject, status: 'compiling', at: new Date(this.now()).toISOString(), trigger: trigger.reason, files: tree.sources.length, documents: 0, errors: 0, warnings: 0, diagnostics: [] };
    this.record(record);
    const extra: Diagnostic[] = tree.oversized.map((f) => repositoryFinding(GIT_FILE_TOO_LARGE, f.path, `${f.path} is ${formatBytes(f.bytes)}, over the 8 MiB a policy file may have; it was not read`));
    if (tree.sources.length === 0 && tree.oversized.length === 0) {
      extra.push(repositoryFinding(GIT_NO_POLICY, this.path || '.', `commit ${sha.slice(0, 12)} has no *.yaml or *.yml file below '${this.path || '.'}'`));
    }
    const validateStarted = performance.now();
    const validation = validateSources(tree.sources, { cache: this.validationCache });
    record.documents = validation.documentCount;
    record.timings = { fetchMs: round(this.lastFetchMs), readMs: round(readMs), validateMs: round(performance.now() - validateStarted) };
    const findings = [...extra, ...validation.diagnostics];
    if (findings.some((d) => d.severity === 'error')) return this.rejected(record, findings);
    let result: PublishResult;
    const publishStarted = performance.now();
    try {
      result = await this.options.publish({ commit, model: validation.model, validation, revision: sha, trigger: trigger.reason });
    } catch (error) {
      this.logger.error('publishing a commit failed', { commit: sha, error });
      result = { ok: false, diagnostics: [] };
    }
    record.timings.publishMs = round(performance.now() - publishStarted);
    if (!result.ok) return this.rejected(record, [...findings, ...result.diagnostics]);
    this.fill(record, findings);
    record.status = 'published';
    record.at = new Date(this.now()).toISOString();
    record.versions = Object.fromEntries(result.versions);
    this.lastGood = { sha, author: commit.author, subject: commit.subject, date: commit.date, publishedAt: record.at, restored: false };
    this.metrics?.commit('published');
    this.metrics?.published(sha, this.now());
    this.logger.info(`published commit ${sha.slice(0, 12)} "${commit.subject}" by ${commit.author}`, { commit: sha, author: commit.author, classes: result.versions.size, warnings: record.warnings, trigger: trigger.reason });
    try {
      saveLastGood(this.options.stateDir, { repo: this.repo, branch: this.branch, path: this.path, commit, savedAt: record.at, sources: tree.sources });
    } catch (error) {
      this.logger.warn('could not save the last good policy in the state dir; a restart without git would serve an older one', { stateDir: this.options.stateDir, error: (error as Error).message });
    }
    this.saveHistory();
    this.watchAcks(record, result.versions, trigger.at);
  }

  private saveHistory(): void {
    try {
      saveHistory(this.options.stateDir, this.commits.filter((c) => c.status !== 'compiling'));
    } catch (error) {
      this.logger.warn('could not save the commit history in the state dir', { stateDir: this.options.stateDir, error: (error as Error).message });
    }
  }

  private watchAcks(record: CommitRecord, versions: ReadonlyMap<string, string>, since: number): void {
    const wait = this.options.waitForAcks;
    // No proxy connected: there is nothing to time.
    if (!wait || versions.size === 0) return;
    const done = wait(versions).then(
      (converged) => {
        if (!converged) return;
        record.ackedAfterMs = round(Math.max(0, this.now() - since));
        this.metrics?.ackedAfter(record.ackedAfterMs / 1000);
        this.saveHistory();
      },
      () => undefined,
    );
    this.ackWaits.add(done);
    void done.finally(() => this.ackWaits.delete(done));
  }

  private rejected(record: CommitRecord, findings: Diagnostic[]): void {
    this.fill(record, findings);
    record.status = 'rejected';
    record.at = new Date(this.now()).toISOString();
    this.metrics?.commit('rejected');
    const serving = this.lastGood ? `keeping ${this.lastGood.sha.slice(0, 12)}` : 'nothing is served yet';
    for (const d of findings) if (d.severity === 'error') this.logger.warn(`${record.sha.slice(0, 12)} ${d.file}:${d.line}:${d.col}: ${d.code} ${d.message}`, { commit: record.sha, file: d.file, line: d.line, col: d.col, code: d.code });
    this.logger.warn(`commit ${record.sha.slice(0, 12)} "${record.subject}" by ${record.author} has ${record.errors} error(s); not published, ${serving}`, { commit: record.sha, author: record.author, errors: record.errors });
    this.options.rejected?.({ ...record });
    this.saveHistory();
  }

  private fill(record: CommitRecord, findings: readonly Diagnostic[]): void {
    const rank = (s: string) => (s === 'error' ? 0 : s === 'warning' ? 1 : 2);
    record.errors = findings.filter((d) => d.severity === 'error').length;
    record.warnings = findings.filter((d) => d.severity === 'warning').length;
    record.diagnostics = [...findings]
      .sort((a, b) => rank(a.severity) - rank(b.severity))
      .slice(0, MAX_FINDINGS)
      .map((d) => ({ code: d.code, severity: d.severity, message: d.message, file: d.file, line: d.line, col: d.col, ...(d.hint ? { hint: d.hint } : {}) }));
  }

  private record(record: CommitRecord): void {
    const existing = this.commits.findIndex((c) => c.sha === record.sha);
    if (existing >= 0) this.commits.splice(existing, 1);
    this.commits.unshift(record);
    if (this.commits.length > MAX_COMMITS) this.commits.length = MAX_COMMITS;
  }

  // ---------------------------------------------------------------- problems

  private failed(kind: GitFailureKind, code: CodeDefinition, detail: string): void {
    const at = new Date(this.now()).toISOString();
    this.metrics?.syncFailed(kind);
    const message = `${describe(kind, this.branch)}: ${detail}`;
    if (this.problem && this.problem.code === code.code && this.problem.message === message) {
      this.problem.lastSeen = at;
      this.problem.occurrences++;
      return;
    }
    this.problem = { code: code.code, kind, severity: code.severity, message, hint: code.hint, since: at, lastSeen: at, occurrences: 1 };
    this.remember(this.problem);
    const serving = this.lastGood ? `serving ${this.lastGood.sha.slice(0, 12)} meanwhile` : 'nothing to serve yet';
    this.logger.error(`${code.code} ${maskCredentials(this.repo)} (${this.branch}): ${message}; ${serving}`, { code: code.code, kind, repo: maskCredentials(this.repo), branch: this.branch });
  }

  private recovered(): void {
    if (!this.problem) return;
    const problem = this.problem;
    problem.resolvedAt = new Date(this.now()).toISOString();
    this.problem = null;
    this.logger.info(`${maskCredentials(this.repo)} (${this.branch}) is reachable again after ${problem.code} (${problem.occurrences} failed sync(s))`, { code: problem.code, since: problem.since });
  }

  private remember(problem: GitProblem): void {
    this.problems.unshift(problem);
    if (this.problems.length > MAX_PROBLEMS) this.problems.length = MAX_PROBLEMS;
  }
}

class TooLarge extends Error {}

const round = (ms: number) => Math.round(ms * 10) / 10;

function describe(kind: GitFailureKind, branch: string): string {
  switch (kind) {
    case 'auth':
      return 'authentication failed';
    case 'unreachable':
      return 'the repository cannot be reached';
    case 'branch-missing':
      return `branch ${branch} does not exist on the remote`;
    case 'too-large':
      return 'the repository is too large';
    default:
      return 'git failed';
  }
}

function repositoryFinding(code: CodeDefinition, file: string, message: string): Diagnostic {
  return diagnostic(code, { file, line: 1, col: 1, endLine: 1, endCol: 1, path: '' }, message);
}

function isRemote(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\\]+@[^:]+:/.test(repo) || (!isAbsolute(repo) && /^[^/\\.][^/\\]*:/.test(repo) && !existsSync(repo));
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
