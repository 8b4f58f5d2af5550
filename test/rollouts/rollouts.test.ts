/**
 * Rollouts end to end, with real parts only: gRPC backends v1 and v2 export go-grpc-prometheus
 * metrics (prom-client) that a real Prometheus scrapes every second; two @grpc/grpc-js-xds
 * clients send steady traffic routed by what `sluice serve --repo ... --rollouts` (a child
 * process) serves them; the policy lives in a real git repository, and promotions are
 * commits pushed to it. The controller is driven through its HTTP API and `sluice rollout`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestRepo } from '../../gitops/testing/repo.ts';
import type { TestRepo } from '../../gitops/testing/repo.ts';
import type { JournalRecord, RolloutStatus } from '../../rollouts/index.ts';
import { startPrometheus } from '../../rollouts/testing/prometheus.ts';
import type { TestPrometheus } from '../../rollouts/testing/prometheus.ts';
import { SLUICE_BIN, shareSince, startMeteredBackend, startSluice, steadyTraffic } from '../../rollouts/testing/world.ts';
import type { MeteredBackend, SluiceProcess, TrafficClient } from '../../rollouts/testing/world.ts';
import { ANALYSIS_YAML, meshYaml, rolloutYaml } from './policy.ts';

const TOKEN = 'e2e-token-0123456789abcdef';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('rollouts end to end (real Prometheus, grpc-js-xds clients, git)', { timeout: 300_000 }, () => {
  let v1: MeteredBackend;
  let v2: MeteredBackend;
  let prometheus: TestPrometheus;
  let repo: TestRepo;
  let work: string;
  let tokenFile: string;
  let sluice: (SluiceProcess & { ports: { xds: number; http: number } }) | undefined;
  let clients: TrafficClient[] = [];
  let run = 0;

  before(async () => {
    [v1, v2] = await Promise.all([startMeteredBackend('v1'), startMeteredBackend('v2')]);
    prometheus = await startPrometheus({ targets: [v1, v2].map((b) => ({ address: b.metrics.address })) });
    repo = await createTestRepo({ files: { 'mesh.yaml': meshYaml([v1, v2]), 'analysis.yaml': ANALYSIS_YAML } });
    work = mkdtempSync(join(tmpdir(), 'sluice-rollouts-e2e-'));
    tokenFile = join(work, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
  });

  after(async () => {
    for (const c of clients) await c.stop();
    await sluice?.stop();
    await prometheus?.dispose();
    await Promise.all([v1?.close(), v2?.close()]);
    repo?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  /** Starts sluice with a fresh state dir (or the given one), and two clients once it serves. */
  async function start(options: { stateDir?: string; ports?: { xds: number; http: number } } = {}): Promise<{ stateDir: string }> {
    const stateDir = options.stateDir ?? join(work, `state-${++run}`);
    sluice = await startSluice(
      ['--repo', repo.origin, '--poll', '1s', '--state-dir', stateDir, '--log-format', 'json', '--rollouts', '--prometheus', prometheus.url, '--rollout-token-file', tokenFile, '--rollout-interval-ms', '200'],
      options.ports,
    );
    if (clients.length === 0) clients = [steadyTraffic(sluice.xdsAddress, 'frontend-a'), steadyTraffic(sluice.xdsAddress, 'frontend-b')];
    return { stateDir };
  }

  async function stop(): Promise<void> {
    for (const c of clients) await c.stop();
    clients = [];
    await sluice?.stop();
    sluice = undefined;
  }

  async function api(path: string, options: { method?: string; token?: string | null; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`http://${sluice?.httpAddress}${path}`, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    return { status: response.status, body: await response.json() };
  }

  async function status(): Promise<RolloutStatus | undefined> {
    const { body } = await api('/api/rollouts');
    return (body as { rollouts: RolloutStatus[] }).rollouts[0];
  }

  async function waitFor(what: string, test: (s: RolloutStatus) => boolean, timeoutMs = 60_000): Promise<RolloutStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: RolloutStatus | undefined;
    while (Date.now() < deadline) {
      last = await status();
      if (last && test(last)) return last;
      await sleep(100);
    }
    throw new Error(`${what}: not within ${timeoutMs} ms; last status ${JSON.stringify(last, null, 2)}`);
  }

  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [SLUICE_BIN, 'rollout', ...args, '--http-address', sluice?.httpAddress ?? '', '--token-file', tokenFile], { timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
  }

  function journal(stateDir: string): JournalRecord[] {
    return readFileSync(join(stateDir, 'rollouts.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as JournalRecord);
  }

  /** Steps that began, in order (from the journal's transitions). */
  function began(records: readonly JournalRecord[]): number[] {
    return records.flatMap((r) => (r.type === 'transition' && / began/.test(r.reason) ? [r.step] : []));
  }

  /** Commits the mesh at v1 100% and this Rollout; returns the sha. */
  async function commitRollout(rollout: string, message: string): Promise<string> {
    const sha = await repo.commit({ 'mesh.yaml': meshYaml([v1, v2]), 'rollout.yaml': rollout }, message);
    await repo.push();
    return sha;
  }

  it('a healthy canary walks every step, promotes by a commit, and that commit is served', async () => {
    const { stateDir } = await start();
    await commitRollout(
      rolloutYaml(
        `  - setWeight: 20
  - pause: {duration: 2s}
  - analysis: {templates: [{templateName: success-rate}]}
  - setWeight: 60
  - pause: {duration: 1s}`,
        '  progressDeadline: 60s',
      ),
      'roll out reviews v2',
    );
    const healthy = await waitFor('Healthy', (s) => s.phase === 'Healthy', 90_000);
    assert.match(healthy.reason, /^promoted: revision [0-9a-f]{8} routes 100% to v2 and is served$/);

    // the promotion commit is on the branch, with only the weights changed
    await repo.git.raw(['fetch', '-q', 'origin']);
    const log = await repo.git.raw(['log', '--format=%H %s', 'origin/main', '-1']);
    const [sha, ...subject] = log.trim().split(' ');
    assert.equal(subject.join(' '), 'rollout shop/reviews: promote v2 to 100%');
    const promoted = await repo.git.raw(['show', `${sha}:mesh.yaml`]);
    assert.equal(promoted, meshYaml([v1, v2], { v1: 0, v2: 100 }));
    // and it is what sluice serves
    const snapshots = (await (await fetch(`http://${sluice?.httpAddress}/debug/snapshots`)).json()) as { snapshots?: { revision: string }[]; classes?: { revision: string }[] };
    const revisions = (snapshots.snapshots ?? snapshots.classes ?? []).map((s) => s.revision);
    assert.ok(revisions.length > 0 && revisions.every((r) => r === sha), `served revisions ${revisions.join(', ')}, promotion ${sha}`);
    const after = performance.now();
    await sleep(1_000);
    for (const c of clients) assert.equal(shareSince(c, 'reviews-v2', after).share, 1, `${c.nodeId} sends everything to v2`);

    const records = journal(stateDir);
    assert.deepEqual(began(records), [0, 1, 2, 3, 4], 'every step began once, in order');
    const measured = records.flatMap((r) => (r.type === 'measurement' ? [r.measurement] : []));
    assert.ok(measured.filter((m) => m.phase === 'Successful').length >= 3, 'the analysis measured three successes');
    assert.ok(measured.every((m) => m.query.includes('grpc_server_handled_total')));
    await stop();
  });
});
