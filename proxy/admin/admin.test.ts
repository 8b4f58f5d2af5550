import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS as T } from '../../compiler/xds/index.ts';
import { startServer } from '../testing/harness.ts';
import type { Harness } from '../testing/harness.ts';
import { apiListener, cluster, endpoints, ENVOY_DEFAULT, routeConfig, snapshotOf } from '../testing/resources.ts';
import { ControlPlaneMetrics } from './metrics.ts';
import { AdminServer, splitAddress } from './server.ts';
import { textLogger } from './text-logger.ts';

describe('admin HTTP server', () => {
  let h: Harness;
  let metrics: ControlPlaneMetrics;
  let admin: AdminServer;
  let base: string;
  before(async () => {
    h = await startServer();
    metrics = new ControlPlaneMetrics({ registry: h.server.registry, cache: h.cache });
    admin = new AdminServer({ registry: h.server.registry, cache: h.cache, metrics });
    base = `http://${await admin.listen('127.0.0.1:0')}`;
  });
  after(async () => {
    await admin.close();
    metrics.close();
    await h.close();
  });
  const get = async (path: string) => {
    const r = await fetch(base + path);
    return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
  };

  it('is healthy at once and ready only once a snapshot is published (503 with the reason before)', async () => {
    assert.equal((await get('/healthz')).status, 200);
    const before = await get('/readyz');
    assert.equal(before.status, 503);
    assert.match(JSON.parse(before.text).reason, /no snapshot/);
    h.cache.setSnapshot(ENVOY_DEFAULT.key, snapshotOf('r1', [cluster('a'), endpoints('a'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')]));
    assert.equal((await get('/readyz')).status, 200);
  });

  it('lists proxies, snapshots and metrics after a proxy connects, is pushed to, ACKs and NACKs', async () => {
    const c = h.sotw({ id: 'envoy-1' });
    c.subscribe(T.cluster, ['*']);
    c.ack(await c.nextOf(T.cluster));
    c.subscribe(T.listener, ['*']);
    const lds = await c.nextOf(T.listener);
    c.nack(lds, { code: 3, message: 'bad listener' });
    await h.until(() => h.server.registry.status().proxies[0]?.types.some((t) => t.lastNack) ?? false);

    const proxies = JSON.parse((await get('/debug/proxies')).text);
    assert.equal(proxies.proxies[0].nodeId, 'envoy-1');
    assert.equal(proxies.proxies[0].flavor, 'envoy');
    assert.equal(proxies.truncated, 0);
    const snapshots = JSON.parse((await get('/debug/snapshots')).text).snapshots;
    assert.equal(snapshots[0].classKey, ENVOY_DEFAULT.key);
    assert.deepEqual(snapshots[0].resources, { cds: 1, eds: 1, lds: 1, rds: 1 });

    const m = await get('/metrics');
    assert.equal(m.status, 200);
    assert.match(m.type, /text\/plain/);
    for (const name of [
      'sluice_xds_connected_proxies{flavor="envoy"} 1',
      'sluice_xds_pushes_total{type="cds"} 1',
      'sluice_xds_rejects_total{type="lds"} 1',
      'sluice_xds_push_time_seconds_bucket',
      'sluice_proxy_convergence_time_bucket',
      `sluice_xds_config_size_bytes{class="${ENVOY_DEFAULT.key}"}`,
      'sluice_snapshot_last_publish_timestamp_seconds',
      'sluice_compile_errors_total{stage="validate"} 0',
    ])
      assert.ok(m.text.includes(name), `${name} in\n${m.text}`);
    c.close();
    await h.until(() => h.server.registry.status().proxies.length === 0);
    assert.match(await metrics.text(), /sluice_xds_connected_proxies\{flavor="envoy"\} 0/);
  });

  it('answers unknown paths and methods with JSON errors, never a stack', async () => {
    const missing = await get('/debug/nothing');
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.text).error, 'not found');
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.doesNotMatch(await post.text(), /at .*\.ts/);
  });

  it('parses host:port addresses', () => {
    assert.deepEqual(splitAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(splitAddress('[::1]:15014'), { host: '::1', port: 15014 });
    assert.throws(() => splitAddress('localhost'));
  });

  it('writes text log lines', () => {
    const lines: string[] = [];
    textLogger({ write: (l) => lines.push(l), now: () => new Date(0) }).warn('a: b', { file: 'x.yaml', n: 2, s: 'two words' });
    assert.deepEqual(lines, ['1970-01-01T00:00:00.000Z WARN  a: b file=x.yaml n=2 s="two words"\n']);
  });
});
