// The test Prometheus harness itself: targets with labels, targets changed while it runs,
// stop and start with the same port and data, cleanup.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { serveMetrics, startPrometheus } from './prometheus.ts';
import type { MetricsEndpoint, TestPrometheus } from './prometheus.ts';

const endpoints: MetricsEndpoint[] = [];
let prom: TestPrometheus | undefined;
after(async () => {
  await prom?.dispose();
  for (const e of endpoints) await e.close();
});

async function endpoint(value: number): Promise<MetricsEndpoint> {
  const registry = new Registry();
  new Counter({ name: 'harness_total', help: 'a counter', registers: [registry] }).inc(value);
  const e = await serveMetrics(registry);
  endpoints.push(e);
  return e;
}

const values = async (p: TestPrometheus, expr: string) =>
  ((await p.query(expr)).result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => [s.metric.version, Number(s.value[1])]);

describe('startPrometheus', () => {
  it('scrapes targets with their labels, follows target changes, survives stop/start, cleans up', async () => {
    const one = await endpoint(1);
    const two = await endpoint(2);
    prom = await startPrometheus({ targets: [{ address: one.address, labels: { version: 'v1' } }] });
    assert.match(prom.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await prom.waitForTargetsUp();
    assert.deepEqual(await values(prom, 'harness_total'), [['v1', 1]]);
    assert.ok(one.scrapes() >= 1);

    prom.setTargets([{ address: two.address, labels: { version: 'v2' } }]);
    await prom.waitForTargetsUp();
    await prom.waitForScrapes(1);
    assert.deepEqual(await values(prom, 'harness_total{version="v2"}'), [['v2', 2]]);

    await prom.stop();
    assert.equal(prom.running(), false);
    await assert.rejects(fetch(`${prom.url}/-/ready`));
    await prom.start();
    assert.equal(prom.running(), true);
    assert.deepEqual(await values(prom, 'max_over_time(harness_total{version="v1"}[5m])'), [['v1', 1]]);

    const dataDir = prom.dataDir;
    await prom.dispose();
    assert.equal(existsSync(dataDir), false);
    await prom.dispose();
  });
});
