// `sluice measure` against a real Prometheus scraping prom-client metrics fed by the test:
// reviews.shop v1 healthy, v2 failing 20% of requests, v4 without traffic.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { istioMetrics, serveMetrics, startPrometheus } from '../../rollouts/testing/index.ts';
import type { MetricsEndpoint, TestPrometheus } from '../../rollouts/testing/index.ts';
import { CliError, UsageError } from '../errors.ts';
import { memoryContext } from '../testing.ts';
import { measureCommand } from './measure.ts';

let prom: TestPrometheus;
let endpoint: MetricsEndpoint;
let feed: NodeJS.Timeout;
let dir: string;

before(async () => {
  const registry = new Registry();
  const istio = istioMetrics(registry);
  const traffic = () => {
    for (let i = 0; i < 10; i++) {
      istio.record({ service: 'reviews', namespace: 'shop', version: 'v1' }, { status: 200, ms: 20 });
      istio.record({ service: 'reviews', namespace: 'shop', version: 'v2' }, { status: i < 2 ? 503 : 200, ms: 20 });
    }
  };
  traffic();
  feed = setInterval(traffic, 100);
  endpoint = await serveMetrics(registry);
  prom = await startPrometheus({ targets: [{ address: endpoint.address }] });
  await prom.waitForTargetsUp();
  await prom.waitForScrapes(6);
  dir = mkdtempSync(join(tmpdir(), 'sluice-measure-'));
  writeFileSync(
    join(dir, 'template.yaml'),
    `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: volume, namespace: shop}
spec:
  args: [{name: version}]
  metrics:
  - name: requests
    interval: 1m
    count: 10
    successCondition: result[0] > 10
    provider:
      prometheus:
        query: sum(increase(istio_requests_total{destination_version="{{args.version}}"}[5s]))
`,
  );
});

after(async () => {
  clearInterval(feed);
  await prom?.dispose();
  await endpoint?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const builtin = (subset: string) => ['sluice-istio-success-rate', '--prometheus', prom.url, '--arg', 'service=reviews', '--arg', 'namespace=shop', '--arg', `subset=${subset}`, '--arg', 'window=5s'];

describe('sluice measure', () => {
  it('--list names every built-in template', async () => {
    const out = memoryContext();
    assert.equal(await measureCommand.run(['--list'], out.context), 0);
    assert.equal(out.stdout().trim().split('\n').length, 18);
    assert.match(out.stdout(), /^sluice-istio-success-rate +share of istio requests/m);
  });
  it('a healthy subset: exit 0 with the value and the condition that decided', async () => {
    const out = memoryContext();
    assert.equal(await measureCommand.run(builtin('v1'), out.context), 0);
    assert.match(out.stdout(), /^success-rate {2}Successful {2}1\n {2}result 1 met successCondition `result\[0\] >= 0\.99`\n {2}query: 1 - \(\(sum\(rate\(istio_requests_total\{reporter="destination",destination_service_namespace="shop",destination_service_name="reviews",destination_version="v1"/);
  });
  it('a failing subset: exit 1', async () => {
    const out = memoryContext();
    assert.equal(await measureCommand.run(builtin('v2'), out.context), 1);
    assert.match(out.stdout(), /^success-rate {2}Failed {2}0\.8\n {2}result 0\.8 did not meet successCondition/);
  });
  it('no traffic: held as no data, exit 1', async () => {
    const out = memoryContext();
    assert.equal(await measureCommand.run(builtin('v4'), out.context), 1);
    assert.match(out.stdout(), /^success-rate {2}no data \(held\) {2}no data\n {2}holding: the query returned no data/);
  });
  it('a template of the policy, by NAMESPACE/NAME, as JSON', async () => {
    const out = memoryContext();
    assert.equal(await measureCommand.run(['shop/volume', dir, '--prometheus', prom.url, '--arg', 'version=v1', '--format', 'json'], out.context), 0);
    const json = JSON.parse(out.stdout());
    assert.equal(json.ok, true);
    assert.equal(json.measurements[0].metric, 'requests');
    assert.equal(json.measurements[0].query, 'sum(increase(istio_requests_total{destination_version="v1"}[5s]))');
    assert.ok(json.measurements[0].value > 10);
  });
  it('an unknown template or a missing argument is exit 2 with the diagnostic; bad options are usage errors', async () => {
    const out = memoryContext();
    await assert.rejects(measureCommand.run(['nope', dir, '--prometheus', prom.url], out.context), (e: Error) => e instanceof CliError && /cannot measure nope: 1 problem above/.test(e.message));
    assert.match(out.stderr(), /SLU6007 the analysis names AnalysisTemplate nope in namespace default, which does not exist/);
    const missing = memoryContext();
    await assert.rejects(measureCommand.run(['shop/volume', dir, '--prometheus', prom.url], missing.context), CliError);
    assert.match(missing.stderr(), /SLU6008 .*`version`/);
    await assert.rejects(measureCommand.run(['shop/volume', dir, '--arg', 'version'], memoryContext().context), UsageError);
    await assert.rejects(measureCommand.run(['shop/volume', dir, '--arg', 'version=v1'], memoryContext().context), /names no Prometheus address: pass --prometheus/);
    await assert.rejects(measureCommand.run([], memoryContext().context), UsageError);
  });
});
