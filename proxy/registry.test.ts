import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS as T } from '../compiler/xds/index.ts';
import type { ClassConvergedEvent, ProxyConvergedEvent, ProxyStatus } from './registry.ts';
import type { SotwClient } from './testing/client.ts';
import { startServer } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';
import { apiListener, cluster, endpoints, routeConfig, snapshotOf } from './testing/resources.ts';
import { proxyClass } from '../compiler/index.ts';
import type { DiscoveryResponse } from './wire/index.ts';

const base = () => [cluster('a'), cluster('b'), endpoints('a'), endpoints('b'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')];

/** A class of its own per test, so tests do not see each other's proxies. */
let classes = 0;
function freshClass() {
  const namespace = `ns${++classes}`;
  return { namespace, proxy: proxyClass('envoy', namespace), metadata: { NAMESPACE: namespace } };
}

async function connect(h: Harness, id: string, metadata: Record<string, string>, typeUrl: string = T.cluster, names: string[] = []): Promise<{ c: SotwClient; first: DiscoveryResponse }> {
  const c = h.sotw({ id, metadata });
  c.subscribe(typeUrl, names);
  const first = await c.nextOf(typeUrl);
  return { c, first };
}

/** Only what JSON carries: no Maps, Sets, Dates, class instances or functions. */
function assertPlainData(value: unknown, path = '$'): void {
  if (value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) return;
  if (Array.isArray(value)) return value.forEach((v, i) => assertPlainData(v, `${path}[${i}]`));
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${path} is a plain object`);
  for (const [k, v] of Object.entries(value as object)) assertPlainData(v, `${path}.${k}`);
}

describe('proxy registry', () => {
  let h: Harness;
  before(async () => {
    h = await startServer();
  });
  after(async () => {
    await h.close();
  });

  it('waits until every proxy of a class has ACKed a snapshot version', async () => {
    const { proxy, metadata } = freshClass();
    const v1 = snapshotOf('v1', base(), proxy);
    h.cache.setSnapshot(proxy.key, v1);
    const p1 = await connect(h, 'w-1', metadata);
    const p2 = await connect(h, 'w-2', metadata);
    const waiting = h.server.registry.waitForConvergence({ classKey: proxy.key, snapshotVersion: v1.version }, { timeoutMs: 2_000 });
    let settled = false;
    void waiting.then(() => (settled = true));
    p1.c.ack(p1.first);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'one proxy has not ACKed yet');
    assert.deepEqual(h.server.registry.convergence({ classKey: proxy.key, snapshotVersion: v1.version }).pending, ['w-2']);
    p2.c.ack(p2.first);
    const report = await waiting;
    assert.equal(report.converged, true);
    assert.deepEqual(report.acked, ['w-1', 'w-2']);
    assert.equal(report.proxies, 2);
    p1.c.close();
    p2.c.close();
  });

  it('settles, not converged, when a proxy rejects the version', async () => {
    const { proxy, metadata } = freshClass();
    const v1 = snapshotOf('r1', base(), proxy);
    h.cache.setSnapshot(proxy.key, v1);
    const good = await connect(h, 'r-good', metadata);
    const bad = await connect(h, 'r-bad', metadata);
    const waiting = h.server.registry.waitForConvergence({ classKey: proxy.key, snapshotVersion: v1.version });
    good.c.ack(good.first);
    bad.c.nack(bad.first, { code: 3, message: 'no thanks' });
    const report = await waiting;
    assert.equal(report.settled, true);
    assert.equal(report.converged, false);
    assert.deepEqual(report.acked, ['r-good']);
    assert.deepEqual(report.rejected, [{ nodeId: 'r-bad', streamId: report.rejected[0]?.streamId, typeUrl: T.cluster, message: 'no thanks' }]);
    good.c.close();
    bad.c.close();
  });

  it('waits on one resource: every proxy that receives it, and only those', async () => {
    const { proxy, metadata } = freshClass();
    h.cache.setSnapshot(proxy.key, snapshotOf('e1', base(), proxy));
    const receivesA = await connect(h, 'eds-a', metadata, T.clusterLoadAssignment, ['a']);
    const receivesB = await connect(h, 'eds-b', metadata, T.clusterLoadAssignment, ['b']);
    receivesA.c.ack(receivesA.first);
    receivesB.c.ack(receivesB.first);
    const v2 = snapshotOf('e2', [cluster('a'), cluster('b'), endpoints('a', [['10.9.0.1', 80]]), endpoints('b'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')], proxy);
    const version = v2.resources.get(T.clusterLoadAssignment as never)?.get('a')?.version ?? '';
    const target = { typeUrl: T.clusterLoadAssignment, name: 'a', version };
    const waiting = h.server.registry.waitForConvergence(target);
    h.cache.setSnapshot(proxy.key, v2);
    const update = await receivesA.c.nextOf(T.clusterLoadAssignment);
    receivesA.c.ack(update);
    const report = await waiting;
    assert.equal(report.converged, true);
    assert.deepEqual(report.acked, ['eds-a']);
    assert.equal(report.proxies, 1, 'eds-b does not receive endpoints a');
    receivesA.c.close();
    receivesB.c.close();
  });

  it('times out with the report as it stands, and stops on abort', async () => {
    const { proxy, metadata } = freshClass();
    const v1 = snapshotOf('t1', base(), proxy);
    h.cache.setSnapshot(proxy.key, v1);
    const silent = await connect(h, 't-silent', metadata);
    const target = { classKey: proxy.key, snapshotVersion: v1.version };
    const report = await h.server.registry.waitForConvergence(target, { timeoutMs: 50 });
    assert.equal(report.settled, false);
    assert.deepEqual(report.pending, ['t-silent']);
    const controller = new AbortController();
    const aborted = h.server.registry.waitForConvergence(target, { signal: controller.signal });
    controller.abort(new Error('rollout cancelled'));
    await assert.rejects(aborted, /rollout cancelled/);
    assert.equal(h.server.registry.internals().waiters, 0);
    assert.equal(h.server.registry.internals().timers, 0);
    silent.c.close();
  });

  it('emits convergence per proxy and per class, with durations from the publication', async () => {
    const { proxy, metadata } = freshClass();
    h.cache.setSnapshot(proxy.key, snapshotOf('c1', base(), proxy));
    const p1 = await connect(h, 'c-1', metadata);
    const p2 = await connect(h, 'c-2', metadata);
    p1.c.ack(p1.first);
    p2.c.ack(p2.first);
    await h.until(() => h.server.registry.convergence({ classKey: proxy.key, snapshotVersion: h.cache.getSnapshot(proxy.key)?.version ?? '' }).converged);
    const perProxy: ProxyConvergedEvent[] = [];
    const perClass: ClassConvergedEvent[] = [];
    const off1 = h.server.registry.events.on('converged', (e) => perProxy.push(e));
    const off2 = h.server.registry.events.on('classConverged', (e) => perClass.push(e));
    const v2 = snapshotOf('c2', [cluster('a', '5s'), cluster('b')], proxy);
    h.cache.setSnapshot(proxy.key, v2);
    for (const p of [p1, p2]) p.c.ack(await p.c.nextOf(T.cluster));
    await h.until(() => perClass.length === 1);
    assert.deepEqual(perProxy.map((e) => e.nodeId).sort(), ['c-1', 'c-2']);
    for (const e of perProxy) assert.equal(e.snapshotVersion, v2.version);
    assert.equal(perClass[0]?.classKey, proxy.key);
    assert.equal(perClass[0]?.proxies, 2);
    assert.ok((perClass[0]?.durationMs ?? -1) >= 0);
    const cls = h.server.registry.status().classes.find((c) => c.classKey === proxy.key);
    assert.equal(cls?.snapshotVersion, v2.version);
    assert.equal(cls?.converged, 2);
    assert.ok(cls?.convergedAt);
    off1();
    off2();
    p1.c.close();
    p2.c.close();
  });

  it('reports each proxy as plain JSON, with connect and disconnect events', async () => {
    const { namespace, metadata } = freshClass();
    const proxy = proxyClass('envoy', namespace, { app: 'x' });
    h.cache.setSnapshot(proxy.key, snapshotOf('j1', base(), proxy));
    const connected: ProxyStatus[] = [];
    const disconnected: ProxyStatus[] = [];
    const off1 = h.server.registry.events.on('connect', (s) => connected.push(s));
    const off2 = h.server.registry.events.on('disconnect', (s) => disconnected.push(s));
    const c = h.sotw({ id: 'json-1', metadata: { ...metadata, LABELS: { app: 'x' } } as never, userAgentName: 'envoy', userAgentVersion: '1.30.0', cluster: 'reviews' });
    c.subscribe(T.cluster);
    c.ack(await c.nextOf(T.cluster));
    await h.until(() => h.server.registry.status().proxies.some((p) => p.nodeId === 'json-1' && p.state === 'converged'));
    const status = h.server.registry.status();
    assertPlainData(status);
    const mine = status.proxies.find((p) => p.nodeId === 'json-1');
    assert.equal(mine?.classKey, `envoy/${namespace}/app=x`);
    assert.equal(mine?.flavor, 'envoy');
    assert.equal(mine?.userAgent, 'envoy/1.30.0');
    assert.equal(mine?.cluster, 'reviews');
    assert.equal(mine?.protocol, 'sotw');
    assert.equal(mine?.service, 'ads');
    assert.ok(Date.parse(mine?.connectedAt ?? '') > 0);
    assert.ok(connected.some((s) => s.nodeId === 'json-1' && s.state === 'waiting'), 'connect comes before anything is sent');
    c.close();
    await h.until(() => disconnected.some((s) => s.nodeId === 'json-1'));
    off1();
    off2();
  });
});
