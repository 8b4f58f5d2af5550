// `sluice serve --repo` end to end: the real binary follows a branch of a real bare origin that
// the test pushes to from a working clone; real grpc-js-xds channels route RPCs to real gRPC
// backends by what it serves. Commits are announced by signed GitHub push webhooks.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Webhooks } from '@octokit/webhooks';
import { simpleGit } from 'simple-git';
import { createTestRepo } from '../../gitops/testing/repo.ts';
import type { TestRepo } from '../../gitops/testing/repo.ts';
import type { CommitRecord, GitSyncStatus } from '../../gitops/index.ts';
import { callMany, CLIENT_LABELS, HOST, NAMESPACE, policyYaml, registerXds, startBackend, TARGET } from '../dataplane/harness.ts';
import type { Backend, XdsClient } from '../dataplane/harness.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'sluice.mjs');
const SECRET = 'gitops-e2e-secret';

const only = (subset: string) => `  - name: default
    route:
    - destination: {host: ${HOST}, subset: ${subset}}`;

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A grpc-js-xds channel to reviews whose bootstrap points at `xds`. */
function xdsChannel(xds: string, nodeId: string): XdsClient {
  registerXds();
  const bootstrap = {
    xds_servers: [{ server_uri: xds, channel_creds: [{ type: 'insecure' }] }],
    node: { id: nodeId, locality: {}, metadata: { GENERATOR: 'grpc', NAMESPACE, LABELS: CLIENT_LABELS } },
  };
  const client = new grpc.Client(TARGET, grpc.credentials.createInsecure(), { 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap) });
  return { nodeId, client, close: () => client.close() };
}

class Server {
  child!: ChildProcess;
  exited!: Promise<number | null>;
  readonly logs: LogLine[] = [];
  xds = '';
  http = '';

  async start(args: string[]): Promise<void> {
    this.logs.length = 0;
    this.child = spawn(process.execPath, [bin, 'serve', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_WEBHOOK_SECRET: SECRET } });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    let buffered = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        // Log lines are JSON; a start-up failure is one plain line.
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 'plain', msg: line });
        }
      }
    });
    const started = await until(() => {
      const failed = this.logs.find((l) => l.level === 'plain');
      if (failed) throw new Error(`sluice serve did not start: ${failed.msg}`);
      return this.logs.find((l) => typeof l.httpAddress === 'string');
    }, 'sluice serve to start', 30_000);
    this.xds = started.xdsAddress as string;
    this.http = started.httpAddress as string;
  }

  async commits(): Promise<GitSyncStatus> {
    return (await (await fetch(`http://${this.http}/debug/commits`)).json()) as GitSyncStatus;
  }

  async record(sha: string, done: (r: CommitRecord) => boolean = (r) => r.status !== 'compiling'): Promise<CommitRecord> {
    return until(async () => (await this.commits()).commits.find((c) => c.sha === sha && done(c)), `commit ${sha.slice(0, 12)}`);
  }

  /** A signed GitHub push delivery for the branch. */
  async webhook(after: string, options: { secret?: string; deleted?: boolean } = {}): Promise<Response> {
    const body = JSON.stringify({ ref: 'refs/heads/main', after, deleted: options.deleted ?? false, repository: { full_name: 'acme/mesh' } });
    const signature = await new Webhooks({ secret: options.secret ?? SECRET }).sign(body);
    return fetch(`http://${this.http}/hooks/github`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `d-${after.slice(0, 8)}`, 'x-hub-signature-256': signature } });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

function sluice(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('sluice serve --repo', { timeout: 180_000 }, () => {
  let repo: TestRepo;
  let v1: Backend;
  let v2: Backend;
  const server = new Server();
  let client: XdsClient;
  let initial = '';
  let args: string[] = [];
  const policy = (subset: string) => ({ 'mesh/reviews.yaml': policyYaml({ subsets: { v1: [v1], v2: [v2] }, http: only(subset) }) });
  /** Which backends answered `n` calls. */
  const answers = async (n = 40, c = client) => (await callMany(c, n, { concurrency: 10 })).by;
  /**
   * Once the proxies ACKed a commit, traffic follows it: grpc-js-xds ACKs a response when it
   * accepts it and swaps the channel's routing a moment later, so the first call to reach the
   * new destination marks the switch; then every call must go there.
   */
  const follows = async (backend: string, c = client) => {
    await until(async () => ((await answers(1, c))[backend] ? true : undefined), `traffic to ${backend}`, 5_000);
    assert.deepEqual(await answers(40, c), { [backend]: 40 });
  };

  before(async () => {
    [v1, v2] = await Promise.all([startBackend('reviews-v1'), startBackend('reviews-v2')]);
    repo = await createTestRepo();
    initial = await repo.commit(policy('v1'), 'reviews: everything to v1');
    await repo.push();
    args = ['--repo', repo.origin, '--path', 'mesh', '--state-dir', join(repo.root, 'state'), '--poll', 'off', '--xds-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'];
    await server.start(args);
    await server.record(initial, (r) => r.status === 'published');
    client = xdsChannel(server.xds, 'frontend-1');
  });
  after(async () => {
    client?.close();
    await server.stop();
    v1?.close();
    v2?.close();
    repo?.dispose();
  });

  it('serves the head of the branch: snapshot versions name the commit', async () => {
    assert.deepEqual(await answers(), { 'reviews-v1': 40 });
    const proxies = (await (await fetch(`http://${server.http}/debug/proxies`)).json()) as { proxies: { nodeId: string; snapshotAcked?: string }[] };
    assert.ok(proxies.proxies[0]?.snapshotAcked?.startsWith(`${initial}/`), JSON.stringify(proxies.proxies[0]));
  });

  it('a good commit reaches the clients at once on a push webhook, and traffic follows it', async () => {
    const sha = await repo.commit(policy('v2'), 'reviews: everything to v2');
    await repo.push();
    const response = await server.webhook(sha);
    assert.equal(response.status, 202);
    const record = await server.record(sha, (r) => r.ackedAfterMs !== undefined);
    assert.equal(record.status, 'published');
    assert.equal(record.trigger, 'webhook');
    await follows('reviews-v2');
    const metrics = await (await fetch(`http://${server.http}/metrics`)).text();
    assert.match(metrics, new RegExp(`sluice_gitops_last_good_commit_info\\{commit="${sha}"\\} 1`));
    assert.match(metrics, /sluice_gitops_commit_acked_seconds_count 1\b/);
  });

  let bad = '';
  it('a bad commit is not published, is listed with its diagnostics, and clients keep routing', async () => {
    const good = (await server.commits()).lastGood?.sha;
    const yaml = policy('v2')['mesh/reviews.yaml'].replace(`subset: v2}`, 'subset: v9}');
    bad = await repo.commit({ 'mesh/reviews.yaml': yaml }, 'reviews: send everything to v9', { author: 'Mallory <mallory@example.com>' });
    await repo.push();
    await server.webhook(bad);
    const record = await server.record(bad);
    assert.equal(record.status, 'rejected');
    assert.equal(record.author, 'Mallory');
    assert.equal(record.subject, 'reviews: send everything to v9');
    const error = record.diagnostics.find((d) => d.severity === 'error');
    assert.equal(error?.file, 'mesh/reviews.yaml');
    assert.match(error?.message ?? '', /v9/);
    assert.ok((error?.line ?? 0) > 1);
    assert.equal((await server.commits()).lastGood?.sha, good);
    assert.ok(server.logs.some((l) => l.level === 'warn' && l.msg.includes(`${bad.slice(0, 12)} mesh/reviews.yaml:${error?.line}:${error?.col}: ${error?.code}`)));
    assert.deepEqual(await answers(), { 'reviews-v2': 40 });
    const ready = (await (await fetch(`http://${server.http}/readyz`)).json()) as { reason?: string };
    assert.match(ready.reason ?? '', /last good policy .*1 error/);
  });

  it('sluice status lists the commits: published, rejected with the first error', async () => {
    const run = await sluice(['status', '--http-address', server.http]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^frontend-1\s+grpc\/shop\/app=frontend,version=v1\s+grpc\s+SYNCED/m);
    assert.match(run.stdout, new RegExp(`^${bad.slice(0, 12)}\\s+rejected\\s+Mallory\\s+.*reviews: send everything to v9`, 'm'));
    assert.match(run.stdout, /mesh\/reviews\.yaml:\d+:\d+ SLU\d{4} .*v9/);
    assert.match(run.stdout, new RegExp(`^${initial.slice(0, 12)}\\s+published`, 'm'));
  });

  it('a fixing commit publishes', async () => {
    const sha = await repo.commit(policy('v1'), 'reviews: back to v1');
    await repo.push();
    await server.webhook(sha);
    assert.equal((await server.record(sha, (r) => r.ackedAfterMs !== undefined)).status, 'published');
    await follows('reviews-v1');
    const ready = (await (await fetch(`http://${server.http}/readyz`)).json()) as { reason?: string };
    assert.equal(ready.reason, undefined);
  });

  it('a webhook with a bad signature gets 401 and a log line, and syncs nothing', async () => {
    const before = (await server.commits()).syncs;
    const response = await server.webhook('f'.repeat(40), { secret: 'not the secret' });
    assert.equal(response.status, 401);
    await until(() => server.logs.find((l) => l.level === 'warn' && /GitHub webhook refused: X-Hub-Signature-256 does not match/.test(l.msg)), 'the log line');
    assert.equal((await server.commits()).syncs, before);
  });

  it('a burst of 20 commits compiles the newest only', async () => {
    const publishedBefore = server.logs.filter((l) => /^published commit/.test(l.msg)).length;
    const burst: string[] = [];
    for (let i = 1; i <= 20; i++) {
      burst.push(await repo.commit(policy(i % 2 === 0 ? 'v2' : 'v1'), `burst ${i}`));
      await repo.push();
    }
    const newest = burst.at(-1) ?? '';
    const deliveries = await Promise.all(burst.map((sha) => server.webhook(sha)));
    assert.ok(deliveries.every((r) => r.status === 202));
    await server.record(newest, (r) => r.ackedAfterMs !== undefined);
    const { commits } = await server.commits();
    const byStatus = (status: string) => commits.filter((c) => burst.includes(c.sha) && c.status === status).map((c) => c.sha);
    assert.deepEqual(byStatus('published'), [newest]);
    assert.deepEqual(new Set(byStatus('skipped')), new Set(burst.slice(0, -1)));
    assert.equal(server.logs.filter((l) => /^published commit/.test(l.msg)).length, publishedBefore + 1);
    await follows('reviews-v2');
  });

  it('a force-push: logged as SLU8003, and the rewritten head is served', async () => {
    await repo.git.raw(['reset', '-q', '--hard', initial]);
    const rewritten = await repo.commit(policy('v1'), 'rewrite history: v1 again');
    await repo.push({ force: true });
    await server.webhook(rewritten);
    assert.equal((await server.record(rewritten, (r) => r.ackedAfterMs !== undefined)).status, 'published');
    const status = await server.commits();
    assert.equal(status.problems[0]?.code, 'SLU8003');
    assert.ok(server.logs.some((l) => l.code === 'SLU8003' && /force-pushed/.test(l.msg)));
    await follows('reviews-v1');
  });

  it('a deleted branch: one log line and a status entry (SLU8004); serving goes on, and resumes when it is back', async () => {
    const serving = (await server.commits()).lastGood?.sha ?? '';
    await simpleGit({ baseDir: repo.origin }).addConfig('receive.denyDeleteCurrent', 'ignore');
    await repo.git.raw(['push', '-q', 'origin', '--delete', 'main']);
    await server.webhook('0'.repeat(40), { deleted: true });
    await server.webhook('0'.repeat(40), { deleted: true });
    const status = await until(async () => {
      const s = await server.commits();
      return s.problem?.occurrences === 2 ? s : undefined;
    }, 'two failed syncs');
    assert.equal(status.problem?.code, 'SLU8004');
    assert.equal(server.logs.filter((l) => l.code === 'SLU8004').length, 1, 'one log line, however often it fails');
    assert.equal(status.lastGood?.sha, serving);
    assert.deepEqual(await answers(), { 'reviews-v1': 40 });
    const sluiceStatus = await sluice(['status', '--http-address', server.http]);
    assert.match(sluiceStatus.stdout, /SLU8004 .*branch main does not exist/);
    const back = await repo.commit(policy('v2'), 'main is back');
    await repo.push();
    await server.webhook(back);
    await server.record(back, (r) => r.ackedAfterMs !== undefined);
    assert.equal((await server.commits()).problem, null);
    await follows('reviews-v2');
  });

  it('a restart with the origin unreachable serves the last good snapshot from the state dir', async () => {
    const lastGood = (await server.commits()).lastGood?.sha ?? '';
    assert.equal(await server.stop(), 0);
    renameSync(repo.origin, `${repo.origin}.away`);
    try {
      // Same xDS address, so the channel reconnects (one xDS client per test process: grpc-js-xds
      // keeps a bootstrap's client alive after its channel closes).
      await server.start(args.map((a, i) => (args[i - 1] === '--xds-address' ? server.xds : a)));
      const proxy = await until(async () => {
        const proxies = (await (await fetch(`http://${server.http}/debug/proxies`)).json()) as { proxies: { nodeId: string; snapshotAcked?: string }[] };
        return proxies.proxies.find((p) => p.nodeId === 'frontend-1' && p.snapshotAcked?.startsWith(`${lastGood}/`));
      }, 'the reconnected proxy to ACK the last good commit');
      assert.ok(proxy);
      assert.deepEqual(await answers(), { 'reviews-v2': 40 });
      const status = await until(async () => {
        const s = await server.commits();
        return s.problem ? s : undefined;
      }, 'the failed fetch');
      assert.equal(status.problem?.code, 'SLU8002');
      assert.equal(status.lastGood?.sha, lastGood);
      assert.equal(status.lastGood?.restored, true);
      assert.ok(server.logs.some((l) => /serving the last good commit .* from the state dir before reaching git/.test(l.msg)));
      assert.equal(server.logs.filter((l) => l.code === 'SLU8002').length, 1);
    } finally {
      renameSync(`${repo.origin}.away`, repo.origin);
    }
  });
});
