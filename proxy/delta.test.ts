import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS as T } from '../compiler/xds/index.ts';
import { startServer } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';
import { apiListener, cluster, endpoints, ENVOY_DEFAULT, routeConfig, snapshotOf } from './testing/resources.ts';
import type { DeltaDiscoveryResponse } from './wire/index.ts';

const KEY = ENVOY_DEFAULT.key;
const added = (r: DeltaDiscoveryResponse) => r.resources.map((x) => x.name).sort();
const base = () => [cluster('a'), cluster('b'), endpoints('a'), endpoints('b'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')];

function versionOf(h: Harness, typeUrl: string, name: string): string | undefined {
  return h.cache.getSnapshot(KEY)?.resources.get(typeUrl as never)?.get(name)?.version;
}

describe('delta ADS', () => {
  let h: Harness;
  before(async () => {
    h = await startServer();
  });
  after(async () => {
    await h.close();
  });

  it('subscribes by wildcard and by name, with a nonce and per-resource versions', async () => {
    const snapshot = snapshotOf('s1', base());
    h.cache.setSnapshot(KEY, snapshot);
    const wildcard = h.delta();
    wildcard.request({ typeUrl: T.cluster });
    const all = await wildcard.nextOf(T.cluster);
    assert.deepEqual(added(all), ['a', 'b']);
    assert.notEqual(all.nonce, '');
    assert.equal(all.systemVersionInfo, snapshot.version);
    for (const r of all.resources) {
      assert.equal(r.version, versionOf(h, T.cluster, r.name));
      assert.equal(r.resource?.typeUrl, T.cluster);
    }
    wildcard.ack(all);
    const named = h.delta();
    named.request({ typeUrl: T.clusterLoadAssignment, resourceNamesSubscribe: ['b'] });
    const one = await named.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(added(one), ['b']);
    assert.deepEqual(one.removedResources, []);
    named.ack(one);
    await named.expectNone();
    wildcard.close();
    named.close();
  });

  it('stops sending what was unsubscribed', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('u1', base()));
    const c = h.delta();
    c.request({ typeUrl: T.clusterLoadAssignment, resourceNamesSubscribe: ['a', 'b'] });
    const first = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(added(first), ['a', 'b']);
    c.request({ typeUrl: T.clusterLoadAssignment, responseNonce: first.nonce, resourceNamesUnsubscribe: ['a'] });
    await c.expectNone();
    h.cache.setSnapshot(KEY, snapshotOf('u2', [cluster('a'), cluster('b'), endpoints('a', [['10.1.0.1', 80]]), endpoints('b', [['10.1.0.2', 80]])]));
    const update = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(added(update), ['b']);
    c.close();
  });

  it('sends deletions in removed_resources, after the additions', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('r1', base()));
    const c = h.delta();
    c.request({ typeUrl: T.cluster });
    c.ack(await c.nextOf(T.cluster));
    c.request({ typeUrl: T.listener });
    c.ack(await c.nextOf(T.listener));
    h.cache.setSnapshot(KEY, snapshotOf('r2', [cluster('a'), cluster('c'), endpoints('a'), apiListener('l1', 'r1'), routeConfig('r1', 'd1', 'a')]));
    const add = await c.nextOf(T.cluster);
    assert.deepEqual(added(add), ['c']);
    assert.deepEqual(add.removedResources, []);
    c.ack(add);
    const remove = await c.nextOf(T.cluster);
    assert.deepEqual(added(remove), []);
    assert.deepEqual(remove.removedResources, ['b']);
    c.ack(remove);
    await c.expectNone();
    c.close();
  });

  it('says a subscribed name does not exist, and sends it when it appears', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('l1', base()));
    const c = h.delta();
    c.request({ typeUrl: T.routeConfiguration, resourceNamesSubscribe: ['r1', 'later'] });
    const first = await c.nextOf(T.routeConfiguration);
    assert.deepEqual(added(first), ['r1']);
    assert.deepEqual(first.removedResources, ['later']);
    c.ack(first);
    await c.expectNone();
    h.cache.setSnapshot(KEY, snapshotOf('l2', [...base(), routeConfig('later', 'd9', 'b')]));
    const appeared = await c.nextOf(T.routeConfiguration);
    assert.deepEqual(added(appeared), ['later']);
    assert.deepEqual(appeared.removedResources, []);
    c.close();
  });

  it('on reconnect, sends only what differs from initial_resource_versions', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('i1', [...base(), cluster('c')]));
    const a = versionOf(h, T.cluster, 'a') ?? '';
    const c = h.delta();
    // The client holds a (current), b (stale version) and gone (deleted meanwhile); c is new.
    c.request({ typeUrl: T.cluster, initialResourceVersions: { a, b: 'stale', gone: 'old' } });
    const first = await c.nextOf(T.cluster);
    assert.deepEqual(added(first), ['b', 'c']);
    c.ack(first);
    const removal = await c.nextOf(T.cluster);
    assert.deepEqual(removal.removedResources, ['gone']);
    c.ack(removal);
    await c.expectNone();

    // Nothing differs: nothing is sent.
    const again = h.delta();
    const versions = Object.fromEntries(['a', 'b', 'c'].map((n) => [n, versionOf(h, T.cluster, n) ?? '']));
    again.request({ typeUrl: T.cluster, initialResourceVersions: versions });
    await again.expectNone();
    c.close();
    again.close();
  });

  it('applies subscription changes even with a stale nonce', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('n1', base()));
    const c = h.delta({ id: 'delta-stale' });
    c.request({ typeUrl: T.clusterLoadAssignment, resourceNamesSubscribe: ['a'] });
    const first = await c.nextOf(T.clusterLoadAssignment);
    c.ack(first);
    h.cache.setSnapshot(KEY, snapshotOf('n2', [cluster('a'), cluster('b'), endpoints('a', [['10.2.0.1', 80]]), endpoints('b')]));
    const second = await c.nextOf(T.clusterLoadAssignment);
    assert.notEqual(second.nonce, first.nonce);
    c.request({ typeUrl: T.clusterLoadAssignment, responseNonce: first.nonce, resourceNamesSubscribe: ['b'] });
    const b = await c.nextOf(T.clusterLoadAssignment);
    assert.deepEqual(added(b), ['b']);
    c.close();
  });

  it('always (re)sends a name in resource_names_subscribe', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('a1', base()));
    const c = h.delta();
    c.request({ typeUrl: T.cluster, resourceNamesSubscribe: ['a'] });
    const first = await c.nextOf(T.cluster);
    c.ack(first);
    c.request({ typeUrl: T.cluster, responseNonce: first.nonce, resourceNamesSubscribe: ['a'] });
    const again = await c.nextOf(T.cluster);
    assert.deepEqual(added(again), ['a']);
    assert.equal(again.resources[0]?.version, first.resources[0]?.version);
    c.close();
  });

  it('tells a wildcard client whether to keep a resource it unsubscribed by name', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('w1', base()));
    const c = h.delta();
    c.request({ typeUrl: T.cluster, resourceNamesSubscribe: ['*', 'a'] });
    const first = await c.nextOf(T.cluster);
    assert.deepEqual(added(first), ['a', 'b']);
    c.request({ typeUrl: T.cluster, responseNonce: first.nonce, resourceNamesUnsubscribe: ['a'] });
    const keep = await c.nextOf(T.cluster);
    assert.deepEqual(added(keep), ['a'], 'still wanted through the wildcard');
    c.close();
  });

  it('sends the endpoints of a changed cluster again, unchanged, so that it warms', async () => {
    h.cache.setSnapshot(KEY, snapshotOf('rw1', base()));
    const c = h.delta();
    c.request({ typeUrl: T.cluster });
    c.ack(await c.nextOf(T.cluster));
    c.request({ typeUrl: T.clusterLoadAssignment, resourceNamesSubscribe: ['a', 'b'] });
    c.ack(await c.nextOf(T.clusterLoadAssignment));
    h.cache.setSnapshot(KEY, snapshotOf('rw2', [cluster('a', '9s'), cluster('b'), endpoints('a'), endpoints('b')]));
    assert.deepEqual(added(await c.nextOf(T.cluster)), ['a']);
    assert.deepEqual(added(await c.nextOf(T.clusterLoadAssignment)), ['a']);
    await c.expectNone();
    c.close();
  });

  it('records a NACK and does not resend', async () => {
    const snapshot = snapshotOf('k1', base());
    h.cache.setSnapshot(KEY, snapshot);
    const c = h.delta({ id: 'delta-nacker' });
    c.request({ typeUrl: T.listener });
    const r = await c.nextOf(T.listener);
    c.nack(r, { code: 13, message: 'listener l1 is bad' });
    await c.expectNone(200);
    await h.until(() => h.server.registry.status().proxies.some((p) => p.nodeId === 'delta-nacker' && p.state === 'rejected'));
    const status = h.server.registry.status().proxies.find((p) => p.nodeId === 'delta-nacker')?.types.find((t) => t.typeUrl === T.listener);
    assert.equal(status?.lastNack?.message, 'listener l1 is bad');
    assert.deepEqual(status?.lastNack?.resourceNames, ['l1']);
    assert.equal(status?.versionAcked, undefined);
    c.close();
  });
});
