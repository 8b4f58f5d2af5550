import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EntryCache, buildSnapshot, proxyClass, validateSources, verifyTranslated } from './index.ts';
import type { Resource } from './index.ts';
import { sharedPart } from './translate/index.ts';
import { RESOURCE_TYPE_URLS } from './xds/index.ts';

const policy = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - name: split
    route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v2}
      weight: 10
`;

function modelAndOrigin() {
  const { model } = validateSources([{ path: 'reviews.yaml', content: policy }]);
  const doc = model.documents[0];
  assert.ok(doc);
  return { model, doc };
}

describe('verify before publish', () => {
  it('reports a weighted cluster with no clusters at the policy rule that produced it', () => {
    const { model, doc } = modelAndOrigin();
    const bad: Resource = {
      typeUrl: RESOURCE_TYPE_URLS.routeConfiguration,
      name: '9080',
      json: { name: '9080', virtualHosts: [{ name: 'reviews.default.svc.cluster.local:9080', domains: ['reviews'], routes: [{ match: { prefix: '/' }, route: { weightedClusters: { clusters: [] } } }] }] },
      sources: [
        { path: [], origin: { doc, path: [] } },
        { path: ['virtualHosts', 0, 'routes', 0], origin: { doc, path: ['spec', 'http', 0] } },
        { path: ['virtualHosts', 0, 'routes', 0, 'route', 'weightedClusters'], origin: { doc, path: ['spec', 'http', 0, 'route'] } },
      ],
    };
    const found = verifyTranslated([bad], model);
    const rule = found.find((d) => d.code === 'SLU7101');
    assert.ok(rule, JSON.stringify(found, null, 1));
    assert.equal(rule.file, 'reviews.yaml');
    assert.equal(rule.line, 9, 'points at spec.http[0].route');
    assert.match(rule.message, /RouteConfiguration 9080 at virtualHosts\[0\]\.routes\[0\]\.route\.weightedClusters\.clusters: .*repeated\.min_items/);
  });

  it('reports an empty virtual host domain and a route to a missing cluster at the policy', () => {
    const { model, doc } = modelAndOrigin();
    const bad: Resource = {
      typeUrl: RESOURCE_TYPE_URLS.routeConfiguration,
      name: '9080',
      json: { name: '9080', virtualHosts: [{ name: 'vh', domains: [''], routes: [{ match: { prefix: '/' }, route: { cluster: 'outbound|9080|v9|reviews.default.svc.cluster.local' } }] }] },
      sources: [
        { path: ['virtualHosts', 0], origin: { doc, path: ['spec', 'hosts', 0] } },
        { path: ['virtualHosts', 0, 'routes', 0, 'route'], origin: { doc, path: ['spec', 'http', 0, 'route', 1, 'destination', 'subset'] } },
      ],
    };
    const found = verifyTranslated([bad], model).map((d) => `${d.code} ${d.line}:${d.col}`);
    assert.ok(found.includes('SLU7101 5:11'), found.join('\n'));
    assert.ok(found.includes('SLU7102 11:44'), found.join('\n'));
  });

  it('reports a field Envoy does not have as an encoding problem', () => {
    const { model, doc } = modelAndOrigin();
    const bad: Resource = { typeUrl: RESOURCE_TYPE_URLS.cluster, name: 'c', json: { name: 'c', connectTimeout: '1s', wieght: 3 }, sources: [{ path: [], origin: { doc, path: ['metadata', 'name'] } }] };
    const [problem] = verifyTranslated([bad], model);
    assert.equal(problem?.code, 'SLU7100');
    assert.equal(problem?.line, 3);
  });
});

describe('snapshots', () => {
  const cluster = (name: string, timeout: string): Resource => ({ typeUrl: RESOURCE_TYPE_URLS.cluster, name, json: { name, connectTimeout: timeout }, sources: [] });

  it('versions each resource by its content and the snapshot by revision and contents', () => {
    const proxy = proxyClass('grpc', 'default');
    const cache = new EntryCache();
    const a = buildSnapshot('abc123', proxy, [cluster('x', '1s'), cluster('y', '2s')], cache);
    const b = buildSnapshot('def456', proxy, [cluster('y', '2s'), cluster('x', '5s')], cache);
    const clusters = (s: typeof a) => s.resources.get(RESOURCE_TYPE_URLS.cluster);
    assert.equal(clusters(a)?.get('y'), clusters(b)?.get('y'), 'an unchanged resource keeps its entry');
    assert.notEqual(clusters(a)?.get('x')?.version, clusters(b)?.get('x')?.version);
    assert.match(a.version, /^abc123\/[0-9a-f]{12}$/);
    assert.notEqual(a.version.split('/')[1], b.version.split('/')[1]);
    assert.equal(buildSnapshot('abc123', proxy, [cluster('y', '2s'), cluster('x', '1s')]).version, a.version, 'order does not matter');
  });

  it('versions frozen JSON (a translation reused from an earlier compile) like equal unfrozen JSON', () => {
    const proxy = proxyClass('grpc', 'default');
    const plain = cluster('x', '1s');
    const frozen: Resource = { ...plain, json: Object.freeze({ name: 'x', connectTimeout: '1s' }) };
    const version = (r: Resource) => buildSnapshot('r', proxy, [r]).resources.get(RESOURCE_TYPE_URLS.cluster)?.get('x')?.version;
    assert.equal(version(frozen), version(plain));
    assert.equal(version(frozen), version(frozen));
    assert.notEqual(version({ ...plain, json: Object.freeze({ name: 'x', connectTimeout: '2s' }) }), version(frozen));
  });

  it('versions a configuration with many virtual hosts by content, however its hosts are shared', () => {
    const proxy = proxyClass('envoy', 'default');
    const vhost = (i: number, cluster: string) => ({ name: `h${i}:80`, domains: [`h${i}`], routes: [{ match: { prefix: '/' }, route: { cluster } }] });
    const config = (hosts: object[]): Resource => ({ typeUrl: RESOURCE_TYPE_URLS.routeConfiguration, name: '80', json: { name: '80', virtualHosts: hosts } as Resource['json'], sources: [] });
    const version = (r: Resource) => buildSnapshot('r', proxy, [r]).resources.get(RESOURCE_TYPE_URLS.routeConfiguration)?.get('80')?.version;
    const plain = Array.from({ length: 100 }, (_, i) => vhost(i, 'a'));
    const shared = plain.map((h) => Object.freeze(structuredClone(h)));
    assert.equal(version(config(shared)), version(config(plain)), 'frozen or not, equal content has one version');
    const edited = [...shared];
    edited[42] = Object.freeze(vhost(42, 'b'));
    assert.notEqual(version(config(edited)), version(config(shared)), 'one changed virtual host changes the version');
    assert.notEqual(version(config(shared.slice(1))), version(config(shared)));
  });

  it('versions shared parts by their content: equal parts made apart agree, a changed part changes the version', () => {
    const proxy = proxyClass('envoy', 'default');
    const withBreakers = (name: string, maxRequests: number): Resource => ({
      typeUrl: RESOURCE_TYPE_URLS.cluster,
      name,
      json: { name, connectTimeout: '1s', circuitBreakers: sharedPart({ thresholds: [{ maxRequests }] }) },
      sources: [],
    });
    const version = (r: Resource) => buildSnapshot('r', proxy, [r]).resources.get(RESOURCE_TYPE_URLS.cluster)?.get(r.name)?.version;
    assert.equal(version(withBreakers('x', 10)), version(withBreakers('x', 10)), 'two parts with equal content, made apart');
    assert.notEqual(version(withBreakers('x', 10)), version(withBreakers('x', 11)), 'content inside a shared part counts');
    assert.notEqual(version(withBreakers('x', 10)), version(withBreakers('y', 10)), 'content outside it counts');
  });

  it('keeps an entry per resource when resources of different names have equal content, and forgets what no snapshot uses', () => {
    const cache = new EntryCache();
    const same = (name: string): Resource => ({ typeUrl: RESOURCE_TYPE_URLS.cluster, name, json: { connectTimeout: '1s' }, sources: [] });
    const first = buildSnapshot('r1', proxyClass('grpc', 'a'), [same('p'), same('q'), cluster('x', '1s')], cache);
    const entries = first.resources.get(RESOURCE_TYPE_URLS.cluster);
    assert.equal(entries?.get('p')?.version, entries?.get('q')?.version, 'equal content, equal version');
    assert.notEqual(entries?.get('p'), entries?.get('q'), 'but an entry each: the entry carries its name');
    assert.equal(cache.size, 3);
    const second = buildSnapshot('r2', proxyClass('grpc', 'b'), [same('q'), cluster('x', '2s')], cache);
    assert.equal(second.resources.get(RESOURCE_TYPE_URLS.cluster)?.get('q'), entries?.get('q'), 'another class reuses the entry');
    assert.equal(cache.size, 4);
    cache.retain([second]);
    assert.equal(cache.size, 2, 'p and the first x are no longer used');
    const again = buildSnapshot('r3', proxyClass('grpc', 'b'), [same('q'), cluster('x', '2s')], cache);
    assert.equal(again.resources.get(RESOURCE_TYPE_URLS.cluster)?.get('q'), entries?.get('q'), 'a kept entry is found again');
    assert.equal(buildSnapshot('r4', proxyClass('grpc', 'a'), [same('p')], cache).resources.get(RESOURCE_TYPE_URLS.cluster)?.get('p') === entries?.get('p'), false, 'a forgotten one is made anew');
  });

  it('encodes a resource once and shares the bytes', () => {
    const snapshot = buildSnapshot('r', proxyClass('envoy', 'default'), [cluster('x', '1s')]);
    const entry = snapshot.resources.get(RESOURCE_TYPE_URLS.cluster)?.get('x');
    assert.ok(entry);
    const bytes = entry.bytes();
    assert.ok(bytes.length > 0);
    assert.equal(entry.bytes(), bytes);
    assert.ok(Object.isFrozen(snapshot) && Object.isFrozen(entry));
  });
});
