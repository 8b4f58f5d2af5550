// The step state machine with a manual clock, a traffic plane whose ACKs the test controls,
// scripted analysis and an in-memory repository; the journal is a real file where a restart
// is tested.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FakeAnalysis, FakeTrafficPlane, ManualClock, MemoryRepo, meshYaml, modelOf, rolloutYaml } from '../testing/fakes.ts';
import type { Script } from '../testing/fakes.ts';
import { RolloutController } from './controller.ts';
import { FileJournal, MemoryJournal } from './journal.ts';
import { RolloutMetrics } from './metrics.ts';
import type { Journal, JournalRecord, RolloutPhase } from './types.ts';

const template = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: ${name}, namespace: shop}
spec:
  metrics:
  - name: ${name}
    interval: 1s
    successCondition: result[0] >= 0.95
    provider:
      prometheus: {address: "http://127.0.0.1:9090", query: "vector(1)"}
`;

function policy(steps: string, more = '', weights = { v1: 100, v2: 0 }): string {
  return meshYaml(weights, [rolloutYaml(steps, more), template('success'), template('latency')].join('---\n'));
}

interface Setup {
  controller: RolloutController;
  clock: ManualClock;
  traffic: FakeTrafficPlane;
  analysis: FakeAnalysis;
  journal: Journal;
  repo: MemoryRepo;
  metrics: RolloutMetrics;
}

function setup(options: { scripts?: Record<string, Script>; journal?: Journal; clock?: ManualClock; repo?: MemoryRepo; traffic?: FakeTrafficPlane } = {}): Setup {
  const clock = options.clock ?? new ManualClock();
  const traffic = options.traffic ?? new FakeTrafficPlane();
  const analysis = new FakeAnalysis(options.scripts ?? { success: ['S'], latency: ['S'] });
  const journal = options.journal ?? new MemoryJournal();
  const repo = options.repo ?? new MemoryRepo({});
  const metrics = new RolloutMetrics(new Registry());
  const controller = new RolloutController({ traffic, analysis, journal, clock, repo, metrics });
  return { controller, clock, traffic, analysis, journal, repo, metrics };
}

function status(s: Setup) {
  const [st] = s.controller.status();
  assert.ok(st, 'a rollout');
  return st;
}

function transitions(journal: Journal): { to: RolloutPhase; step: number; reason: string }[] {
  return journal.records().flatMap((r: JournalRecord) => (r.type === 'transition' ? [{ to: r.to, step: r.step, reason: r.reason }] : []));
}

/** Advances the clock by `ms` in `step`-ms ticks, reconciling after each. */
async function run(s: Setup, ms: number, step = 250): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    s.clock.advance(step);
    await s.controller.reconcile();
  }
}

describe('rollout controller: the step state machine', () => {
  it('walks setWeight → timed pause → analysis → setWeight, then promotes (mode none keeps the overlay at 100)', async () => {
    const s = setup();
    const yaml = policy(
      `  - setWeight: 20
  - pause: {duration: 10s}
  - analysis: {templates: [{templateName: success}]}
  - setWeight: 50`,
      '  promotion: {mode: none}',
    );
    await s.controller.sync(modelOf(yaml), 'r1');
    await s.controller.reconcile();
    assert.equal(status(s).canaryWeight, 20);
    assert.equal(status(s).phase, 'Paused');
    assert.match(status(s).reason, /step 2\/4 \(pause 10s\): paused until 2026-11-23T10:00:10.000Z/);
    await run(s, 9_750);
    assert.equal(status(s).step, 2, 'still pausing just before the 10 s are up');
    await run(s, 250);
    // the analysis takes two successful measurements one second apart
    await run(s, 1_000);
    assert.equal(status(s).phase, 'Healthy');
    assert.equal(s.traffic.lastCanaryWeight(), 100);
    assert.deepEqual(
      s.traffic.pushes.map((p) => p[0]?.weights.v2),
      [0, 20, 50, 100],
    );
    assert.deepEqual(s.controller.overlays(), [{ namespace: 'shop', virtualService: 'reviews', route: 'primary', weights: { v1: 0, v2: 100 } }]);
    const reasons = transitions(s.journal).map((t) => `${t.to} ${t.reason}`);
    assert.deepEqual(reasons, [
      'Progressing the Rollout appeared in revision r1',
      'Progressing step 1/4 (setWeight 20) began: pushed, waiting for every proxy to ACK',
      'Progressing step 1/4 (setWeight 20) done',
      'Progressing step 2/4 (pause 10s) began',
      'Paused step 2/4 (pause 10s): paused until 2026-11-23T10:00:10.000Z',
      'Progressing step 2/4 (pause 10s) done',
      'Progressing step 3/4 (analysis success) began',
      'Progressing step 3/4 (analysis success): analysis running',
      'Progressing step 3/4 (analysis success) done',
      'Progressing step 4/4 (setWeight 50) began: pushed, waiting for every proxy to ACK',
      'Progressing step 4/4 (setWeight 50) done',
      'Progressing every step is done: the canary gets 100%; waiting for every proxy to ACK',
      'Healthy promoted: every step passed; the canary keeps 100% through the rollout overlay (promotion mode none: Git is not changed)',
    ]);
    const measurements = s.journal.records().filter((r) => r.type === 'measurement');
    assert.equal(measurements.length, 2);
  });

  it('starts a step’s clock only when every proxy ACKed its push; no ACK within ackDeadline aborts', async () => {
    const s = setup();
    s.traffic.autoAck = false;
    await s.controller.sync(modelOf(policy('  - setWeight: 20\n  - pause: {duration: 5s}', '  ackDeadline: 3s')), 'r1');
    s.traffic.ackedUpTo = 1; // the initial overlay (weight 0) is served
    await run(s, 2_000);
    assert.equal(status(s).step, 1, 'waiting for ACKs');
    assert.equal(status(s).phase, 'Progressing');
    s.traffic.ackedUpTo = 2;
    await run(s, 250);
    assert.equal(status(s).phase, 'Paused');
    // the pause counts from the ACK (2.25 s after the push), not from the push
    assert.match(status(s).reason, /paused until 2026-11-23T10:00:07.250Z/);
    const ack = s.journal.records().find((r) => r.type === 'ack');
    assert.equal(ack?.type === 'ack' && ack.afterMs, 2_000, 'pushed at 10:00:00.250, ACKed at 10:00:02.250');

    const late = setup();
    late.traffic.autoAck = false;
    await late.controller.sync(modelOf(policy('  - setWeight: 20\n  - pause: {duration: 5s}', '  ackDeadline: 3s')), 'r1');
    await run(late, 3_500);
    assert.equal(status(late).phase, 'Degraded');
    assert.equal(status(late).abort?.code, 'SLU8102');
    assert.match(status(late).reason, /step 1\/2 \(setWeight 20\): not every proxy ACKed the new configuration within ackDeadline 3s \(waiting for frontend-1\)/);
    assert.equal(late.traffic.lastCanaryWeight(), 0);
  });

  it('rolls back in one push when analysis fails, with the metric, value, condition and time', async () => {
    const s = setup({ scripts: { success: ['S', 'F'] } });
    await s.controller.sync(modelOf(policy('  - setWeight: 30\n  - analysis: {templates: [{templateName: success}]}\n  - setWeight: 60')), 'r1');
    await run(s, 2_000);
    const st = status(s);
    assert.equal(st.phase, 'Degraded');
    assert.equal(st.canaryWeight, 0);
    assert.equal(st.abort?.code, 'SLU8101');
    assert.equal(st.abort?.metric, 'success');
    assert.equal(st.abort?.value, 0.8);
    assert.equal(st.abort?.condition, 'result[0] >= 0.95 is false');
    assert.equal(st.abort?.query, 'rate(success[1m])');
    assert.equal(st.abort?.atIso, '2026-11-23T10:00:01.250Z');
    assert.match(st.reason, /aborted: analysis of step 2 failed: success = 0.8/);
    // 0 (start), 30, then straight back to 0: one push
    assert.deepEqual(
      s.traffic.pushes.map((p) => p[0]?.weights.v2),
      [0, 30, 0],
    );
    // the rollback's ACK is journaled with its delay
    assert.ok(s.journal.records().some((r) => r.type === 'ack' && r.afterMs === 0));
    // metrics follow the journal
    const text = await s.metrics.registry.metrics();
    assert.match(text, /sluice_rollout_phase\{rollout="shop\/reviews",phase="Degraded"\} 1/);
    assert.match(text, /sluice_rollout_canary_weight\{rollout="shop\/reviews"\} 0/);
    assert.match(text, /sluice_rollout_measurement_value\{rollout="shop\/reviews",metric="success"\} 0.8/);
    assert.match(text, /sluice_rollout_measurement_verdict\{rollout="shop\/reviews",metric="success",verdict="Failed"\} 1/);
  });

  it('pauses on an inconclusive analysis until promoted', async () => {
    const s = setup({ scripts: { success: ['I'] } });
    await s.controller.sync(modelOf(policy('  - setWeight: 30\n  - analysis: {templates: [{templateName: success}]}\n  - setWeight: 60', '  promotion: {mode: none}')), 'r1');
    await run(s, 1_000);
    assert.equal(status(s).phase, 'Paused');
    assert.match(status(s).reason, /inconclusive/);
    const promoted = await s.controller.command('reviews', 'promote');
    assert.equal(promoted.ok, true);
    assert.equal(status(s).canaryWeight, 100);
    assert.equal(status(s).phase, 'Healthy');
  });

  it('holds a rollout on background no-data, fails it after progressDeadline and never promotes', async () => {
    const s = setup({ scripts: { success: ['N'] } });
    await s.controller.sync(modelOf(policy('  - setWeight: 50', '  analysis: {templates: [{templateName: success}]}\n  progressDeadline: 5s\n  promotion: {mode: none}')), 'r1');
    await run(s, 4_000);
    assert.equal(status(s).phase, 'Progressing');
    assert.match(status(s).reason, /promotion waits until background analysis has a successful measurement of success/);
    assert.equal(status(s).canaryWeight, 50);
    await run(s, 2_000);
    assert.equal(status(s).phase, 'Degraded');
    assert.match(status(s).reason, /not promoting on no data/);
    assert.equal(status(s).abort?.code, 'SLU8103');
    assert.ok(!transitions(s.journal).some((t) => t.to === 'Healthy'));
    assert.ok(!s.traffic.pushes.some((p) => p[0]?.weights.v2 === 100));
  });

  it('background analysis starts at startingStep and aborts the rollout when it fails', async () => {
    const s = setup({ scripts: { latency: ['S', 'S', 'F'] } });
    await s.controller.sync(modelOf(policy('  - setWeight: 10\n  - pause: {duration: 10s}\n  - setWeight: 50', '  analysis: {templates: [{templateName: latency}], startingStep: 1}')), 'r1');
    await s.controller.reconcile();
    assert.deepEqual(s.analysis.started, ['latency'], 'started once step 1 is done');
    await run(s, 2_500);
    assert.equal(status(s).phase, 'Degraded');
    assert.match(status(s).reason, /background analysis failed: latency = 0.8/);
  });

  it('advances steps only inside its windows', async () => {
    // 10:00 on a Monday; the window opens at 10:02
    const s = setup();
    await s.controller.sync(modelOf(policy('  - setWeight: 10\n  - setWeight: 40', '  windows: ["2-59 10 * * mon"]\n  promotion: {mode: none}')), 'r1');
    await s.controller.reconcile();
    assert.equal(status(s).canaryWeight, 0);
    assert.match(status(s).reason, /step 1\/2 \(setWeight 10\) waits for a deployment window \(2-59 10 \* \* mon\)/);
    await run(s, 119_000, 1_000);
    assert.equal(status(s).canaryWeight, 0);
    await run(s, 1_000, 1_000);
    assert.equal(status(s).phase, 'Healthy');
  });

  it('setHeaderRoute and setMirrorRoute become overlay inputs; the last step’s traffic stays until promotion', async () => {
    const s = setup();
    s.traffic.autoAck = true;
    await s.controller.sync(
      modelOf(policy('  - setHeaderRoute: {name: canary-header, match: [{headerName: x-canary, headerValue: {exact: "1"}}]}\n  - setMirrorRoute: {percentage: 20}\n  - pause: {}')),
      'r1',
    );
    await s.controller.reconcile();
    assert.deepEqual(s.controller.overlays(), [
      {
        namespace: 'shop',
        virtualService: 'reviews',
        route: 'primary',
        weights: { v1: 100, v2: 0 },
        headerRoute: { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: '1' } }], subset: 'v2' },
        mirror: { subset: 'v2', percentage: 20 },
      },
    ]);
    assert.equal(status(s).phase, 'Paused');
    assert.match(status(s).reason, /waiting for `sluice rollout promote`/);
  });
});

describe('rollout controller: failed pushes', () => {
  it('a step whose push fails has not begun, and a rollback whose push fails is pushed again', async () => {
    const s = setup({ scripts: { success: ['F'] } });
    await s.controller.sync(modelOf(policy('  - setWeight: 20\n  - pause: {duration: 1s}\n  - analysis: {templates: [{templateName: success}]}')), 'r1');
    s.traffic.failNext = 1;
    await s.controller.reconcile();
    assert.equal(status(s).step, 1);
    assert.equal(status(s).canaryWeight, 0, 'the weight the proxies have');
    assert.ok(!transitions(s.journal).some((t) => / began/.test(t.reason)), 'the step has not begun');
    await run(s, 250);
    assert.equal(status(s).canaryWeight, 20);
    assert.equal(status(s).phase, 'Paused');
    s.traffic.failNext = 1;
    await run(s, 1_000);
    assert.equal(status(s).phase, 'Degraded');
    const pushesBefore = s.traffic.pushes.length;
    await run(s, 250);
    assert.equal(s.traffic.pushes.length, pushesBefore + 1, 'the rollback is pushed on the next reconcile');
    assert.equal(s.traffic.lastCanaryWeight(), 0);
  });
});

describe('rollout controller: commands', () => {
  it('promote skips a pause, --full skips to promotion; abort and retry', async () => {
    const s = setup();
    await s.controller.sync(modelOf(policy('  - setWeight: 10\n  - pause: {}\n  - setWeight: 30\n  - pause: {}\n  - setWeight: 60', '  promotion: {mode: none}')), 'r1');
    await s.controller.reconcile();
    assert.equal(status(s).step, 2);
    let r = await s.controller.command('shop/reviews', 'promote');
    assert.equal(r.ok, true);
    assert.equal(r.status?.step, 4);
    assert.equal(r.status?.canaryWeight, 30);

    r = await s.controller.command('reviews', 'abort');
    assert.deepEqual([r.ok, r.status?.phase, r.status?.canaryWeight], [true, 'Degraded', 0]);
    assert.equal((await s.controller.command('reviews', 'promote')).message, 'shop/reviews is aborted; retry it first');
    assert.equal((await s.controller.command('reviews', 'abort')).ok, false);

    r = await s.controller.command('reviews', 'retry');
    assert.deepEqual([r.ok, r.status?.phase, r.status?.step, r.status?.canaryWeight], [true, 'Paused', 2, 10]);
    r = await s.controller.command('reviews', 'promote', { full: true });
    assert.deepEqual([r.ok, r.status?.phase, r.status?.canaryWeight], [true, 'Healthy', 100]);
    assert.equal((await s.controller.command('reviews', 'retry')).ok, false);
    assert.equal((await s.controller.command('nope', 'abort')).message, 'no rollout named nope (rollouts: shop/reviews)');
    const commands = s.journal.records().flatMap((x) => (x.type === 'command' ? [x.command] : []));
    assert.deepEqual(commands, ['promote', 'abort', 'promote', 'abort', 'retry', 'promote --full', 'retry']);
  });

  it('start restarts a rollout from step 1', async () => {
    const s = setup();
    await s.controller.sync(modelOf(policy('  - setWeight: 10\n  - pause: {}', '  promotion: {mode: none}')), 'r1');
    await s.controller.reconcile();
    await s.controller.command('reviews', 'promote');
    assert.equal(status(s).phase, 'Healthy');
    const r = await s.controller.command('reviews', 'start');
    assert.deepEqual([r.ok, r.status?.phase, r.status?.step], [true, 'Paused', 2]);
  });

  it('start serves weight 0 at once, even when step 1 does not change traffic', async () => {
    const s = setup();
    await s.controller.sync(modelOf(policy('  - pause: {duration: 1h}\n  - setWeight: 50', '  promotion: {mode: none}')), 'r1');
    await s.controller.reconcile();
    await s.controller.command('reviews', 'promote', { full: true });
    assert.equal(status(s).phase, 'Healthy');
    assert.equal(s.traffic.lastCanaryWeight(), 100);
    const r = await s.controller.command('reviews', 'start');
    assert.deepEqual([r.ok, r.status?.phase, r.status?.step, r.status?.canaryWeight], [true, 'Paused', 1, 0]);
    // the proxies must not keep 100% on the canary for the hour the status says 0%
    assert.equal(s.traffic.lastCanaryWeight(), 0);
  });
});

describe('rollout controller: policy changes', () => {
  it('a changed Rollout or canary subset starts a new rollout; an unchanged policy does not', async () => {
    const s = setup();
    const yaml = policy('  - setWeight: 10\n  - pause: {}');
    await s.controller.sync(modelOf(yaml), 'r1');
    await s.controller.reconcile();
    await s.controller.sync(modelOf(yaml + '\n# a comment\n'), 'r2');
    assert.equal(status(s).step, 2);
    await s.controller.sync(modelOf(yaml.replace('labels: {version: v2}', 'labels: {version: v3}')), 'r3');
    assert.equal(status(s).step, 1);
    assert.match(status(s).reason, /the Rollout or its canary subset changed in revision r3: a new rollout starts/);
    await s.controller.sync(modelOf(meshYaml({ v1: 100, v2: 0 })), 'r4');
    assert.deepEqual(s.controller.status(), []);
    assert.deepEqual(s.controller.overlays(), []);
    assert.deepEqual(s.traffic.pushes.at(-1), []);
  });
});

describe('rollout controller: promotion to Git', () => {
  it('commits 100% to the canary, and is Healthy once that commit is served; the overlay goes away', async () => {
    const yaml = policy('  - setWeight: 50');
    const repo = new MemoryRepo({ 'mesh.yaml': yaml });
    const s = setup({ repo });
    await s.controller.sync(modelOf(yaml), 'r1');
    await s.controller.reconcile();
    assert.equal(repo.commits.length, 1);
    assert.match(repo.commits[0]?.message ?? '', /^rollout shop\/reviews: promote v2 to 100%/);
    const written = repo.files['mesh.yaml'] ?? '';
    assert.match(written, /subset: v1\}\n {6}weight: 0 {3}# stable\n/, 'the comment stays');
    assert.match(written, /subset: v2\}\n {6}weight: 100\n/);
    assert.equal(status(s).phase, 'Progressing');
    assert.match(status(s).reason, /promotion committed as cccccccc; waiting until it is served/);
    // the commit is served
    await s.controller.sync(modelOf(written), repo.commits[0]?.sha ?? '');
    await s.controller.reconcile();
    assert.equal(status(s).phase, 'Healthy');
    assert.deepEqual(s.controller.overlays(), []);
    assert.deepEqual(s.traffic.pushes.at(-1), []);
  });

  it('opens a pull request in pull-request mode', async () => {
    const yaml = policy('  - setWeight: 50', '  promotion: {mode: pull-request}');
    const repo = new MemoryRepo({ 'mesh.yaml': yaml });
    const s = setup({ repo });
    await s.controller.sync(modelOf(yaml), 'r1');
    await s.controller.reconcile();
    assert.equal(repo.pullRequests.length, 1);
    assert.match(repo.pullRequests[0]?.branch ?? '', /^sluice\/promote-shop-reviews-/);
    assert.match(status(s).reason, /pull request opened \(https:\/\/github.example\/pull\/1\)/);
    assert.equal(status(s).canaryWeight, 100);
  });

  it('records a rollback in Git when asked', async () => {
    const yaml = policy('  - setWeight: 50\n  - analysis: {templates: [{templateName: success}]}', '  promotion: {mode: commit, recordRollback: true}', { v1: 90, v2: 10 });
    const repo = new MemoryRepo({ 'mesh.yaml': yaml });
    const s = setup({ repo, scripts: { success: ['F'] } });
    await s.controller.sync(modelOf(yaml), 'r1');
    await s.controller.reconcile();
    assert.equal(status(s).phase, 'Degraded');
    assert.equal(repo.commits.length, 1);
    assert.match(repo.commits[0]?.message ?? '', /^rollout shop\/reviews: rolled back at step 2 \(success = 0.8\)/);
    assert.match(repo.files['mesh.yaml'] ?? '', /weight: 100 {3}# stable/);
  });
});

describe('rollout controller: restart from the journal', () => {
  it('resumes a pause where it stopped: same step, same end, no step repeated or skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-journal-'));
    try {
      const path = join(dir, 'journal.jsonl');
      const yaml = policy('  - setWeight: 10\n  - pause: {duration: 30s}\n  - setWeight: 40\n  - analysis: {templates: [{templateName: success}]}', '  promotion: {mode: none}');
      const clock = new ManualClock();
      const first = setup({ journal: new FileJournal(path), clock });
      await first.controller.sync(modelOf(yaml), 'r1');
      await run(first, 10_000, 1_000);
      // setWeight 10 was pushed and ACKed at 10:00:01: the pause ends 30 s later
      assert.match(status(first).reason, /paused until 2026-11-23T10:00:31.000Z/);
      first.journal.close(); // the process dies here

      const traffic = new FakeTrafficPlane();
      const second = setup({ journal: new FileJournal(path), clock, traffic });
      // before the policy loads, the overlays are known from the journal (served to reconnecting proxies)
      assert.deepEqual(second.controller.overlays()[0]?.weights, { v1: 90, v2: 10 });
      await second.controller.sync(modelOf(yaml), 'r1');
      await second.controller.reconcile();
      assert.equal(status(second).step, 2);
      assert.match(status(second).reason, /paused until 2026-11-23T10:00:31.000Z/);
      assert.deepEqual(traffic.pushes, [], 'nothing re-pushed: the weights did not change');
      await run(second, 20_000, 1_000);
      assert.equal(status(second).step, 2, 'at 10:00:30 still pausing');
      await run(second, 1_000, 1_000);
      assert.equal(status(second).step, 4);
      await run(second, 2_000, 1_000);
      assert.equal(status(second).phase, 'Healthy');
      second.journal.close();

      const began = new FileJournal(path);
      const starts = began.records().flatMap((r) => (r.type === 'transition' && / began/.test(r.reason) ? [r.step] : []));
      assert.deepEqual(starts, [0, 1, 2, 3], 'each step began exactly once');
      began.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resumes an analysis with its counters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-journal-'));
    try {
      const path = join(dir, 'journal.jsonl');
      const yaml = policy('  - setWeight: 10\n  - analysis: {templates: [{templateName: success}]}', '  promotion: {mode: none}');
      const clock = new ManualClock();
      const first = setup({ journal: new FileJournal(path), clock });
      await first.controller.sync(modelOf(yaml), 'r1');
      await first.controller.reconcile();
      assert.equal(first.journal.records().filter((r) => r.type === 'measurement').length, 1);
      first.journal.close();
      const second = setup({ journal: new FileJournal(path), clock });
      await second.controller.sync(modelOf(yaml), 'r1');
      await run(second, 1_000, 1_000);
      assert.deepEqual(second.analysis.resumed, ['success']);
      assert.deepEqual(second.analysis.started, []);
      assert.equal(status(second).phase, 'Healthy', 'the second success completes the count of 2');
      second.journal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
