// The Prometheus provider and the built-in golden-signal templates against a real
// Prometheus scraping prom-client metrics that this test feeds with steady traffic:
// reviews.shop v1 and v3 healthy (20 ms, no errors), v2 bad (20% server errors, 700 ms),
// v4 without traffic.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { buildModel } from '../../compiler/index.ts';
import { envoyMetrics, freePort, grpcServerMetrics, istioMetrics, serveMetrics, startPrometheus } from '../testing/index.ts';
import type { MetricsEndpoint, TestPrometheus, Workload } from '../testing/index.ts';
import { AnalysisRun, flattenResult, isUnavailable, prometheusProvider, resolveAnalysis } from './index.ts';
import type { Measurement, ResolvedMetric } from './index.ts';

const emptyModel = buildModel([]).model;
const at = (version: string): Workload => ({ service: 'reviews', namespace: 'shop', version });

let prom: TestPrometheus;
let endpoint: MetricsEndpoint;
let feed: NodeJS.Timeout;
/** v5 turns bad while a test watches it. */
let v5Fails = false;

before(async () => {
  const registry = new Registry();
  const grpc = grpcServerMetrics(registry);
  const istio = istioMetrics(registry);
  const envoy = envoyMetrics(registry);
  const traffic = () => {
    for (const version of ['v1', 'v2', 'v3', 'v5']) {
      for (let i = 0; i < 10; i++) {
        const bad = (version === 'v2' || (version === 'v5' && v5Fails)) && i < 2;
        const ms = version === 'v2' ? 700 : 20;
        istio.record(at(version), { status: bad ? 500 : 200, ms });
        envoy.record(at(version), { status: bad ? 503 : 200, ms });
        grpc.record(at(version), { grpcService: 'reviews.Reviews', method: 'Get', code: bad ? 13 : 0, seconds: ms / 1000 });
      }
    }
  };
  traffic();
  feed = setInterval(traffic, 100);
  endpoint = await serveMetrics(registry);
  prom = await startPrometheus({ targets: [{ address: endpoint.address }] });
  await prom.waitForTargetsUp();
  await prom.waitForScrapes(8);
});

after(async () => {
  clearInterval(feed);
  await prom?.dispose();
  await endpoint?.close();
});

/** Resolves a built-in template for `subset` and takes one measurement of each metric. */
async function measureOnce(templateName: string, subset: string, extra: Record<string, string> = {}): Promise<{ run: AnalysisRun; taken: Measurement[]; metrics: ResolvedMetric[] }> {
  const args = { service: 'reviews', namespace: 'shop', subset, window: '5s', 'min-requests': '5', count: '1', interval: '1s', prometheus: prom.url, ...extra };
  const { metrics, diagnostics } = resolveAnalysis(emptyModel, 'shop', { templates: [{ templateName, clusterScope: true }] }, args);
  assert.deepEqual(diagnostics, []);
  const run = new AnalysisRun({ metrics, providerFor: (m) => prometheusProvider(m.address ?? prom.url) });
  const taken = await run.tick();
  return { run, taken, metrics };
}

describe('prometheusProvider against a real Prometheus', () => {
  it('flattens scalars, vectors and matrices; special floats', async () => {
    const p = prometheusProvider(prom.url);
    assert.deepEqual(await p.query('scalar(vector(2.5))'), [2.5]);
    assert.deepEqual(await p.query('vector(1) + vector(2)'), [3]);
    assert.deepEqual(await p.query('absent_metric_that_does_not_exist'), []);
    const nan = await p.query('vector(0) / vector(0)');
    assert.equal(nan.length, 1);
    assert.ok(Number.isNaN(nan[0]));
    assert.deepEqual(await p.query('vector(1) / vector(0)'), [Infinity]);
    const matrix = await p.query('vector(7)[5s:1s]');
    assert.ok(matrix.length >= 5 && matrix.every((v) => v === 7), `matrix ${JSON.stringify(matrix)}`);
    const up = await p.query('up');
    assert.deepEqual(up, [1]);
  });
  it('a query Prometheus rejects is an error with its message, not "unavailable"', async () => {
    const p = prometheusProvider(prom.url);
    await assert.rejects(p.query('sum(rate(x[5m])'), (e: Error) => /Prometheus rejected the query \(bad_data\)/.test(e.message) && !isUnavailable(e));
    await assert.rejects(p.query('"a string"'), /a string result; a metric needs numbers/);
  });
  it('an address that is not an http(s) URL is a plain error (configuration), not "unavailable"', async () => {
    for (const address of ['prometheus:9090', 'not a url', '{{args.prometheus}}']) {
      await assert.rejects(prometheusProvider(address).query('up'), (e: Error) => !isUnavailable(e) && /is not a Prometheus address/.test(e.message), address);
    }
  });
  it('a Prometheus that hangs (no answer, or headers and then nothing) is "unavailable" after the time limit', async () => {
    // A socket that accepts and stalls: what a wedged Prometheus looks like from outside.
    const sockets = new Set<Socket>();
    let stallBody = false;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        if (stallBody) socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"status":');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const p = prometheusProvider(url, { timeoutMs: 300 });
      await assert.rejects(p.query('up'), (e: Error) => isUnavailable(e) && /unreachable: no answer within 300 ms/.test(e.message));
      stallBody = true;
      await assert.rejects(p.query('up'), (e: Error) => isUnavailable(e) && /no answer within 300 ms/.test(e.message));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  it('native histogram samples (Prometheus\' wire format) are a clear error, not a TypeError', () => {
    const h = { count: '2', sum: '0.5', buckets: [[0, '0.1', '0.2', '2']] };
    assert.throws(() => flattenResult({ resultType: 'vector', result: [{ metric: {}, histogram: [1700000000, h] }] }), /native histogram samples; .*histogram_quantile/);
    assert.throws(() => flattenResult({ resultType: 'matrix', result: [{ metric: {}, histograms: [[1700000000, h]] }] }), /native histogram samples/);
    assert.deepEqual(flattenResult({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], [2, '+Inf']] }] }), [1, Infinity]);
  });
  it('an address nothing listens on is "unavailable"', async () => {
    const p = prometheusProvider(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 2000 });
    await assert.rejects(p.query('up'), (e: Error) => isUnavailable(e) && /unreachable: ECONNREFUSED/.test(e.message));
  });
});

for (const family of ['istio', 'envoy', 'grpc'] as const) {
  describe(`built-in ${family} golden-signal templates on real scraped data`, () => {
    it('success rate: the healthy subset passes at 1, the bad one fails at 0.8', async () => {
      const good = await measureOnce(`sluice-${family}-success-rate`, 'v1');
      assert.equal(good.taken[0]?.phase, 'Successful', good.run.reason());
      assert.equal(good.taken[0]?.value, 1);
      const bad = await measureOnce(`sluice-${family}-success-rate`, 'v2');
      assert.equal(bad.run.phase(), 'Failed');
      assert.ok(Math.abs((bad.taken[0]?.value as number) - 0.8) < 1e-9, bad.run.reason());
      assert.match(bad.run.reason(), /did not meet successCondition `result\[0\] >= 0\.99`/);
    });
    it('error rate: 0 for the healthy subset, 0.2 for the bad one', async () => {
      const good = await measureOnce(`sluice-${family}-error-rate`, 'v1');
      assert.equal(good.taken[0]?.phase, 'Successful', good.run.reason());
      assert.equal(good.taken[0]?.value, 0);
      const bad = await measureOnce(`sluice-${family}-error-rate`, 'v2');
      assert.equal(bad.taken[0]?.phase, 'Failed');
      assert.ok(Math.abs((bad.taken[0]?.value as number) - 0.2) < 1e-9);
    });
    it('p99 latency in milliseconds: inside the bucket of the observed latency', async () => {
      const good = await measureOnce(`sluice-${family}-latency-p99`, 'v1');
      const fast = good.taken[0]?.value as number;
      assert.ok(fast > 10 && fast <= 25, `v1 p99 ${fast}`);
      assert.equal(good.taken[0]?.phase, 'Successful');
      const bad = await measureOnce(`sluice-${family}-latency-p99`, 'v2');
      const slow = bad.taken[0]?.value as number;
      assert.ok(slow > 500 && slow <= 1000, `v2 p99 ${slow}`);
      assert.equal(bad.taken[0]?.phase, 'Failed');
    });
    it('request volume; a subset without traffic is held as no data, not passed', async () => {
      const busy = await measureOnce(`sluice-${family}-request-volume`, 'v1');
      assert.equal(busy.taken[0]?.phase, 'Successful');
      assert.ok((busy.taken[0]?.value as number) > 100);
      for (const template of ['request-volume', 'success-rate', 'error-rate', 'latency-p99']) {
        const idle = await measureOnce(`sluice-${family}-${template}`, 'v4');
        assert.equal(idle.taken[0]?.phase, 'Inconclusive', template);
        assert.equal(idle.taken[0]?.noData, true, template);
        assert.equal(idle.run.phase(), 'Running', template);
      }
    });
    it('a minimum request count above the traffic holds the measurement as no data', async () => {
      const few = await measureOnce(`sluice-${family}-success-rate`, 'v1', { 'min-requests': '100000' });
      assert.equal(few.taken[0]?.noData, true);
    });
    it('the proportions judge: a canary erring more than stable fails, a healthy one passes, an idle one holds', async () => {
      const judge = { 'stable-subset': 'v1', window: '5s', 'min-requests': '20' };
      const bad = await measureOnce(`sluice-${family}-judge`, 'v2', judge);
      assert.equal(bad.run.phase(), 'Failed', bad.run.reason());
      const [p, canary, stable] = bad.taken[0]?.value as number[];
      assert.ok((p as number) < 1e-6, `p ${p}`);
      assert.ok(Math.abs((canary as number) - 0.2) < 1e-9 && stable === 0, `rates ${canary} ${stable}`);
      const good = await measureOnce(`sluice-${family}-judge`, 'v3', judge);
      assert.equal(good.run.phase(), 'Successful', good.run.reason());
      assert.deepEqual(good.taken[0]?.value, [1, 0, 0]);
      const idle = await measureOnce(`sluice-${family}-judge`, 'v4', judge);
      assert.equal(idle.taken[0]?.noData, true);
    });
    it('the latency judge (Mann-Whitney U on per-step p99): a slower canary fails, an equal one passes', async () => {
      const judge = { 'stable-subset': 'v1', window: '10s', step: '1s', 'sample-window': '3s', 'min-samples': '5' };
      const bad = await measureOnce(`sluice-${family}-latency-judge`, 'v2', judge);
      assert.equal(bad.run.phase(), 'Failed', bad.run.reason());
      const [p, canary, stable] = bad.taken[0]?.value as number[];
      assert.ok((p as number) < 0.01, `p ${p}`);
      assert.ok((canary as number) > 500 && (stable as number) < 25, `medians ${canary} ${stable}`);
      const good = await measureOnce(`sluice-${family}-latency-judge`, 'v3', judge);
      assert.equal(good.run.phase(), 'Successful', good.run.reason());
    });
  });
}

describe('an analysis over real time', () => {
  it('the proportions judge passes a healthy canary, then fails it once it starts erring', async () => {
    const { metrics } = resolveAnalysis(emptyModel, 'shop', { templates: [{ templateName: 'sluice-istio-judge', clusterScope: true }] }, {
      service: 'reviews', namespace: 'shop', subset: 'v5', 'stable-subset': 'v1', window: '3s', interval: '1s', count: '1000', prometheus: prom.url,
    });
    const seen: Measurement[] = [];
    const run = new AnalysisRun({ metrics, providerFor: (m) => prometheusProvider(m.address as string), onMeasurement: (m) => seen.push(m) });
    let flippedAt: number | undefined;
    while (run.nextDueAt() !== undefined && seen.length < 40) {
      await new Promise((r) => setTimeout(r, Math.max(0, (run.nextDueAt() as number) - Date.now())));
      await run.tick();
      if (flippedAt === undefined && seen.filter((m) => m.phase === 'Successful').length >= 3) {
        // Healthy so far: passed (or, on a slow machine, held for want of samples), never failed.
        assert.ok(seen.every((m) => m.phase === 'Successful' || m.noData === true), JSON.stringify(seen));
        v5Fails = true;
        flippedAt = Date.now();
      }
    }
    assert.equal(run.phase(), 'Failed', run.reason());
    const decisive = seen[seen.length - 1] as Measurement;
    assert.ok(Date.parse(decisive.startedAt) > (flippedAt as number));
    assert.ok(((decisive.value as number[])[1] as number) > 0, 'the canary error rate is above 0');
    assert.match(run.reason(), /^metric errors is Failed: result \[.*\] met failureCondition `result\[0\] < 0\.0005`/);
  });
});

describe('no data when Prometheus is stopped', () => {
  it('holds while Prometheus is down, fails when the budget is spent, and measures again after a restart', async () => {
    const { metrics } = resolveAnalysis(emptyModel, 'shop', { templates: [{ templateName: 'sluice-istio-success-rate', clusterScope: true }] }, {
      service: 'reviews', namespace: 'shop', subset: 'v1', window: '5s', 'min-requests': '5', count: '3', interval: '1s', prometheus: prom.url,
    });
    const held = metrics.map((m) => ({ ...m, noDataBudgetMs: 60_000 }));
    let clock = Date.now();
    const run = new AnalysisRun({ metrics: held, providerFor: (m) => prometheusProvider(m.address as string, { timeoutMs: 2000 }), now: () => clock });
    await prom.stop();
    const first = await run.tick();
    assert.equal(first[0]?.phase, 'Inconclusive');
    assert.equal(first[0]?.noData, true);
    assert.match(first[0]?.message ?? '', /holding: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    clock += 30_000;
    await run.tick();
    assert.equal(run.phase(), 'Running');
    clock += 30_000;
    await run.tick();
    assert.equal(run.phase(), 'Failed');
    assert.match(run.reason(), /no data for 1m .*budget of 1m/);

    await prom.start();
    await prom.waitForTargetsUp();
    await prom.waitForScrapes(6);
    const again = await measureOnce('sluice-istio-success-rate', 'v1');
    assert.equal(again.taken[0]?.phase, 'Successful', again.run.reason());
  });
});
