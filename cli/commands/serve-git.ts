/**
 * `sluice serve --repo`: the composition of gitops' GitSync with proxy's ControlPlane. gitops
 * and proxy do not know each other; this adapter makes the sync a PolicySource (its validated
 * commits are published through the control plane's sink, compiled for every live proxy class,
 * all or nothing), mounts the GitHub webhook and /debug/commits on the admin server, puts the
 * sync's metrics in the admin registry, and measures commit → every proxy ACKed.
 */
import { GitHubWebhook, GitOpsMetrics, GitSync } from '../../gitops/index.ts';
import type { CommitRecord, GitSyncStatus } from '../../gitops/index.ts';
import type { ControlPlane } from '../../proxy/admin/control-plane.ts';
import { attemptOf } from '../../proxy/admin/file-source.ts';
import type { PolicySink, PolicySource, SourceStart } from '../../proxy/admin/policy-source.ts';
import type { Logger } from '../../proxy/index.ts';

export interface GitServeOptions {
  repo: string;
  branch: string;
  path: string;
  stateDir: string;
  /** node-cron expression, or undefined for no polling. */
  pollExpression: string | undefined;
  maxRepoBytes?: number;
  webhookSecret: string | undefined;
  logger: Logger;
  /** How long to wait for ACKs before the commit → ACK time is given up on (default 5 min). */
  ackTimeoutMs?: number;
}

/** GitSync as the control plane's policy source. */
export class GitPolicySource implements PolicySource {
  readonly kind = 'git';
  readonly sync: GitSync;
  private sink: PolicySink | undefined;
  private plane: ControlPlane | undefined;

  constructor(private readonly options: GitServeOptions) {
    this.sync = new GitSync({
      repo: options.repo,
      branch: options.branch,
      path: options.path,
      stateDir: options.stateDir,
      pollExpression: options.pollExpression,
      maxRepoBytes: options.maxRepoBytes,
      logger: options.logger,
      publish: async (candidate) => {
        if (!this.sink) return { ok: false, diagnostics: [] };
        const attempt = attemptOf(candidate.validation, candidate.revision);
        const outcome = await this.sink.publish({ model: candidate.model, revision: candidate.revision, attempt });
        return outcome.ok ? { ok: true, versions: outcome.versions } : { ok: false, diagnostics: outcome.diagnostics };
      },
      rejected: (record) => this.sink?.rejected(attemptOfRecord(record)),
      waitForAcks: async (versions) => {
        if (!this.plane) return false;
        const report = await this.plane.waitForAcks(versions, { timeoutMs: options.ackTimeoutMs ?? 300_000 });
        return report.converged;
      },
    });
  }

  /** Mounts the webhook and /debug/commits, and the metrics; call before `plane.start()`. */
  attach(plane: ControlPlane): void {
    this.plane = plane;
    this.sync.setMetrics(new GitOpsMetrics(plane.metrics.registry));
    const webhook = new GitHubWebhook({ secret: this.options.webhookSecret, branch: this.options.branch, logger: this.options.logger });
    plane.admin.route({
      method: 'POST',
      path: '/hooks/github',
      // GitHub caps webhook payloads at 25 MB.
      maxBodyBytes: 25 * 1024 * 1024,
      handler: async (request) => {
        const answer = await webhook.handle({ headers: request.headers, body: request.body, peer: request.peer });
        if (answer.sync) void this.sync.trigger('webhook');
        return { status: answer.status, body: answer.body };
      },
    });
    plane.admin.route({ method: 'GET', path: '/debug/commits', handler: () => ({ status: 200, body: this.sync.status() satisfies GitSyncStatus }) });
  }

  async start(sink: PolicySink): Promise<SourceStart> {
    this.sink = sink;
    await this.sync.start();
    return { ok: true };
  }

  close(): Promise<void> {
    return this.sync.close();
  }

  status(): Record<string, unknown> {
    const s = this.sync.status();
    return { repo: s.repo, branch: s.branch, path: s.path, head: s.head, servingCommit: s.lastGood?.sha, gitProblem: s.problem };
  }

  waitingFor(): string | undefined {
    return this.sync.waitingFor();
  }

  health(): string | undefined {
    return this.sync.health();
  }

  reload(): Promise<void> {
    return this.sync.trigger('manual');
  }
}

function attemptOfRecord(record: CommitRecord) {
  return {
    at: record.at,
    ok: false,
    revision: record.sha,
    files: record.files,
    documents: record.documents,
    errors: record.errors,
    warnings: record.warnings,
    findings: record.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`),
  };
}
