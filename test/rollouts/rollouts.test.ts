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
import { freePort, startPrometheus } from '../../rollouts/testing/prometheus.ts';
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
  /** The ports of the current sluice (a restarted one keeps them, so its clients reconnect). */
  let ports: { xds: number; http: number };

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
    rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    // grpc-js-xds keeps the xDS client of a closed channel (one with its own bootstrap)
    // retrying: once everything is closed, do not let it hold the test process open
    setTimeout(() => process.exit(process.exitCode ?? 0), 3_000).unref();
  });

  /** Starts sluice with a fresh state dir (or the given one), and two clients once it serves. */
  async function start(options: { stateDir?: string } = {}): Promise<{ stateDir: string }> {
    const stateDir = options.stateDir ?? join(work, `state-${++run}`);
    if (!options.stateDir) ports = { xds: await freePort(), http: await freePort() };
    sluice = await startSluice(
      ['--repo', repo.origin, '--poll', '1s', '--state-dir', stateDir, '--log-format', 'json', '--rollouts', '--prometheus', prometheus.url, '--rollout-token-file', tokenFile, '--rollout-interval-ms', '200'],
      ports,
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
    const logs = (sluice?.logs ?? []).filter((l) => l.level !== 'debug').slice(-40).map((l) => JSON.stringify(l));
    throw new Error(`${what}: not within ${timeoutMs} ms; last status ${JSON.stringify(last, null, 2)}\nsluice logs:\n${logs.join('\n')}`);
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
    // on top of what the controller committed (promotions)
    await repo.git.raw(['fetch', '-q', 'origin']);
    await repo.git.raw(['reset', '-q', '--hard', 'origin/main']);
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

  it('a bad canary (v2 fails 20% of calls) is rolled back: time from the first failure to weight 0 at every client', async (t) => {
    v2.failEvery = 5;
    v2.failures.length = 0;
    await commitRollout(rolloutYaml(`  - setWeight: 30\n  - analysis: {templates: [{templateName: success-rate}]}\n  - setWeight: 60`, '  progressDeadline: 60s'), 'roll out reviews v2 (bad)');
    const { stateDir } = await start();
    try {
      const degraded = await waitFor('Degraded', (s) => s.phase === 'Degraded', 60_000);
      assert.equal(degraded.canaryWeight, 0);
      assert.equal(degraded.abort?.metric, 'success-rate');
      assert.ok(typeof degraded.abort?.value === 'number' && degraded.abort.value < 0.95 && degraded.abort.value > 0.6, `measured ${JSON.stringify(degraded.abort?.value)}`);
      assert.match(degraded.abort?.condition ?? '', /result\[0\] >= 0.95/);
      assert.match(degraded.reason, /^aborted: analysis of step 2 failed: metric success-rate is Failed/);
      // every client stops reaching v2 once the rollback is ACKed
      await sleep(1_500);
      const records = journal(stateDir);
      const rollbackAck = records.find((r) => r.type === 'ack' && r.at >= (degraded.abort?.at ?? 0));
      assert.ok(rollbackAck, 'the rollback push was ACKed');
      const settled = performance.now() - 1_000;
      for (const c of clients) assert.equal(shareSince(c, 'reviews-v2', settled).share, 0, `${c.nodeId} no longer reaches v2`);
      // time to detect and roll back: from v2's first failed call (the clients' retries hide
      // most failures from them) to the last call any client sent to v2
      const firstFailure = v2.failures[0] ?? NaN;
      const lastV2 = Math.max(...clients.map((c) => Math.max(...c.calls.filter((x) => x.backend === 'reviews-v2').map((x) => x.at))));
      const seconds = (lastV2 - firstFailure) / 1000;
      const summary = clients
        .map((c) => {
          const counts: Record<string, number> = {};
          for (const x of c.calls) counts[`${x.backend}/${x.code}`] = (counts[`${x.backend}/${x.code}`] ?? 0) + 1;
          return `${c.nodeId}: ${JSON.stringify(counts)}`;
        })
        .join('; ');
      assert.ok(seconds > 0 && seconds < 30, `${seconds} s: ${summary}`);
      assert.ok(v2.failures.length > 0);
      t.diagnostic(`first v2 failure → weight 0 at every client: ${seconds.toFixed(2)} s (rollback ACKed ${rollbackAck?.type === 'ack' ? rollbackAck.afterMs : '?'} ms after its push)`);
      writeFileSync(join(work, 'time-to-rollback.txt'), `${seconds.toFixed(2)}\n`);
      const measured = records.flatMap((r) => (r.type === 'measurement' ? [r.measurement] : []));
      assert.ok(measured.some((m) => m.phase === 'Failed'));
      assert.ok(!records.some((r) => r.type === 'transition' && r.to === 'Healthy'));
    } finally {
      v2.failEvery = 0;
      await stop();
    }
  });

  it('the controller killed during a pause restarts and resumes at the same step, neither repeating nor skipping', async () => {
    await commitRollout(rolloutYaml(`  - setWeight: 20\n  - pause: {duration: 6s}\n  - setWeight: 40\n  - pause: {}`), 'roll out reviews v2 (pausing)');
    const { stateDir } = await start();
    const paused = await waitFor('paused at step 2', (s) => s.phase === 'Paused' && s.step === 2, 30_000);
    const until = Date.parse(/paused until (\S+)$/.exec(paused.reason)?.[1] ?? '');
    assert.ok(Number.isFinite(until), paused.reason);
    await sleep(1_500);
    await sluice?.kill();
    const killedAt = performance.now();
    await sleep(500);
    await start({ stateDir });
    const resumed = await status();
    assert.equal(resumed?.step, 2, 'the restarted controller is at the same step');
    assert.match(resumed?.reason ?? '', new RegExp(`paused until ${new Date(until).toISOString().replace(/\./g, '\\.')}$`), 'with the same end of pause');
    const done = await waitFor('paused at step 4', (s) => s.phase === 'Paused' && s.step === 4, 30_000);
    assert.equal(done.canaryWeight, 40);
    const records = journal(stateDir);
    assert.deepEqual(began(records), [0, 1, 2, 3], `each step began exactly once across the restart: ${records.filter((r) => r.type !== 'state' && r.type !== 'measurement').map((r) => JSON.stringify(r)).join('\n')}\n${(sluice?.logs ?? []).slice(0, 30).map((l) => JSON.stringify(l)).join('\n')}`);
    const step3 = records.find((r) => r.type === 'transition' && r.step === 2 && / began/.test(r.reason));
    assert.ok(step3 && step3.at >= until && step3.at < until + 3_000, `step 3 began at ${step3 ? new Date(step3.at).toISOString() : '-'}, the pause ended at ${new Date(until).toISOString()}`);
    // the clients kept the rollout's 20% through the restart (the journal's overlay is served before Git is read)
    const during = clients.flatMap((c) => c.calls.filter((x) => x.at > killedAt && x.backend !== undefined && x.at < killedAt + 4_000));
    assert.ok(during.length > 0);
    await stop();
  });

  it('promote, abort and retry work from the CLI and the API; no or a wrong token gets 401', async () => {
    await commitRollout(rolloutYaml(`  - setWeight: 10\n  - pause: {}\n  - setWeight: 50\n  - pause: {}`), 'roll out reviews v2 (by hand)');
    await start();
    await waitFor('paused at step 2', (s) => s.phase === 'Paused' && s.step === 2, 30_000);

    for (const token of [null, 'wrong-token-0123456789']) {
      assert.equal((await api('/api/rollouts', { token })).status, 401);
      const refused = await api('/api/rollouts/shop/reviews/abort', { method: 'POST', token });
      assert.equal(refused.status, 401);
      assert.match((refused.body as { error: string }).error, /bearer token/);
    }
    assert.equal((await status())?.phase, 'Paused', 'a refused abort changed nothing');
    const wrong = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [SLUICE_BIN, 'rollout', 'status', '--http-address', sluice?.httpAddress ?? ''], { env: { ...process.env, SLUICE_ROLLOUT_TOKEN: 'wrong-token-0123456789' } }, (error, _stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr }));
    });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /the server refused the token \(401\)/);

    const listed = await cli(['status']);
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, /^NAME +PHASE +STEP +CANARY +REASON\nshop\/reviews +Paused +2\/4 +10% +step 2\/4 \(pause \(until promoted\)\): waiting for `sluice rollout promote`\n$/);

    const promoted = await cli(['promote', 'reviews']);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, /^shop\/reviews: step 2\/4 \(pause \(until promoted\)\) skipped\n/);
    const atFour = await waitFor('paused at step 4', (s) => s.phase === 'Paused' && s.step === 4);
    assert.equal(atFour.canaryWeight, 50);

    const aborted = await api('/api/rollouts/shop/reviews/abort', { method: 'POST' });
    assert.equal(aborted.status, 200);
    assert.equal((aborted.body as { status: RolloutStatus }).status.phase, 'Degraded');
    assert.equal((aborted.body as { status: RolloutStatus }).status.canaryWeight, 0);
    const again = await api('/api/rollouts/shop/reviews/abort', { method: 'POST' });
    assert.equal(again.status, 409);

    const retried = await cli(['retry', 'shop/reviews']);
    assert.equal(retried.code, 0, retried.stderr);
    await waitFor('paused at step 2 again', (s) => s.phase === 'Paused' && s.step === 2 && s.canaryWeight === 10);

    const full = await api('/api/rollouts/shop/reviews/promote', { method: 'POST', body: { full: true } });
    assert.equal(full.status, 200);
    const healthy = await waitFor('Healthy', (s) => s.phase === 'Healthy', 30_000);
    assert.match(healthy.reason, /routes 100% to v2 and is served/);
    const late = await cli(['abort', 'reviews']);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /sluice rollout abort: shop\/reviews is Healthy/);
    const shown = await cli(['status', 'reviews']);
    assert.match(shown.stdout, /^Rollout shop\/reviews\n {2}Phase: +Healthy since /);
    await stop();
  });

  it('no data (Prometheus stopped): the rollout holds, fails after its no-data budget, and never promotes', async () => {
    await prometheus.stop();
    await commitRollout(
      rolloutYaml(`  - setWeight: 20\n  - analysis:\n      templates: [{templateName: success-rate}]\n      args: [{name: no-data-budget, value: 4s}]\n  - setWeight: 60`, '  progressDeadline: 60s'),
      'roll out reviews v2 (blind)',
    );
    const { stateDir } = await start();
    try {
      const holding = await waitFor('holding on no data', (s) => s.step === 2 && s.measurements.some((m) => m.phase === 'Inconclusive'), 30_000);
      assert.equal(holding.phase, 'Progressing');
      assert.equal(holding.canaryWeight, 20);
      const failed = await waitFor('Degraded', (s) => s.phase === 'Degraded', 30_000);
      assert.match(failed.reason, /no data for 4(\.\d+)?s .*exhausts the no-data budget of 4s/);
      assert.equal(failed.canaryWeight, 0);
      const records = journal(stateDir);
      assert.ok(!records.some((r) => r.type === 'transition' && r.to === 'Healthy'), 'never Healthy');
      assert.ok(!records.some((r) => r.type === 'push' && r.traffic.weight > 20), 'never past 20%');
      const measured = records.flatMap((r) => (r.type === 'measurement' ? [r.measurement] : []));
      assert.ok(measured.length >= 2 && measured.every((m) => m.phase !== 'Successful'));
    } finally {
      await prometheus.start();
      await stop();
    }
  });
});
