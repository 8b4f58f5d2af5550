// Focused unit tests: one Istio setting each, asserting the Envoy JSON of the route.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../xds/index.ts';
import { encodeResource } from '../../xds/index.ts';
import { verifyResource } from '../../verify/index.ts';
import { compileRoutes, routesOf, service, subsets, virtualService, yaml } from './test-helpers.ts';

const HOST = 'reviews.default.svc.cluster.local';
const VHOST = `${HOST}:9080`;
const base = [service('reviews'), subsets('reviews')];

/** The routes of reviews:9080 for a VirtualService `http:` block, after checking the resource encodes and verifies. */
function routes(http: string, flavor: 'envoy' | 'grpc' = 'envoy', extra: string[] = []): JsonObject[] {
  const compiled = compileRoutes(yaml(...base, ...extra, virtualService('reviews', `  hosts: [reviews]\n  http:\n${http}`)), flavor);
  const resource = compiled.get(flavor === 'envoy' ? '9080' : VHOST);
  encodeResource(resource.typeUrl, resource.json);
  assert.deepEqual(verifyResource(resource.typeUrl, resource.json), []);
  return routesOf(resource, VHOST);
}

function action(route: JsonObject | undefined): JsonObject {
  return (route as JsonObject).route as JsonObject;
}

describe('routes: one setting at a time (envoy)', () => {
  it('header match: exact, prefix, regex, presence, and withoutHeaders inverted', () => {
    const [r] = routes(`  - match:
    - headers:
        end-user: {exact: jason}
        x-tenant: {prefix: acme-}
        x-id: {regex: "[0-9]+"}
        x-debug: {}
      withoutHeaders:
        x-skip: {exact: "1"}
        x-trace: {}
    route:
    - destination: {host: reviews, subset: v2}
`);
    assert.deepEqual((r as JsonObject).match, {
      prefix: '/',
      headers: [
        { name: 'end-user', stringMatch: { exact: 'jason' } },
        { name: 'x-debug', presentMatch: true },
        { name: 'x-id', stringMatch: { safeRegex: { regex: '[0-9]+' } } },
        { name: 'x-skip', stringMatch: { exact: '1' }, invertMatch: true, treatMissingHeaderAsEmpty: true },
        { name: 'x-tenant', stringMatch: { prefix: 'acme-' } },
        { name: 'x-trace', presentMatch: true, invertMatch: true },
      ],
    });
  });

  it('uri, method, authority, scheme, query parameters and ignoreUriCase', () => {
    const list = routes(`  - match:
    - uri: {exact: /api}
      method: {exact: GET}
      authority: {prefix: shop.}
      scheme: {exact: https}
      queryParams:
        v: {exact: "2"}
        debug: {}
    - uri: {prefix: /static/}
      ignoreUriCase: true
    - uri: {regex: "/items/[0-9]+"}
    route:
    - destination: {host: reviews}
`);
    assert.deepEqual(list.map((r) => r.match), [
      {
        path: '/api',
        headers: [
          { name: ':method', stringMatch: { exact: 'GET' } },
          { name: ':authority', stringMatch: { prefix: 'shop.' } },
          { name: ':scheme', stringMatch: { exact: 'https' } },
        ],
        queryParameters: [
          { name: 'debug', presentMatch: true },
          { name: 'v', stringMatch: { exact: '2' } },
        ],
      },
      { prefix: '/static/', caseSensitive: false },
      { safeRegex: { regex: '/items/[0-9]+' } },
    ]);
  });

  it('timeout: route timeout and max_grpc_timeout, both 0s without one', () => {
    const [timed, untimed] = routes(`  - match: [{uri: {prefix: /slow}}]
    timeout: 1.5s
    route: [{destination: {host: reviews}}]
  - timeout: 250ms
    route: [{destination: {host: reviews}}]
`);
    assert.equal(action(timed).timeout, '1.500s');
    assert.equal(action(timed).maxGrpcTimeout, '1.500s');
    assert.equal(action(untimed).timeout, '0.250s');
    const [plain] = routes(`  - route: [{destination: {host: reviews}}]\n`);
    assert.equal(action(plain).timeout, '0s');
    assert.equal(action(plain).maxGrpcTimeout, '0s');
  });

  it('retries: Istio default without retries, removed by attempts 0, numbers in retryOn become status codes', () => {
    const [def] = routes(`  - route: [{destination: {host: reviews}}]\n`);
    assert.deepEqual(action(def).retryPolicy, {
      retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      numRetries: 2,
      retriableStatusCodes: [503],
      hostSelectionRetryMaxAttempts: '5',
      retryHostPredicate: [
        {
          name: 'envoy.retry_host_predicates.previous_hosts',
          typedConfig: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', typeUrl: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate', value: {} },
        },
      ],
    });
    const [off] = routes(`  - retries: {attempts: 0}\n    route: [{destination: {host: reviews}}]\n`);
    assert.equal(action(off).retryPolicy, undefined);
    const [custom] = routes(`  - retries: {attempts: 3, perTryTimeout: 2s, retryOn: "gateway-error,503,504", retryIgnorePreviousHosts: false, backoff: 100ms, retryRemoteLocalities: true}
    route: [{destination: {host: reviews}}]
`);
    const policy = action(custom).retryPolicy as JsonObject;
    assert.equal(policy.numRetries, 3);
    assert.equal(policy.retryOn, 'gateway-error,retriable-status-codes');
    assert.deepEqual(policy.retriableStatusCodes, [503, 504]);
    assert.equal(policy.perTryTimeout, '2s');
    assert.equal(policy.retryHostPredicate, undefined);
    assert.deepEqual(policy.retryBackOff, { baseInterval: '0.100s' });
    assert.equal((policy.retryPriority as JsonObject).name, 'envoy.retry_priorities.previous_priorities');
    const [onlyCodes] = routes(`  - retries: {attempts: 1, retryOn: "503"}\n    route: [{destination: {host: reviews}}]\n`);
    assert.equal((action(onlyCodes).retryPolicy as JsonObject).retryOn, 'retriable-status-codes');
  });

  it('fault: abort and delay as HTTPFault per route, percentages per million', () => {
    const [r] = routes(`  - fault:
      abort: {httpStatus: 500, percentage: {value: 100.0}}
      delay: {fixedDelay: 7s, percentage: {value: 0.1}}
    route: [{destination: {host: reviews, subset: v1}}]
`);
    assert.deepEqual((r as JsonObject).typedPerFilterConfig, {
      'envoy.filters.http.fault': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        delay: { fixedDelay: '7s', percentage: { numerator: 1000, denominator: 'MILLION' } },
        abort: { httpStatus: 500, percentage: { numerator: 1_000_000, denominator: 'MILLION' } },
      },
    });
    const [grpcAbort] = routes(`  - fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 50}}, delay: {fixedDelay: 1s, percent: 10}}
    route: [{destination: {host: reviews}}]
`);
    const fault = ((grpcAbort as JsonObject).typedPerFilterConfig as JsonObject)['envoy.filters.http.fault'] as JsonObject;
    assert.deepEqual(fault.abort, { grpcStatus: 14, percentage: { numerator: 500_000, denominator: 'MILLION' } });
    assert.deepEqual(fault.delay, { fixedDelay: '1s', percentage: { numerator: 10, denominator: 'HUNDRED' } });
  });

  it('mirror and mirrors: request mirror policies with runtime fractions', () => {
    const [single] = routes(`  - mirror: {host: reviews, subset: v2}
    mirrorPercentage: {value: 12.5}
    route: [{destination: {host: reviews, subset: v1}}]
`);
    assert.deepEqual(action(single).requestMirrorPolicies, [
      { cluster: `outbound|9080|v2|${HOST}`, runtimeFraction: { defaultValue: { numerator: 125_000, denominator: 'MILLION' } }, traceSampled: false },
    ]);
    const [several] = routes(`  - mirrors:
    - destination: {host: reviews, subset: v2}
    - destination: {host: ratings.other.svc.cluster.local, port: {number: 8080}}
      percentage: {value: 5}
    - destination: {host: reviews}
      percentage: {value: 0}
    route: [{destination: {host: reviews, subset: v1}}]
`);
    assert.deepEqual(action(several).requestMirrorPolicies, [
      { cluster: `outbound|9080|v2|${HOST}`, runtimeFraction: { defaultValue: { numerator: 100, denominator: 'HUNDRED' } }, traceSampled: false },
      { cluster: 'outbound|8080||ratings.other.svc.cluster.local', runtimeFraction: { defaultValue: { numerator: 50_000, denominator: 'MILLION' } }, traceSampled: false },
    ]);
  });

  it('redirect: RedirectAction with code, port and scheme', () => {
    const [r, derived] = routes(`  - match: [{uri: {prefix: /old}}]
    redirect: {uri: /new, authority: shop.example.com, redirectCode: 308, scheme: https, port: 8443}
  - redirect: {uri: /other, derivePort: FROM_REQUEST_PORT}
`);
    assert.deepEqual(r, {
      match: { prefix: '/old' },
      redirect: { hostRedirect: 'shop.example.com', pathRedirect: '/new', schemeRedirect: 'https', portRedirect: 8443, responseCode: 'PERMANENT_REDIRECT' },
      metadata: { filterMetadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews' } } },
    });
    assert.deepEqual((derived as JsonObject).redirect, { pathRedirect: '/other', portRedirect: 9080 });
  });

  it('directResponse: status and inline body, with the 1 MiB body limit on the configuration', () => {
    const compiled = compileRoutes(yaml(...base, virtualService('reviews', `  hosts: [reviews]\n  http:\n  - directResponse: {status: 503, body: {string: "down for maintenance"}}\n`)), 'envoy');
    const resource = compiled.get('9080');
    assert.deepEqual(routesOf(resource, VHOST)[0]?.directResponse, { status: 503, body: { inlineString: 'down for maintenance' } });
    assert.equal(resource.json.maxDirectResponseBodySizeBytes, 1024 * 1024);
    assert.deepEqual(verifyResource(resource.typeUrl, resource.json), []);
  });

  it('rewrite, headers and authority', () => {
    const [r, regex] = routes(`  - match: [{uri: {prefix: /v1/}}]
    rewrite: {uri: /}
    headers:
      request:
        set: {x-b: "2", x-a: "1", ":authority": ignored.example.com}
        add: {x-added: yes}
        remove: [x-secret, host]
      response:
        set: {cache-control: no-store}
        remove: [server]
    route:
    - destination: {host: reviews, subset: v1}
      headers:
        request: {set: {x-dest: v1}}
  - rewrite: {uriRegexRewrite: {match: "^/api/(.*)", rewrite: "/\\\\1"}, authority: internal.example.com}
    route: [{destination: {host: reviews}}]
`);
    const route = r as JsonObject;
    assert.equal(action(route).prefixRewrite, '/');
    assert.equal(action(route).hostRewriteLiteral, 'ignored.example.com');
    assert.deepEqual(route.requestHeadersToAdd, [
      { header: { key: 'x-a', value: '1' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-b', value: '2' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-added', value: 'yes' }, appendAction: 'APPEND_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-dest', value: 'v1' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    ]);
    assert.deepEqual(route.requestHeadersToRemove, ['x-secret']);
    assert.deepEqual(route.responseHeadersToAdd, [{ header: { key: 'cache-control', value: 'no-store' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    assert.deepEqual(route.responseHeadersToRemove, ['server']);
    assert.deepEqual(action(regex as JsonObject).regexRewrite, { pattern: { regex: '^/api/(.*)' }, substitution: '/\\1' });
    assert.equal(action(regex as JsonObject).hostRewriteLiteral, 'internal.example.com');
  });

  it('corsPolicy: CorsPolicy per route', () => {
    const [r] = routes(`  - corsPolicy:
      allowOrigins: [{exact: "https://shop.example.com"}, {regex: "https://.*\\\\.example\\\\.org"}]
      allowMethods: [GET, POST]
      allowHeaders: [x-user]
      exposeHeaders: [x-trace]
      maxAge: 24h
      allowCredentials: true
    route: [{destination: {host: reviews}}]
`);
    assert.deepEqual(((r as JsonObject).typedPerFilterConfig as JsonObject)['envoy.filters.http.cors'], {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      allowOriginStringMatch: [{ exact: 'https://shop.example.com' }, { safeRegex: { regex: 'https://.*\\.example\\.org' } }],
      allowMethods: 'GET,POST',
      allowHeaders: 'x-user',
      exposeHeaders: 'x-trace',
      maxAge: '86400',
      allowCredentials: true,
      filterEnabled: { defaultValue: { numerator: 100, denominator: 'HUNDRED' } },
      forwardNotMatchingPreflights: true,
    });
  });

  it('consistent hash from the DestinationRule: route hash policy, and the default retry policy without previous-hosts', () => {
    const hashed = [
      service('reviews'),
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {consistentHash: {httpHeaderName: x-user}}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {consistentHash: {httpCookie: {name: session, ttl: 60s, path: /}}}
`,
    ];
    const compiled = compileRoutes(
      yaml(...hashed, virtualService('reviews', `  hosts: [reviews]\n  http:\n  - match: [{uri: {prefix: /a}}]\n    route: [{destination: {host: reviews, subset: v1}}]\n  - route: [{destination: {host: reviews, subset: v2}}]\n`)),
      'envoy',
    );
    const [a, b] = routesOf(compiled.get('9080'), VHOST);
    assert.deepEqual(action(a).hashPolicy, [{ header: { headerName: 'x-user' } }]);
    assert.equal((action(a).retryPolicy as JsonObject).retryHostPredicate, undefined);
    assert.deepEqual(action(b).hashPolicy, [{ cookie: { name: 'session', ttl: '60s', path: '/' } }]);
  });

  it('route names: the rule name, joined with the match name', () => {
    const list = routes(`  - name: canary
    match: [{name: by-header, headers: {x-canary: {exact: "1"}}}, {uri: {prefix: /beta}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`);
    assert.deepEqual(
      list.map((r) => r.name),
      ['canary.by-header', 'canary', undefined],
    );
  });

  it('JWT claim matches become dynamic metadata matchers; statPrefix is kept', () => {
    const [r] = routes(`  - match:
    - headers:
        "@request.auth.claims.groups": {exact: admin}
      withoutHeaders:
        "@request.auth.claims[org][tier]": {prefix: free}
      statPrefix: admin
    route: [{destination: {host: reviews}}]
`);
    assert.deepEqual((r as JsonObject).match, {
      prefix: '/',
      dynamicMetadata: [
        { filter: 'istio_authn', path: [{ key: 'request.auth.claims' }, { key: 'groups' }], value: { listMatch: { oneOf: { stringMatch: { exact: 'admin' } } } } },
        { filter: 'istio_authn', path: [{ key: 'request.auth.claims' }, { key: 'org' }, { key: 'tier' }], value: { listMatch: { oneOf: { stringMatch: { prefix: 'free' } } } }, invert: true },
      ],
    });
    assert.equal((r as JsonObject).statPrefix, 'admin');
  });
});
