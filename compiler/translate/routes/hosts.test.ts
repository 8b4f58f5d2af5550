// Virtual hosts: which services and ports, their domains, and which VirtualService routes them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSnapshot } from '../../verify/snapshot.ts';
import type { JsonObject } from '../../xds/index.ts';
import { compileRoutes, routesOf, service, subsets, virtualService, vhost, yaml } from './test-helpers.ts';

const HOST = 'reviews.default.svc.cluster.local';

function names(json: JsonObject): string[] {
  return (json.virtualHosts as JsonObject[]).map((v) => v.name as string);
}

describe('routes: virtual hosts and domains', () => {
  it('one configuration per HTTP-ish port: named, HTTP2, gRPC and unnamed (sniffed) ports, not TCP or UDP', () => {
    const svc = `apiVersion: v1
kind: Service
metadata: {name: mixed, namespace: default}
spec:
  selector: {app: mixed}
  ports:
  - {name: http-web, port: 80}
  - {name: h2, port: 81, appProtocol: kubernetes.io/h2c}
  - {name: grpc-api, port: 82}
  - {port: 83}
  - {name: tcp-db, port: 84}
  - {name: dns, port: 85, protocol: UDP}
  - {name: mysql, port: 3306}
`;
    const compiled = compileRoutes(svc, 'envoy');
    assert.deepEqual(
      compiled.resources.map((r) => r.name),
      ['80', '81', '82', '83'],
    );
  });

  it('domains: every name from the proxy namespace with and without port; short names only in the same namespace', () => {
    const compiled = compileRoutes(yaml(service('reviews'), service('ratings', { namespace: 'shop' })), 'envoy');
    const resource = compiled.get('9080');
    assert.deepEqual(names(resource.json), ['ratings.shop.svc.cluster.local:9080', `${HOST}:9080`]);
    assert.deepEqual(vhost(resource, 'ratings.shop.svc.cluster.local:9080').domains, [
      'ratings.shop.svc.cluster.local',
      'ratings.shop.svc.cluster.local:9080',
      'ratings.shop.svc',
      'ratings.shop.svc:9080',
      'ratings.shop',
      'ratings.shop:9080',
    ]);
    assert.deepEqual(vhost(resource, `${HOST}:9080`).domains, [HOST, `${HOST}:9080`, 'reviews.default.svc', 'reviews.default.svc:9080', 'reviews.default', 'reviews.default:9080', 'reviews', 'reviews:9080']);
    const fromShop = compileRoutes(compiled.model, 'envoy', { namespace: 'shop' }).get('9080');
    assert.ok((vhost(fromShop, 'ratings.shop.svc.cluster.local:9080').domains as string[]).includes('ratings'));
    assert.ok(!(vhost(fromShop, `${HOST}:9080`).domains as string[]).includes('reviews'));
  });

  it('never repeats a domain in one configuration: a ServiceEntry host keeps its own name over another service alias', () => {
    const entry = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: default}
spec:
  hosts: [reviews.default, REVIEWS.default.svc]
  location: MESH_INTERNAL
  resolution: DNS
  ports: [{number: 9080, name: http, protocol: HTTP}]
`;
    const compiled = compileRoutes(yaml(service('reviews'), entry), 'envoy');
    const resource = compiled.get('9080');
    const all = (resource.json.virtualHosts as JsonObject[]).flatMap((v) => v.domains as string[]);
    assert.equal(new Set(all.map((d) => d.toLowerCase())).size, all.length, all.join(' '));
    assert.deepEqual(vhost(resource, 'reviews.default:9080').domains, ['reviews.default', 'reviews.default:9080']);
    assert.deepEqual(vhost(resource, 'REVIEWS.default.svc:9080').domains, ['REVIEWS.default.svc', 'REVIEWS.default.svc:9080']);
    assert.deepEqual(vhost(resource, `${HOST}:9080`).domains, [HOST, `${HOST}:9080`, 'reviews', 'reviews:9080']);
    assert.deepEqual(checkSnapshot([resource]).filter((v) => v.rule === 'snapshot.duplicate_domain'), []);
  });

  it('services not exported to the proxy namespace get no virtual host', () => {
    const hidden = service('internal', { namespace: 'ops' }).replace('metadata: {name: internal, namespace: ops}', 'metadata: {name: internal, namespace: ops, annotations: {networking.istio.io/exportTo: "."}}');
    const compiled = compileRoutes(yaml(service('reviews'), hidden), 'envoy');
    assert.deepEqual(names(compiled.get('9080').json), [`${HOST}:9080`]);
    assert.deepEqual(names(compileRoutes(compiled.model, 'envoy', { namespace: 'ops' }).get('9080').json), ['internal.ops.svc.cluster.local:9080', `${HOST}:9080`]);
  });

  it('the first VirtualService for a host wins; exportTo and gateways-only VirtualServices are honoured', () => {
    const vs = (name: string, subset: string, extra = '') => virtualService(name, `  hosts: [reviews]\n${extra}  http:\n  - route: [{destination: {host: reviews, subset: ${subset}}}]\n`);
    const first = compileRoutes(yaml(service('reviews'), subsets('reviews', ['v1', 'v2', 'v3']), vs('a', 'v1'), vs('b', 'v2')), 'envoy');
    assert.equal((routesOf(first.get('9080'), `${HOST}:9080`)[0]?.route as JsonObject).cluster, `outbound|9080|v1|${HOST}`);
    assert.deepEqual(first.diagnostics, []);
    const scoped = compileRoutes(yaml(service('reviews'), subsets('reviews'), vs('a', 'v1', '  exportTo: ["."]\n')), 'envoy', { namespace: 'other' });
    assert.equal(routesOf(scoped.get('9080'), `${HOST}:9080`)[0]?.name, 'default');
    const gatewayOnly = compileRoutes(yaml(service('reviews'), subsets('reviews'), vs('a', 'v1', '  gateways: [ingress]\n')), 'envoy');
    assert.equal(routesOf(gatewayOnly.get('9080'), `${HOST}:9080`)[0]?.name, 'default');
  });

  it('a wildcard VirtualService routes ServiceEntry hosts it covers', () => {
    const entry = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
`;
    const vs = virtualService('ext', `  hosts: ["*.example.com"]\n  http:\n  - timeout: 3s\n    route: [{destination: {host: api.example.com}}]\n`);
    const compiled = compileRoutes(yaml(entry, vs), 'envoy');
    const [r] = routesOf(compiled.get('80'), 'api.example.com:80');
    assert.equal((r?.route as JsonObject).timeout, '3s');
    assert.equal((r?.route as JsonObject).cluster, 'outbound|80||api.example.com');
  });

  it('port, sourceLabels and sourceNamespace decide per proxy; a VirtualService left without routes falls back to the default', () => {
    const multi = service('reviews', { ports: [['http', 9080], ['http-admin', 9090]] });
    const vs = virtualService(
      'reviews',
      `  hosts: [reviews]
  http:
  - match: [{port: 9090, uri: {prefix: /admin}}]
    route: [{destination: {host: reviews, port: {number: 9090}}}]
  - match: [{sourceLabels: {app: productpage}}]
    route: [{destination: {host: reviews, subset: v2, port: {number: 9080}}}]
  - match: [{sourceNamespace: shop, port: 9080}]
    route: [{destination: {host: reviews, subset: v1, port: {number: 9080}}}]
`,
    );
    const model = compileRoutes(yaml(multi, subsets('reviews'), vs), 'envoy').model;
    const clusters = (ns: string, labels: Record<string, string>, port: string) =>
      routesOf(compileRoutes(model, 'envoy', { namespace: ns, labels }).get(port), `${HOST}:${port}`).map((r) => `${r.name ?? ''}${String((r.route as JsonObject).cluster)}`);
    assert.deepEqual(clusters('default', { app: 'productpage' }, '9080'), [`outbound|9080|v2|${HOST}`]);
    assert.deepEqual(clusters('shop', {}, '9080'), [`outbound|9080|v1|${HOST}`]);
    assert.deepEqual(clusters('default', {}, '9080'), [`defaultoutbound|9080||${HOST}`]);
    assert.deepEqual(clusters('default', {}, '9090'), [`outbound|9090||${HOST}`]);
  });

  it('stops at the first route that matches everything, as Envoy never reaches the rest', () => {
    const vs = virtualService(
      'reviews',
      `  hosts: [reviews]
  http:
  - match: [{headers: {x: {exact: "1"}}}, {uri: {prefix: /}}, {uri: {prefix: /never}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`,
    );
    const routes = routesOf(compileRoutes(yaml(service('reviews'), subsets('reviews'), vs), 'envoy').get('9080'), `${HOST}:9080`);
    assert.equal(routes.length, 2);
  });

  it('destination port: explicit, else the service only port, else the listener port', () => {
    const vs = virtualService(
      'front',
      `  hosts: [front]
  http:
  - match: [{uri: {prefix: /a}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /b}}]
    route: [{destination: {host: multi}}]
  - route: [{destination: {host: multi, port: {number: 7000}}}]
`,
    );
    const compiled = compileRoutes(yaml(service('front', { ports: [['http', 8080]] }), service('reviews'), service('multi', { ports: [['http', 8080], ['http-b', 7000]] }), vs), 'envoy');
    assert.deepEqual(
      routesOf(compiled.get('8080'), 'front.default.svc.cluster.local:8080').map((r) => (r.route as JsonObject).cluster),
      [`outbound|9080||${HOST}`, 'outbound|8080||multi.default.svc.cluster.local', 'outbound|7000||multi.default.svc.cluster.local'],
    );
  });

  it('output is deterministic', () => {
    const files = yaml(service('b'), service('a'), service('c', { namespace: 'x' }), subsets('a.default.svc.cluster.local'));
    const one = compileRoutes(files, 'envoy');
    const two = compileRoutes(files, 'envoy');
    assert.deepEqual(one.resources.map((r) => r.json), two.resources.map((r) => r.json));
    assert.deepEqual(names(one.get('9080').json), ['a.default.svc.cluster.local:9080', 'b.default.svc.cluster.local:9080', 'c.x.svc.cluster.local:9080']);
  });
});
