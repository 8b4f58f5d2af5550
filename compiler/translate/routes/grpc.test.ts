// The grpc flavor: one RouteConfiguration per host:port, only what gRPC clients honour, and a
// diagnostic for everything left out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../xds/index.ts';
import type { Compiled } from './test-helpers.ts';
import { assertUsable, compileRoutes, routesOf, service, subsets, virtualService, yaml } from './test-helpers.ts';

const HOST = 'reviews.default.svc.cluster.local';
const VHOST = `${HOST}:9080`;

function grpc(http: string, extra: string[] = []): Compiled & { routes: JsonObject[]; codes: string[] } {
  const compiled = compileRoutes(yaml(service('reviews', { ports: [['grpc', 9080]] }), subsets('reviews'), ...extra, virtualService('reviews', `  hosts: [reviews]\n  http:\n${http}`)), 'grpc');
  assertUsable(compiled.resources, 'grpc');
  return { ...compiled, routes: routesOf(compiled.get(VHOST), VHOST), codes: compiled.diagnostics.map((d) => `${d.code} ${d.severity}`) };
}

describe('routes: grpc flavor', () => {
  it('one route configuration per host:port with a single virtual host matching any authority', () => {
    const compiled = compileRoutes(yaml(service('reviews', { ports: [['grpc', 9080], ['grpc-admin', 9090], ['tcp-db', 5432]] }), service('ratings', { namespace: 'other' })), 'grpc');
    assert.deepEqual(
      compiled.resources.map((r) => r.name),
      ['ratings.other.svc.cluster.local:9080', 'reviews.default.svc.cluster.local:9080', 'reviews.default.svc.cluster.local:9090'],
    );
    assertUsable(compiled.resources, 'grpc');
    const json = compiled.get(VHOST).json;
    assert.deepEqual(json, {
      name: VHOST,
      virtualHosts: [
        {
          name: VHOST,
          domains: ['*'],
          routes: [
            {
              name: 'default',
              match: { prefix: '/' },
              route: {
                cluster: `outbound|9080||${HOST}`,
                maxStreamDuration: { maxStreamDuration: '0s', grpcTimeoutHeaderMax: '0s' },
                retryPolicy: { retryOn: 'unavailable,cancelled', numRetries: 2 },
              },
            },
          ],
        },
      ],
    });
  });

  it('timeout as max_stream_duration (grpc clients ignore the route timeout)', () => {
    const { routes } = grpc(`  - timeout: 2s\n    route: [{destination: {host: reviews}}]\n`);
    const action = routes[0]?.route as JsonObject;
    assert.deepEqual(action.maxStreamDuration, { maxStreamDuration: '2s', grpcTimeoutHeaderMax: '2s' });
    assert.equal(action.timeout, undefined);
    assert.equal(action.maxGrpcTimeout, undefined);
  });

  it('retries narrowed to gRPC conditions, attempts capped at 4, long backoff left out (SLU7003), perTryTimeout reported (SLU7001)', () => {
    const { routes, codes, diagnostics } = grpc(`  - retries: {attempts: 7, retryOn: "5xx,unavailable,deadline-exceeded", backoff: 2s, perTryTimeout: 1s}
    route: [{destination: {host: reviews}}]
`);
    assert.deepEqual((routes[0]?.route as JsonObject).retryPolicy, { retryOn: 'unavailable,deadline-exceeded', numRetries: 4 });
    assert.deepEqual(codes.sort(), ['SLU7001 warning', 'SLU7003 warning', 'SLU7003 warning', 'SLU7003 warning']);
    assert.ok(diagnostics.some((d) => d.message.includes('"5xx"')));
    const short = grpc(`  - retries: {attempts: 2, backoff: 100ms}\n    route: [{destination: {host: reviews}}]\n`);
    assert.deepEqual((short.routes[0]?.route as JsonObject).retryPolicy, { retryOn: 'unavailable,cancelled', numRetries: 2, retryBackOff: { baseInterval: '0.100s' } });
    assert.deepEqual(short.codes, []);
    const none = grpc(`  - retries: {attempts: 3, retryOn: "5xx,reset"}\n    route: [{destination: {host: reviews}}]\n`);
    assert.equal((none.routes[0]?.route as JsonObject).retryPolicy, undefined);
    assert.deepEqual(none.codes, ['SLU7003 warning']);
    assert.match(none.diagnostics[0]?.message ?? '', /retryOn "5xx", "reset" has no gRPC retry condition/);
  });

  it('keeps header matches, weighted clusters and faults', () => {
    const { routes, codes } = grpc(`  - match: [{headers: {x-user: {exact: jason}}, uri: {prefix: /reviews.Reviews/}}]
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 50}}}
    route:
    - destination: {host: reviews, subset: v1}
      weight: 75
    - destination: {host: reviews, subset: v2}
      weight: 25
`);
    const [r] = routes;
    assert.deepEqual(r?.match, { prefix: '/reviews.Reviews/', headers: [{ name: 'x-user', stringMatch: { exact: 'jason' } }] });
    assert.deepEqual(((r?.route as JsonObject).weightedClusters as JsonObject).clusters, [
      { name: `outbound|9080|v1|${HOST}`, weight: 75 },
      { name: `outbound|9080|v2|${HOST}`, weight: 25 },
    ]);
    assert.ok((r?.typedPerFilterConfig as JsonObject)['envoy.filters.http.fault']);
    assert.equal(r?.metadata, undefined);
    assert.deepEqual(codes, []);
  });

  it('leaves out routes clients would NACK or match too broadly (SLU7002), and keeps the rest', () => {
    const { routes, diagnostics } = grpc(`  - match: [{uri: {prefix: /old}}]
    redirect: {uri: /new}
  - match: [{queryParams: {v: {exact: "2"}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - match: [{method: {exact: POST}}, {headers: {x-a: {exact: "1"}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - directResponse: {status: 404}
`);
    assert.deepEqual(
      routes.map((r) => r.match),
      [{ prefix: '/', headers: [{ name: 'x-a', stringMatch: { exact: '1' } }] }],
    );
    assert.deepEqual(
      diagnostics.map((d) => `${d.code} ${d.line}`),
      ['SLU7002 43', 'SLU7002 44', 'SLU7002 46', 'SLU7002 48', 'SLU7002 50'], // redirect, queryParams, method, JWT claim, directResponse
    );
    for (const r of routes) assert.equal(r.redirect ?? r.directResponse ?? r.nonForwardingAction, undefined);
  });

  it('reports and leaves out settings clients ignore: rewrite, headers, mirror, CORS (SLU7001)', () => {
    const { routes, diagnostics } = grpc(`  - rewrite: {uri: /v2/}
    headers: {request: {set: {x-a: "1"}}}
    mirror: {host: reviews, subset: v2}
    corsPolicy: {allowOrigins: [{exact: "*"}]}
    route: [{destination: {host: reviews, subset: v1}}]
`);
    const r = routes[0] as JsonObject;
    assert.deepEqual(Object.keys(r), ['match', 'route']);
    assert.deepEqual(Object.keys(r.route as JsonObject), ['cluster', 'maxStreamDuration', 'retryPolicy']);
    assert.deepEqual(diagnostics.map((d) => d.code), ['SLU7001', 'SLU7001', 'SLU7001', 'SLU7001']);
    assert.ok(diagnostics.every((d) => d.message.includes('proxyless gRPC')));
  });

  it('hashes on headers only; other consistent hash keys are reported once', () => {
    const dr = (hash: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy: {loadBalancer: {consistentHash: ${hash}}}
`;
    const header = compileRoutes(yaml(service('reviews'), dr('{httpHeaderName: x-user}')), 'grpc');
    assert.deepEqual((routesOf(header.get(VHOST), VHOST)[0]?.route as JsonObject).hashPolicy, [{ header: { headerName: 'x-user' } }]);
    const cookie = compileRoutes(yaml(service('reviews'), dr('{httpCookie: {name: s, ttl: 0s}}')), 'grpc');
    assert.equal((routesOf(cookie.get(VHOST), VHOST)[0]?.route as JsonObject).hashPolicy, undefined);
    assert.deepEqual(cookie.diagnostics.map((d) => d.code), ['SLU7001']);
  });

  it('groups a regex alternation, which gRPC clients anchor as ^re$ without a group', () => {
    const { routes } = grpc(`  - match: [{uri: {regex: "/a.A/x|/a.A/y"}}]\n    route: [{destination: {host: reviews}}]\n`);
    assert.deepEqual(routes[0]?.match, { safeRegex: { regex: '(?:/a.A/x|/a.A/y)' } });
  });
});
