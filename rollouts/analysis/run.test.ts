import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisRun } from './run.ts';
import { FakeClock, metric, ScriptedProvider } from './testing.ts';
import type { AnalysisRunState, Measurement, ResolvedMetric } from './types.ts';

/** Ticks at every due time until the run is over (or `limit` ticks); returns every measurement. */
async function drive(run: AnalysisRun, clock: FakeClock, limit = 100): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (let i = 0; i < limit; i++) {
    const due = run.nextDueAt();
    if (due === undefined) break;
    if (due > clock.ms) clock.ms = due;
    out.push(...(await run.tick()));
  }
  return out;
}

function setup(metrics: ResolvedMetric[], provider: ScriptedProvider) {
  const clock = new FakeClock();
  const seen: Measurement[] = [];
  const run = new AnalysisRun({ metrics, providerFor: () => provider, now: clock.now, onMeasurement: (m) => seen.push(m) });
  return { clock, run, seen };
}

describe('AnalysisRun: failureLimit boundary', () => {
  const bad = [0.5];
  const good = [0.99];
  it('failureLimit: 2 tolerates 2 failed measurements and completes Successful', async () => {
    const p = new ScriptedProvider().script('sr', bad, good, bad, good, good);
    const { run, clock } = setup([metric('sr', { successCondition: 'result[0] >= 0.95', failureLimit: 2, count: 5 })], p);
    const taken = await drive(run, clock);
    assert.deepEqual(taken.map((m) => m.phase), ['Failed', 'Successful', 'Failed', 'Successful', 'Successful']);
    assert.equal(run.phase(), 'Successful');
  });
  it('failureLimit: 2 fails on the third failed measurement and stops measuring', async () => {
    const p = new ScriptedProvider().script('sr', bad, good, bad, bad, good);
    const { run, clock } = setup([metric('sr', { successCondition: 'result[0] >= 0.95', failureLimit: 2, count: 5 })], p);
    const taken = await drive(run, clock);
    assert.equal(taken.length, 4);
    assert.equal(run.phase(), 'Failed');
    assert.equal(run.nextDueAt(), undefined);
    assert.match(run.reason(), /metric sr is Failed: result 0\.5 did not meet successCondition `result\[0\] >= 0\.95`; measured at 2026-11-21T08:00:30\.000Z \(3 failed, 0 inconclusive, 0 consecutive errors of 4 measured\)$/);
  });
  it('failureLimit: 0 (the default) fails on the first failure', async () => {
    const p = new ScriptedProvider().script('sr', bad);
    const { run, clock } = setup([metric('sr', { successCondition: 'result[0] >= 0.95', count: 3 })], p);
    await drive(run, clock);
    assert.equal(run.phase(), 'Failed');
    assert.equal(p.asked.length, 1);
  });
});

describe('AnalysisRun: measurement verdicts', () => {
  const cases: [string, Partial<ResolvedMetric>, number[], string][] = [
    ['failure wins over success', { successCondition: 'result[0] > 0', failureCondition: 'result[0] > 1' }, [2], 'Failed'],
    ['neither condition true is Inconclusive', { successCondition: 'result[0] > 5', failureCondition: 'result[0] < 1' }, [2], 'Inconclusive'],
    ['only a failure condition, false, is Successful', { failureCondition: 'result[0] > 1' }, [0.5], 'Successful'],
    ['no condition is Inconclusive', {}, [1], 'Inconclusive'],
    ['an index past the end is Error', { successCondition: 'result[3] > 0' }, [1], 'Error'],
    ['a non-boolean condition is Error', { successCondition: 'result[0] + 1' }, [1], 'Error'],
  ];
  for (const [name, conditions, value, phase] of cases) {
    it(name, async () => {
      const p = new ScriptedProvider().script('m', value);
      const { run } = setup([metric('m', { count: 1, ...conditions })], p);
      const [m] = await run.tick();
      assert.equal(m?.phase, phase);
    });
  }
  it('a metric with no condition never passes the run', async () => {
    const p = new ScriptedProvider().script('m', [1]);
    const { run, clock } = setup([metric('m', { count: 3, inconclusiveLimit: 3 })], p);
    await drive(run, clock);
    assert.equal(run.phase(), 'Inconclusive');
  });
});

describe('AnalysisRun: schedule', () => {
  it('waits initialDelay, then measures every interval, count times', async () => {
    const p = new ScriptedProvider().script('m', [1]);
    const { run, clock, seen } = setup([metric('m', { successCondition: 'result[0] == 1', count: 3, initialDelayMs: 30_000 })], p);
    assert.equal(run.phase(), 'Pending');
    assert.equal(run.nextDueAt(), clock.ms + 30_000);
    assert.deepEqual(await run.tick(), []);
    await drive(run, clock);
    assert.deepEqual(seen.map((m) => m.startedAt), ['2026-11-21T08:00:30.000Z', '2026-11-21T08:00:40.000Z', '2026-11-21T08:00:50.000Z']);
    assert.equal(run.phase(), 'Successful');
  });
  it('without an interval or count, measures once', async () => {
    const p = new ScriptedProvider().script('m', [1]);
    const { run, clock } = setup([metric('m', { successCondition: 'result[0] == 1', intervalMs: undefined })], p);
    await drive(run, clock);
    assert.equal(p.asked.length, 1);
    assert.equal(run.phase(), 'Successful');
  });
  it('with an interval and no count, runs until terminated', async () => {
    const p = new ScriptedProvider().script('m', [1]);
    const { run, clock } = setup([metric('m', { successCondition: 'result[0] == 1' })], p);
    await drive(run, clock, 20);
    assert.equal(p.asked.length, 20);
    assert.equal(run.phase(), 'Running');
    run.terminate();
    assert.equal(run.phase(), 'Successful');
    assert.equal(run.nextDueAt(), undefined);
  });
  it('consecutiveSuccessLimit completes a metric early', async () => {
    const p = new ScriptedProvider().script('m', [0], [1], [1], [1]);
    const { run, clock } = setup([metric('m', { successCondition: 'result[0] == 1', failureLimit: 1, consecutiveSuccessLimit: 3 })], p);
    await drive(run, clock);
    assert.equal(p.asked.length, 4);
    assert.equal(run.phase(), 'Successful');
  });
});

describe('AnalysisRun: errors', () => {
  it('consecutiveErrorLimit 4 (default): the fifth consecutive error makes the metric Error; errors retry after 10 s', async () => {
    const p = new ScriptedProvider().script('m', new Error('connection refused'));
    const { run, clock, seen } = setup([metric('m', { successCondition: 'result[0] == 1', count: 3, intervalMs: 60_000 })], p);
    await drive(run, clock);
    assert.equal(seen.length, 5);
    assert.equal(run.phase(), 'Error');
    assert.equal(Date.parse(seen[1]?.startedAt ?? '') - Date.parse(seen[0]?.startedAt ?? ''), 10_000);
    assert.match(run.reason(), /connection refused/);
  });
  it('a provider that cannot be made is an Error measurement, not a crash', async () => {
    const clock = new FakeClock();
    const run = new AnalysisRun({ metrics: [metric('m', { successCondition: 'result[0] == 1', count: 1 })], providerFor: () => { throw new Error('no provider for m'); }, now: clock.now });
    const [m] = await run.tick();
    assert.equal(m?.phase, 'Error');
    assert.match(m?.message ?? '', /no provider for m/);
  });
  it('a good measurement resets the consecutive error count; errors do not count toward count', async () => {
    const e = new Error('timeout');
    const p = new ScriptedProvider().script('m', e, e, e, e, [1], e, e, e, e, [1], [1]);
    const { run, clock } = setup([metric('m', { successCondition: 'result[0] == 1', count: 3 })], p);
    await drive(run, clock);
    assert.equal(p.asked.length, 11);
    assert.equal(run.phase(), 'Successful');
  });
  it('inconclusiveLimit: 1 tolerates one Inconclusive measurement, not two', async () => {
    const cond = { successCondition: 'result[0] > 5', failureCondition: 'result[0] < 1' };
    const once = setup([metric('m', { ...cond, count: 3, inconclusiveLimit: 1 })], new ScriptedProvider().script('m', [2], [6], [6]));
    await drive(once.run, once.clock);
    assert.equal(once.run.phase(), 'Successful');
    const twice = setup([metric('m', { ...cond, count: 3, inconclusiveLimit: 1 })], new ScriptedProvider().script('m', [2], [6], [2]));
    await drive(twice.run, twice.clock);
    assert.equal(twice.run.phase(), 'Inconclusive');
  });
});

describe('AnalysisRun: no data', () => {
  const sr = { successCondition: 'result[0] >= 0.95', count: 3, noDataBudgetMs: 30_000 };
  it('holds on no data, then fails when the budget is spent — never Successful', async () => {
    const p = new ScriptedProvider().script('m', []);
    const { run, clock, seen } = setup([metric('m', sr)], p);
    await drive(run, clock);
    assert.deepEqual(seen.map((m) => [m.phase, m.noData]), [['Inconclusive', true], ['Inconclusive', true], ['Inconclusive', true], ['Failed', true]]);
    assert.equal(run.phase(), 'Failed');
    assert.match(run.reason(), /no data for 30s .*no-data budget of 30s/);
  });
  it('while holding, the run stays Running and no-data measurements do not use up count', async () => {
    const p = new ScriptedProvider().script('m', [], [], [0.99], [0.99], [0.99]);
    const { run, clock } = setup([metric('m', sr)], p);
    await run.tick();
    assert.equal(run.phase(), 'Running');
    await drive(run, clock);
    assert.equal(p.asked.length, 5);
    assert.equal(run.phase(), 'Successful');
  });
  it('an all-NaN result is no data, even for a condition that accepts NaN', async () => {
    const p = new ScriptedProvider().script('m', [NaN]);
    const { run, clock } = setup([metric('m', { ...sr, successCondition: 'isNaN(result[0]) || result[0] >= 0.95' })], p);
    await drive(run, clock);
    assert.equal(run.phase(), 'Failed');
  });
  it('+Inf or NaN in a result can fail a metric but never pass it: such a pass is held, then fails', async () => {
    for (const [condition, result] of [
      [{ successCondition: 'result[0] >= 0.95' }, [Infinity]],
      [{ failureCondition: 'result[0] > 0.05' }, [NaN, 0.01]],
      [{ successCondition: 'result[1] >= 0.95' }, [-Infinity, 0.99]],
    ] as const) {
      const p = new ScriptedProvider().script('m', [...result]);
      const { run, clock, seen } = setup([metric('m', { count: 3, noDataBudgetMs: 30_000, ...condition })], p);
      await drive(run, clock);
      assert.equal(run.phase(), 'Failed', JSON.stringify(condition));
      assert.ok(seen.every((m) => m.phase !== 'Successful' && m.noData === true), JSON.stringify(seen));
      assert.match(seen[0]?.message ?? '', /holding: the conditions passed a result that is not all finite numbers/);
    }
    // A failure on +Inf (p99 above the highest bucket) is decided at once.
    const p = new ScriptedProvider().script('m', [Infinity]);
    const { run, clock } = setup([metric('m', { ...sr, successCondition: 'result[0] <= 500' })], p);
    await drive(run, clock);
    assert.equal(run.phase(), 'Failed');
    assert.equal(p.asked.length, 1);
  });
  it('data resets the budget: a new streak starts from its own first no-data measurement', async () => {
    const p = new ScriptedProvider().script('m', [], [], [0.99], [], [], [0.99], [0.99]);
    const { run, clock } = setup([metric('m', { ...sr, count: 3, noDataBudgetMs: 25_000 })], p);
    await drive(run, clock);
    assert.equal(run.phase(), 'Successful');
  });
  it('a metric measured once retries on no data every 10 s within its budget', async () => {
    const p = new ScriptedProvider().script('m', [], [], [1]);
    const { run, clock, seen } = setup([metric('m', { successCondition: 'result[0] == 1', intervalMs: undefined, noDataBudgetMs: 60_000 })], p);
    await drive(run, clock);
    assert.deepEqual(seen.map((m) => m.startedAt.slice(11, 19)), ['08:00:00', '08:00:10', '08:00:20']);
    assert.equal(run.phase(), 'Successful');
  });
});

describe('AnalysisRun: several metrics, dry run, resume', () => {
  it('failure of one metric ends the run and stops the others', async () => {
    const p = new ScriptedProvider().script('a', [1]).script('b', [1], [0]);
    const { run, clock } = setup([metric('a', { successCondition: 'result[0] == 1', count: 5 }), metric('b', { successCondition: 'result[0] == 1', count: 5 })], p);
    await drive(run, clock);
    assert.equal(run.phase(), 'Failed');
    assert.deepEqual(p.asked, ['a', 'b', 'a', 'b']);
    assert.match(run.reason(), /^metric b is Failed/);
  });
  it('an analysis of dry-run metrics only runs until they are measured, then passes whatever they found', async () => {
    const p = new ScriptedProvider().script('dry', [0]);
    const { run, clock, seen } = setup([metric('dry', { successCondition: 'result[0] == 1', count: 2, failureLimit: 5, dryRun: true })], p);
    await run.tick();
    assert.equal(run.phase(), 'Running');
    await drive(run, clock);
    assert.deepEqual(seen.map((m) => [m.phase, m.dryRun]), [['Failed', true], ['Failed', true]]);
    assert.equal(run.phase(), 'Successful');
    assert.match(run.reason(), /^every metric passed: dry \(dry run\) 0\/2 successful, last 0 at /);
  });
  it('an analysis without metrics is Inconclusive, never Successful', async () => {
    const { run } = setup([], new ScriptedProvider());
    assert.equal(run.phase(), 'Inconclusive');
    assert.equal(run.nextDueAt(), undefined);
    assert.equal(run.reason(), 'the analysis has no metrics');
  });
  it('a dry-run metric is recorded but never fails the run', async () => {
    const p = new ScriptedProvider().script('a', [1]).script('dry', [0]);
    const { run, clock, seen } = setup([metric('a', { successCondition: 'result[0] == 1', count: 2 }), metric('dry', { successCondition: 'result[0] == 1', count: 2, dryRun: true })], p);
    await drive(run, clock);
    assert.equal(run.phase(), 'Successful');
    assert.ok(seen.some((m) => m.metric === 'dry' && m.phase === 'Failed' && m.dryRun === true));
  });
  it('a run restarted from state() after any tick measures exactly what an uninterrupted run does', async () => {
    const metrics = [
      metric('a', { successCondition: 'result[0] >= 0.95', failureLimit: 2, inconclusiveLimit: 1, count: 8, initialDelayMs: 5_000, noDataBudgetMs: 25_000 }),
      metric('b', { successCondition: 'result[0] < 5', failureCondition: 'result[0] > 8', intervalMs: 7_000, consecutiveErrorLimit: 2, inconclusiveLimit: 3, count: 7 }),
    ];
    const script = () =>
      new ScriptedProvider()
        .script('a', [0.99], [0.5], [], [NaN], [0.99], new Error('boom'), [0.5], [0.99], [], [0.99], [0.99])
        .script('b', [1], [6], new Error('x'), new Error('y'), [1], [1], [6], [1], [1]);
    const shape = (ms: Measurement[]) => ms.map((m) => `${m.metric} ${m.startedAt} ${m.phase} ${JSON.stringify(m.value)} ${m.message ?? ''}`);
    const whole = setup(metrics, script());
    const expected = shape(await drive(whole.run, whole.clock));
    assert.ok(expected.length > 8, 'the script exercises the run');
    for (let k = 1; k < expected.length; k++) {
      const p = script();
      const first = setup(metrics, p);
      const before = await drive(first.run, first.clock, k);
      const clock = new FakeClock(first.clock.ms);
      const resumed = new AnalysisRun({ metrics, providerFor: () => p, now: clock.now, state: JSON.parse(JSON.stringify(first.run.state())) as AnalysisRunState });
      const after = await drive(resumed, clock);
      assert.deepEqual(shape([...before, ...after]), expected, `restarted after tick ${k}`);
      assert.equal(resumed.phase(), whole.run.phase());
      assert.equal(resumed.reason(), whole.run.reason());
    }
  });
  it('resumes from state(): counters, due times and the no-data streak survive a restart', async () => {
    const p = new ScriptedProvider().script('m', [0.5], [], [], []);
    const metrics = [metric('m', { successCondition: 'result[0] >= 0.95', failureLimit: 1, count: 5, noDataBudgetMs: 20_000 })];
    const first = setup(metrics, p);
    await first.run.tick();
    first.clock.advance(10_000);
    await first.run.tick();
    const saved = JSON.parse(JSON.stringify(first.run.state()));
    const clock = new FakeClock(first.clock.ms + 10_000);
    const resumed = new AnalysisRun({ metrics, providerFor: () => p, now: clock.now, state: saved });
    assert.equal(resumed.nextDueAt(), first.clock.ms + 10_000);
    await resumed.tick();
    assert.equal(resumed.phase(), 'Running');
    clock.advance(10_000);
    await resumed.tick();
    assert.equal(resumed.phase(), 'Failed');
    assert.match(resumed.reason(), /no data for 20s/);
  });
});

describe('AnalysisRun: judges', () => {
  const judged = (test: 'mann-whitney' | 'proportions', minSamples = 5) =>
    metric('judge', { query: 'canary', count: 1, intervalMs: undefined, successCondition: 'result[0] >= 0.01', failureCondition: 'result[0] < 0.01', judge: { test, baselineQuery: 'stable', direction: 'increase', minSamples } });
  it('mann-whitney: the value is [p, canary median, baseline median]; a higher canary fails', async () => {
    const p = new ScriptedProvider().script('canary', [5, 6, 7, 8, 9, 10]).script('stable', [1, 2, 3, 4, 2, 1]);
    const { run } = setup([judged('mann-whitney')], p);
    const [m] = await run.tick();
    assert.equal(m?.phase, 'Failed');
    const [pValue, canary, stable] = m?.value as number[];
    assert.ok((pValue as number) < 0.01);
    assert.deepEqual([canary, stable], [7.5, 2]);
    assert.equal(m?.query, 'canary  vs  stable');
  });
  it('mann-whitney: too few samples is no data', async () => {
    const p = new ScriptedProvider().script('canary', [5, 6, NaN]).script('stable', [1, 2, 3, 4, 2, 1]);
    const { run } = setup([judged('mann-whitney')], p);
    const [m] = await run.tick();
    assert.equal(m?.noData, true);
    assert.match(m?.message ?? '', /too few samples to judge: canary 2, baseline 6, need 5 each/);
  });
  it('proportions: [errors, requests] in either order; a canary erring more fails, an equal one passes', async () => {
    const p = new ScriptedProvider().script('canary', [200, 10], [200, 2]).script('stable', [18, 1800]);
    const bad = setup([judged('proportions')], p);
    const [m] = await bad.run.tick();
    assert.equal(m?.phase, 'Failed');
    assert.deepEqual((m?.value as number[]).slice(1), [0.05, 0.01]);
    const good = setup([judged('proportions')], p);
    assert.equal((await good.run.tick())[0]?.phase, 'Successful');
  });
  it('proportions: too few requests, or no request series, is no data; more than two values is an Error', async () => {
    const few = setup([judged('proportions', 100)], new ScriptedProvider().script('canary', [0, 50]).script('stable', [18, 1800]));
    assert.match((await few.run.tick())[0]?.message ?? '', /too few requests to judge: canary 50/);
    const none = setup([judged('proportions')], new ScriptedProvider().script('canary', [0]).script('stable', [18, 1800]));
    assert.equal((await none.run.tick())[0]?.noData, true);
    const many = setup([judged('proportions')], new ScriptedProvider().script('canary', [1, 2, 3]).script('stable', [18, 1800]));
    assert.equal((await many.run.tick())[0]?.phase, 'Error');
  });
});
