import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS as T } from '../compiler/xds/index.ts';
import type { NackEvent } from './registry.ts';
import { RETAINED_SUFFIX } from './stream/sotw.ts';
import { resourceName } from './testing/client.ts';
import type { SotwClient } from './testing/client.ts';
import { startServer } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';
import { apiListener, cluster, endpoints, ENVOY_DEFAULT, routeConfig, snapshotOf } from './testing/resources.ts';
import type { DiscoveryResponse } from './wire/index.ts';

const KEY = ENVOY_DEFAULT.key;
const names = (r: DiscoveryResponse) => r.resources.map(resourceName).sort();
const short = (typeUrl: string) => typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
const base = () => [cluster('a'), cluster('b'), endpoints('a'), endpoints('b'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')];

/**
 * Subscribes and ACKs the first response of each type, then ACKs whatever else came (endpoints
 * are sent again after clusters that were new to the stream).
 */
async function subscribeAll(c: SotwClient, subscriptions: [string, string[]][]): Promise<Map<string, DiscoveryResponse>> {
  const out = new Map<string, DiscoveryResponse>();
  for (const [typeUrl, resourceNames] of subscriptions) {
    c.subscribe(typeUrl, resourceNames);
    const r = await c.nextOf(typeUrl);
    c.ack(r);
    out.set(typeUrl, r);
  }
  await new Promise((r) => setTimeout(r, 50));
  while (c.inbox.unread > 0) c.ack(await c.next());
  return out;
}

function typeStatus(h: Harness, nodeId: string, typeUrl: string) {
  const proxy = h.server.registry.status().proxies.find((p) => p.nodeId === nodeId);
  return proxy?.types.find((t) => t.typeUrl === typeUrl);
}

describe('SotW ADS', () => {
  let h: Harness;
  before(async () => {
    h = await startServer();
  });
  after(async () => {
    await h.close();
  });

  it('serves a wildcard subscription: an empty first list (legacy) and an explicit "*"', async () => {
    const snapshot = snapshotOf('w1', base());
    h.cache.setSnapshot(KEY, snapshot);
    const legacy = h.sotw();
    legacy.subscribe(T.cluster);
    const r = await legacy.nextOf(T.cluster);
    assert.deepEqual(names(r), ['a', 'b']);
    assert.equal(r.versionInfo, snapshot.version);
    assert.notEqual(r.nonce, '');
    assert.equal(r.controlPlane, 'sluice-test');
    for (const resource of r.resources) assert.equal(resource.typeUrl, T.cluster);
    const star = h.sotw();
    star.subscribe(T.cluster, ['*']);
    assert.deepEqual(names(await star.nextOf(T.cluster)), ['a', 'b']);
    legacy.close();
    star.close();
  });

  it('serves named subscriptions, and sends a name that did not exist when it appears', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('n1', base()));
    const c = h.sotw();
    c.subscribe(T.listener, ['l1', 'l2']);
    const lds = await c.nextOf(T.listener);
    // LDS is full state: it answers at once, without l2 (which does not exist yet).
    assert.deepEqual(names(lds), ['l1']);
    c.ack(lds);
    c.subscribe(T.clusterLoadAssignment, ['a', 'c']);
    const eds = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(names(eds), ['a']);
    c.ack(eds);
    await c.expectNone();
    h.cache.setSnapshot(KEY, snapshotOf('n2', [...base(), apiListener('l2', 'r1'), cluster('c'), endpoints('c')]));
    // Endpoints before listeners (make before break).
    const eds2 = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(names(eds2), ['c'], 'EDS carries only what changed');
    c.ack(eds2);
    const lds2 = await c.nextOf(T.listener);
    assert.deepEqual(names(lds2), ['l1', 'l2'], 'LDS carries the full subscribed set');
    c.ack(lds2);
    // Clusters were never subscribed to on this stream: nothing about them is sent.
    await c.expectNone();
    c.close();
  });

  it('records an ACK per type', async () => {
    const snapshot = snapshotOf('a1', base());
    h.cache.setSnapshot(KEY, snapshot);
    const c = h.sotw({ id: 'acker' });
    const r = (await subscribeAll(c, [[T.cluster, []]])).get(T.cluster);
    assert.ok(r);
    await h.until(() => typeStatus(h, 'acker', T.cluster)?.versionAcked === snapshot.version);
    const status = typeStatus(h, 'acker', T.cluster);
    assert.equal(status?.versionSent, snapshot.version);
    assert.equal(status?.nonceSent, r.nonce);
    assert.equal(status?.pending, 0);
    c.close();
  });

  it('records a NACK loudly, never resends the rejected version, and accepts the next good one', async () => {
    const nacks: NackEvent[] = [];
    const unsubscribe = h.server.registry.events.on('nack', (e) => nacks.push(e));
    const v1 = snapshotOf('k1', base());
    h.cache.setSnapshot(KEY, v1);
    const c = h.sotw({ id: 'nacker' });
    await subscribeAll(c, [
      [T.cluster, []],
      [T.clusterLoadAssignment, ['a', 'b']],
    ]);
    await h.until(() => typeStatus(h, 'nacker', T.clusterLoadAssignment)?.versionAcked === v1.version);

    const v2 = snapshotOf('k2', [cluster('a', '2s'), ...base().slice(1)]);
    h.cache.setSnapshot(KEY, v2);
    const bad = await c.nextOf(T.cluster);
    // The changed cluster's endpoints follow, unchanged, so that it can warm.
    const rewarm = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(names(rewarm), ['a']);
    c.ack(rewarm);
    // As grpc-js-xds does when part of a response was valid: the NEW version, with error_detail.
    c.nack(bad, { code: 3, message: 'cluster a: connect_timeout too long' }, { versionInfo: bad.versionInfo });
    await c.expectNone(200);
    await h.until(() => typeStatus(h, 'nacker', T.cluster)?.lastNack !== undefined);
    const status = typeStatus(h, 'nacker', T.cluster);
    assert.equal(status?.versionAcked, v1.version, 'the proxy stays on its last ACKed version');
    assert.equal(status?.lastNack?.message, 'cluster a: connect_timeout too long');
    assert.equal(status?.lastNack?.code, 3);
    assert.deepEqual(status?.lastNack?.resourceNames, ['a']);
    assert.deepEqual(status?.rejected, ['a']);
    assert.equal(h.server.registry.status().proxies.find((p) => p.nodeId === 'nacker')?.state, 'rejected');
    assert.equal(nacks.length, 1);
    assert.equal(nacks[0]?.error.message, 'cluster a: connect_timeout too long');
    const warning = h.logs.find((l) => l.level === 'warn' && l.fields.nodeId === 'nacker');
    assert.ok(warning, 'a NACK is a warning');
    assert.equal(warning.fields.error, 'cluster a: connect_timeout too long');

    // Another type changes: only that type is pushed, the rejected clusters are not resent.
    const v3 = snapshotOf('k3', [cluster('a', '2s'), cluster('b'), endpoints('a', [['10.0.0.9', 80]]), endpoints('b'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')]);
    h.cache.setSnapshot(KEY, v3);
    const eds = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(names(eds), ['a']);
    c.ack(eds);
    await c.expectNone(200);

    // A new version of the rejected type goes out and is accepted.
    const v4 = snapshotOf('k4', [cluster('a', '3s'), cluster('b'), endpoints('a', [['10.0.0.9', 80]]), endpoints('b'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')]);
    h.cache.setSnapshot(KEY, v4);
    const good = await c.nextOf(T.cluster);
    assert.equal(good.versionInfo, v4.version);
    c.ack(good);
    c.ack(await c.nextOf(T.clusterLoadAssignment));
    await h.until(() => typeStatus(h, 'nacker', T.cluster)?.versionAcked === v4.version);
    assert.deepEqual(typeStatus(h, 'nacker', T.cluster)?.rejected, []);
    await h.until(() => h.server.registry.status().proxies.find((p) => p.nodeId === 'nacker')?.state === 'converged');
    unsubscribe();
    c.close();
  });

  it('counts a repeated error_detail on the same nonce once, and still applies the new names', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('e1', base()));
    const c = h.sotw({ id: 'repeater' });
    c.subscribe(T.clusterLoadAssignment, ['a']);
    const r = await c.nextOf(T.clusterLoadAssignment);
    const error = { code: 14, message: 'xDS response validation errors: [resource index 0: nope]' };
    c.nack(r, error, { resourceNames: ['a'] });
    // grpc-js-xds keeps sending its last error with every request until a response is valid.
    c.nack(r, error, { resourceNames: ['a', 'b'] });
    const more = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(names(more), ['b']);
    await h.until(() => typeStatus(h, 'repeater', T.clusterLoadAssignment)?.lastNack !== undefined);
    assert.equal(h.logs.filter((l) => l.level === 'warn' && l.fields.nodeId === 'repeater').length, 1);
    c.close();
  });

  it('ignores a request whose nonce is stale', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('s1', [...base(), routeConfig('r2', 'd2', 'b')]));
    const c = h.sotw({ id: 'stale' });
    c.subscribe(T.routeConfiguration, ['r1']);
    const first = await c.nextOf(T.routeConfiguration);
    c.ack(first);
    h.cache.setSnapshot(KEY, snapshotOf('s2', [...base().slice(0, 5), routeConfig('r1', 'd1', 'b'), routeConfig('r2', 'd2', 'b')]));
    const second = await c.nextOf(T.routeConfiguration);
    assert.notEqual(second.nonce, first.nonce);
    // A request answering the first response, asking for r2 too: stale, so ignored.
    c.request({ typeUrl: T.routeConfiguration, responseNonce: first.nonce, versionInfo: first.versionInfo, resourceNames: ['r1', 'r2'] });
    await c.expectNone(200);
    assert.deepEqual(typeStatus(h, 'stale', T.routeConfiguration)?.subscribed, ['r1']);
    // The same with the current nonce is applied.
    c.request({ typeUrl: T.routeConfiguration, responseNonce: second.nonce, versionInfo: second.versionInfo, resourceNames: ['r1', 'r2'] });
    assert.deepEqual(names(await c.nextOf(T.routeConfiguration)), ['r2']);
    c.close();
  });

  it('removes a cluster or listener by leaving it out of the full set', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('f1', [...base(), apiListener('l2', 'r1')]));
    const c = h.sotw();
    await subscribeAll(c, [
      [T.cluster, []],
      [T.listener, []],
    ]);
    h.cache.setSnapshot(KEY, snapshotOf('f2', [cluster('a'), endpoints('a'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')]));
    const lds = await c.nextOf(T.listener);
    assert.deepEqual(names(lds), ['l1']);
    c.ack(lds);
    const cds = await c.nextOf(T.cluster);
    assert.deepEqual(names(cds), ['a']);
    c.ack(cds);
    await c.expectNone();
    c.close();
  });

  it('pushes RDS and EDS partially: only the resources that changed', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('p1', [...base(), routeConfig('r2', 'd2', 'b')]));
    const c = h.sotw();
    await subscribeAll(c, [
      [T.clusterLoadAssignment, ['a', 'b']],
      [T.routeConfiguration, ['r1', 'r2']],
    ]);
    h.cache.setSnapshot(KEY, snapshotOf('p2', [cluster('a'), cluster('b'), endpoints('a', [['10.0.0.2', 80]]), endpoints('b'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a'), routeConfig('r2', 'd2', 'a')]));
    const eds = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(names(eds), ['a']);
    const rds = await c.nextOf(T.routeConfiguration);
    assert.deepEqual(names(rds), ['r2']);
    c.close();
  });

  it('pushes in make-before-break order: CDS, EDS, LDS, RDS, and removals last', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('o1', base()));
    const c = h.sotw();
    // Subscribed in the "wrong" order on purpose.
    await subscribeAll(c, [
      [T.routeConfiguration, ['r1']],
      [T.listener, []],
      [T.clusterLoadAssignment, ['a', 'b', 'c']],
      [T.cluster, []],
    ]);
    // a changes, b goes, c comes; endpoints follow; a listener is added; the route moves to c.
    const next = snapshotOf('o2', [cluster('a', '2s'), cluster('c'), endpoints('a', [['10.0.0.3', 80]]), endpoints('c'), apiListener('l1', 'r1'), apiListener('l2', 'r1'), routeConfig('r1', 'd1', 'c')]);
    h.cache.setSnapshot(KEY, next);
    const pushes: DiscoveryResponse[] = [];
    for (let i = 0; i < 5; i++) pushes.push(await c.next());
    await c.expectNone();
    assert.deepEqual(
      pushes.map((p) => `${short(p.typeUrl)} ${names(p).join(',')}`),
      ['Cluster a,b,c', 'ClusterLoadAssignment a,c', 'Listener l1,l2', 'RouteConfiguration r1', 'Cluster a,c'],
    );
    assert.equal(pushes[0]?.versionInfo, next.version + RETAINED_SUFFIX, 'the make-before-break CDS still holds b');
    assert.equal(pushes[4]?.versionInfo, next.version);
    c.close();
  });

  it('pushes only the types and resources that changed; versions are per type', async () => {
    const c1 = snapshotOf('c1', base());
    h.cache.setSnapshot(KEY, c1);
    const c = h.sotw({ id: 'per-type' });
    await subscribeAll(c, [
      [T.cluster, []],
      [T.clusterLoadAssignment, ['a', 'b']],
      [T.listener, []],
      [T.routeConfiguration, ['r1']],
    ]);
    await c.expectNone();
    // A new revision with the same content: same resource versions, nothing to push.
    h.cache.setSnapshot(KEY, snapshotOf('c2', base()));
    await c.expectNone();
    const c3 = snapshotOf('c3', [cluster('a'), cluster('b'), endpoints('a'), endpoints('b', [['10.0.0.4', 80]]), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')]);
    h.cache.setSnapshot(KEY, c3);
    const eds = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(names(eds), ['b']);
    assert.equal(eds.versionInfo, c3.version);
    c.ack(eds);
    await c.expectNone();
    await h.until(() => typeStatus(h, 'per-type', T.clusterLoadAssignment)?.versionAcked === c3.version);
    assert.equal(typeStatus(h, 'per-type', T.cluster)?.versionAcked, c1.version, 'CDS stays at the version it was last sent');
    assert.equal(h.server.registry.status().proxies.find((p) => p.nodeId === 'per-type')?.snapshotAcked, c3.version);
    c.close();
  });

  it('sends the endpoints of a changed cluster again, unchanged, so that it warms', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('rw1', base()));
    const c = h.sotw();
    await subscribeAll(c, [
      [T.cluster, []],
      [T.clusterLoadAssignment, ['a', 'b']],
    ]);
    h.cache.setSnapshot(KEY, snapshotOf('rw2', [cluster('a'), cluster('b', '7s'), endpoints('a'), endpoints('b')]));
    assert.deepEqual(names(await c.nextOf(T.cluster)), ['a', 'b']);
    const eds = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(names(eds), ['b']);
    await c.expectNone();
    c.close();
  });

  it('answers a reconnecting client that echoes a nonce and version from its previous stream', async () => {
    const snapshot = snapshotOf('rc1', base());
    h.cache.setSnapshot(KEY, snapshot);
    const before = h.sotw({ id: 'reconnecting' });
    before.subscribe(T.cluster);
    const old = await before.nextOf(T.cluster);
    before.ack(old);
    before.cancel();
    // Nonces belong to a stream: on the new one nothing was sent yet, so nothing is stale.
    const after = h.sotw({ id: 'reconnecting' });
    after.request({ typeUrl: T.cluster, versionInfo: old.versionInfo, responseNonce: old.nonce, resourceNames: [] });
    const again = await after.nextOf(T.cluster);
    assert.deepEqual(names(again), ['a', 'b']);
    after.close();
  });

  it('answers a first request that arrives before its class has a snapshot once there is one', async () => {
    const waiting = h.sotw({ metadata: { NAMESPACE: 'late' } });
    waiting.subscribe(T.cluster);
    await waiting.expectNone(100);
    const lateClass = snapshotOf('late1', [cluster('z')]);
    h.cache.setSnapshot('envoy/late/', lateClass);
    const r = await waiting.nextOf(T.cluster);
    assert.deepEqual(names(r), ['z']);
    assert.equal(r.versionInfo, lateClass.version);
    waiting.close();
  });

  it('serves the per-type services (CDS on ClusterDiscoveryService, type implied)', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('t1', base()));
    const c = h.sotw({}, { service: 'cds' });
    c.request({ typeUrl: '', resourceNames: [] });
    const r = await c.next();
    assert.equal(r.typeUrl, T.cluster);
    assert.deepEqual(names(r), ['a', 'b']);
    // Another type on a per-type service is ignored.
    c.request({ typeUrl: T.listener, resourceNames: [] });
    await c.expectNone();
    c.close();
  });

  it('refuses a stream whose first request has no node', async () => {
    const c = h.sotw({}, { omitNode: true });
    c.request({ typeUrl: T.cluster, resourceNames: [] });
    const status = await c.status;
    assert.equal(status.code, 3);
    assert.match(status.details, /node/);
    c.close();
  });
});

describe('SotW debounce', () => {
  it('coalesces ten rapid snapshots into one push of the last', async () => {
    const h = await startServer({ debounce: { afterMs: 40, maxMs: 5_000 } });
    try {
      h.cache.setSnapshot(KEY, snapshotOf('d0', base()));
      const c = h.sotw();
      await subscribeAll(c, [[T.cluster, []]]);
      let deliveries = 0;
      const off = h.cache.events.on('deliver', () => deliveries++);
      let last = snapshotOf('d0', base());
      for (let i = 1; i <= 10; i++) {
        last = snapshotOf(`d${i}`, [cluster('a', `${i + 1}s`), cluster('b')]);
        h.cache.setSnapshot(KEY, last);
      }
      const r = await c.nextOf(T.cluster);
      assert.equal(r.versionInfo, last.version);
      c.ack(r);
      await c.expectNone(150);
      assert.equal(deliveries, 1);
      off();
    } finally {
      await h.close();
    }
  });
});
