// Gateway API HTTPRoute/GRPCRoute attached to Services (GAMMA): same routes as the equivalent
// VirtualService, merged per host and ordered by Gateway API precedence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceFile } from '../../load/index.ts';
import { bookinfoFile } from '../../../test/support/bookinfo.ts';
import type { JsonObject } from '../../xds/index.ts';
import type { Flavor } from '../types.ts';
import { assertUsable, compileRoutes, routesOf, service, virtualService, yaml } from './test-helpers.ts';

const HOST = 'reviews.default.svc.cluster.local';
const VHOST = `${HOST}:9080`;
const platform = [bookinfoFile('platform/bookinfo.yaml'), bookinfoFile('platform/bookinfo-versions.yaml')];

/** A route without what only says where it came from (name, Istio config metadata) or Gateway API's 500 for a missing backend. */
function essence(route: JsonObject): JsonObject {
  const { name: _name, metadata: _metadata, ...rest } = route;
  if (rest.route) {
    const { clusterNotFoundResponseCode: _code, ...action } = rest.route as JsonObject;
    rest.route = action;
  }
  return rest;
}

function reviewsRoutes(files: SourceFile[], flavor: Flavor): JsonObject[] {
  const compiled = compileRoutes(files, flavor);
  assertUsable(compiled.resources, flavor);
  assert.deepEqual(compiled.diagnostics, []);
  return routesOf(compiled.get(flavor === 'envoy' ? '9080' : VHOST), VHOST);
}

describe('routes: Gateway API routes', () => {
  for (const flavor of ['envoy', 'grpc'] as const) {
    it(`bookinfo route-reviews-90-10 gives the routes of the equivalent VirtualService (${flavor})`, () => {
      const fromRoute = reviewsRoutes([...platform, bookinfoFile('gateway-api/route-reviews-90-10.yaml')], flavor);
      const equivalent = virtualService(
        'reviews',
        `  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews-v1, port: {number: 9080}}
      weight: 90
    - destination: {host: reviews-v2, port: {number: 9080}}
      weight: 10
`,
      );
      const fromVirtualService = reviewsRoutes([...platform, { path: 'vs.yaml', content: equivalent }], flavor);
      assert.deepEqual(fromRoute.map(essence), fromVirtualService.map(essence));
      assert.deepEqual(((fromRoute[0]?.route as JsonObject).weightedClusters as JsonObject).clusters, [
        { name: 'outbound|9080||reviews-v1.default.svc.cluster.local', weight: 90 },
        { name: 'outbound|9080||reviews-v2.default.svc.cluster.local', weight: 10 },
      ]);
      if (flavor === 'envoy') assert.equal((fromRoute[0]?.route as JsonObject).clusterNotFoundResponseCode, 'INTERNAL_SERVER_ERROR');
    });
  }

  const route = (name: string, rules: string, options: { namespace?: string; port?: number } = {}) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: ${options.namespace ?? 'default'}}
spec:
  parentRefs: [{group: "", kind: Service, name: reviews, namespace: default${options.port ? `, port: ${options.port}` : ''}}]
  rules:
${rules}`;

  it('merges every route attached to the Service and orders matches by precedence', () => {
    const a = route('a', `  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: reviews-v1, port: 9080}]
  - backendRefs: [{name: reviews-v3, port: 9080}]
`);
    const b = route('b', `  - matches: [{path: {type: Exact, value: /api/health}}, {path: {type: PathPrefix, value: /api/v2/}, headers: [{name: x-canary, value: "1"}]}]
    backendRefs: [{name: reviews-v2, port: 9080}]
`);
    const routes = reviewsRoutes([...platform, { path: 'a.yaml', content: a }, { path: 'b.yaml', content: b }], 'envoy');
    assert.deepEqual(
      routes.map((r) => [r.match, (r.route as JsonObject).cluster]),
      [
        [{ path: '/api/health' }, 'outbound|9080||reviews-v2.default.svc.cluster.local'],
        [{ pathSeparatedPrefix: '/api/v2', headers: [{ name: 'x-canary', stringMatch: { exact: '1' } }] }, 'outbound|9080||reviews-v2.default.svc.cluster.local'],
        [{ pathSeparatedPrefix: '/api' }, 'outbound|9080||reviews-v1.default.svc.cluster.local'],
        [{ prefix: '/' }, 'outbound|9080||reviews-v3.default.svc.cluster.local'],
      ],
    );
    // gRPC clients do not know path_separated_prefix: the same segments as a regex
    const grpc = reviewsRoutes([...platform, { path: 'a.yaml', content: a }, { path: 'b.yaml', content: b }], 'grpc');
    assert.deepEqual(grpc[2]?.match, { safeRegex: { regex: '/api(/.*)?' } });
  });

  it('a parentRef port limits the route to that port; a route in another namespace applies only to its own callers', () => {
    const twoPorts = service('reviews', { ports: [['http', 9080], ['http-admin', 9090]] });
    const onPort = route('only-9090', `  - backendRefs: [{name: reviews-v2, port: 9080}]\n`, { port: 9090 });
    const compiled = compileRoutes(yaml(twoPorts, service('reviews-v2', { versions: [] }), onPort), 'envoy');
    assert.equal(routesOf(compiled.get('9080'), VHOST)[0]?.name, 'default');
    assert.equal((routesOf(compiled.get('9090'), `${HOST}:9090`)[0]?.route as JsonObject).cluster, 'outbound|9080||reviews-v2.default.svc.cluster.local');

    const consumer = route('consumer', `  - backendRefs: [{name: reviews-v2, namespace: default, port: 9080}]\n`, { namespace: 'shop' });
    const model = compileRoutes(yaml(service('reviews'), service('reviews-v2', { versions: [] }), consumer), 'envoy').model;
    assert.equal(routesOf(compileRoutes(model, 'envoy', { namespace: 'default' }).get('9080'), VHOST)[0]?.name, 'default');
    assert.equal((routesOf(compileRoutes(model, 'envoy', { namespace: 'shop' }).get('9080'), VHOST)[0]?.route as JsonObject).cluster, 'outbound|9080||reviews-v2.default.svc.cluster.local');
  });

  it('URLRewrite: ReplacePrefixMatch and ReplaceFullPath', () => {
    const rewrite = route('rw', `  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}]
    backendRefs: [{name: reviews-v1, port: 9080}]
  - matches: [{path: {type: PathPrefix, value: /strip}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
    backendRefs: [{name: reviews-v1, port: 9080}]
  - matches: [{path: {type: PathPrefix, value: /full}}]
    filters: [{type: URLRewrite, urlRewrite: {hostname: internal, path: {type: ReplaceFullPath, replaceFullPath: /index.html}}}]
    backendRefs: [{name: reviews-v1, port: 9080}]
`);
    const routes = reviewsRoutes([...platform, { path: 'rw.yaml', content: rewrite }], 'envoy');
    // longest prefix first: /strip, /full, /old
    const [strip, full, old] = routes.map((r) => r.route as JsonObject);
    assert.equal(old?.prefixRewrite, '/new');
    assert.deepEqual(strip?.regexRewrite, { pattern: { regex: '^/strip(/?)(.*)' }, substitution: '/\\2' });
    assert.deepEqual(full?.regexRewrite, { pattern: { regex: '/.*' }, substitution: '/index.html' });
    assert.equal(full?.hostRewriteLiteral, 'internal');
  });

  it('header modifier filters (the Gateway API list form)', () => {
    const headers = route('hm', `  - filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: x-b, value: "2"}, {name: x-a, value: "1"}], add: [{name: x-c, value: "3"}], remove: [x-d]}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {remove: [server]}
    backendRefs: [{name: reviews-v1, port: 9080}]
`);
    const [r] = reviewsRoutes([...platform, { path: 'hm.yaml', content: headers }], 'envoy');
    assert.deepEqual(r?.requestHeadersToAdd, [
      { header: { key: 'x-a', value: '1' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-b', value: '2' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-c', value: '3' }, appendAction: 'APPEND_IF_EXISTS_OR_ADD' },
    ]);
    assert.deepEqual(r?.requestHeadersToRemove, ['x-d']);
    assert.deepEqual(r?.responseHeadersToRemove, ['server']);
  });

  it('a rule whose backends all have weight 0 answers 500 (SLU7008)', () => {
    const zero = route('zero', `  - backendRefs: [{name: reviews-v1, port: 9080, weight: 0}]\n`);
    const compiled = compileRoutes([...platform, { path: 'zero.yaml', content: zero }], 'envoy');
    assert.deepEqual(routesOf(compiled.get('9080'), VHOST)[0]?.directResponse, { status: 500 });
    assert.deepEqual(compiled.diagnostics.map((d) => d.code), ['SLU7008']);
  });

  it('GRPCRoute methods become path matches', () => {
    const grpcRoute = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: reviews, namespace: default}
spec:
  parentRefs: [{group: "", kind: Service, name: reviews}]
  rules:
  - matches: [{method: {service: bookinfo.Reviews, method: Get}}]
    backendRefs: [{name: reviews-v2, port: 9080}]
  - backendRefs: [{name: reviews-v1, port: 9080}]
`;
    const routes = reviewsRoutes([...platform, { path: 'grpc.yaml', content: grpcRoute }], 'grpc');
    assert.deepEqual(
      routes.map((r) => [r.match, (r.route as JsonObject).cluster]),
      [
        [{ path: '/bookinfo.Reviews/Get' }, 'outbound|9080||reviews-v2.default.svc.cluster.local'],
        [{ prefix: '/' }, 'outbound|9080||reviews-v1.default.svc.cluster.local'],
      ],
    );
  });
});
