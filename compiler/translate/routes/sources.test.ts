// Source maps: every part of a route points back at the policy node that produced it, so a
// verify violation anywhere in the output lands on the right line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyResource } from '../../verify/index.ts';
import type { JsonValue } from '../../xds/index.ts';
import { XdsCodecError, encodeResource } from '../../xds/index.ts';
import type { Resource } from '../types.ts';
import { compileRoutes, originOf, service, subsets, virtualService, yaml } from './test-helpers.ts';

const vs = virtualService(
  'reviews',
  `  hosts: [reviews]
  http:
  - name: jason
    match:
    - headers: {end-user: {exact: jason}}
      uri: {prefix: /reviews}
    timeout: 3s
    retries: {attempts: 2, retryOn: "5xx,unavailable"}
    fault: {delay: {fixedDelay: 1s, percentage: {value: 10}}}
    mirror: {host: reviews, subset: v3}
    route:
    - destination: {host: reviews, subset: v1}
      weight: 75
    - destination: {host: reviews, subset: v2}
      weight: 25
  - route:
    - destination: {host: reviews, subset: v3}
`,
);
const files = yaml(service('reviews', { versions: ['v1', 'v2', 'v3'] }), subsets('reviews', ['v1', 'v2', 'v3']), vs);

/** Every leaf path of a JSON value. */
function leaves(value: JsonValue, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  else out.push(path);
  return out;
}

function node(resource: Resource, path: (string | number)[]): string {
  const origin = originOf(resource, path);
  return origin ? `${origin.doc.kind} ${origin.path.join('.')}` : 'none';
}

describe('routes: source maps', () => {
  for (const flavor of ['envoy', 'grpc'] as const) {
    it(`maps route parts to the rule, match, destination and setting nodes (${flavor})`, () => {
      const compiled = compileRoutes(files, flavor);
      const resource = compiled.get(flavor === 'envoy' ? '9080' : 'reviews.default.svc.cluster.local:9080');
      const r = ['virtualHosts', 0, 'routes', 0];
      assert.equal(node(resource, ['virtualHosts', 0]), 'VirtualService ');
      assert.equal(node(resource, ['virtualHosts', 0, 'domains', 3]), 'Service ');
      assert.equal(node(resource, r), 'VirtualService spec.http.0');
      assert.equal(node(resource, [...r, 'name']), 'VirtualService spec.http.0');
      assert.equal(node(resource, [...r, 'match', 'headers', 0, 'stringMatch', 'exact']), 'VirtualService spec.http.0.match.0.headers.end-user');
      assert.equal(node(resource, [...r, 'match', 'prefix']), 'VirtualService spec.http.0.match.0.uri');
      assert.equal(node(resource, [...r, 'route', 'weightedClusters', 'clusters', 1, 'weight']), 'VirtualService spec.http.0.route.1');
      assert.equal(node(resource, [...r, 'route', 'retryPolicy', 'numRetries']), 'VirtualService spec.http.0.retries');
      assert.equal(node(resource, [...r, 'typedPerFilterConfig', 'envoy.filters.http.fault', 'delay', 'percentage']), 'VirtualService spec.http.0.fault');
      if (flavor === 'envoy') {
        assert.equal(node(resource, [...r, 'route', 'timeout']), 'VirtualService spec.http.0.timeout');
        assert.equal(node(resource, [...r, 'route', 'requestMirrorPolicies', 0, 'cluster']), 'VirtualService spec.http.0.mirror');
      } else {
        assert.equal(node(resource, [...r, 'route', 'maxStreamDuration', 'maxStreamDuration']), 'VirtualService spec.http.0.timeout');
      }
      assert.equal(node(resource, ['virtualHosts', 0, 'routes', 1, 'route', 'cluster']), 'VirtualService spec.http.1.route.0');
      // every leaf of a VirtualService-driven virtual host has a VirtualService node behind it
      for (const path of leaves(resource.json.virtualHosts as JsonValue, ['virtualHosts'])) {
        if (path[2] !== 'routes') continue;
        assert.equal(originOf(resource, path)?.doc.kind, 'VirtualService', path.join('.'));
      }
    });
  }

  it('lands verify violations and codec errors on the policy node', () => {
    const bad = virtualService(
      'reviews',
      `  hosts: [reviews]
  http:
  - match: [{uri: {regex: "/items/(["}}]
    route:
    - destination: {host: reviews, subset: v1}
      weight: 1
    - destination: {host: reviews, subset: v2}
      weight: -5
`,
    );
    const compiled = compileRoutes(yaml(service('reviews'), subsets('reviews'), bad), 'envoy');
    const resource = compiled.get('9080');
    const violations = verifyResource(resource.typeUrl, resource.json);
    const regex = violations.find((v) => v.rule === 'sluice.regex_re2');
    assert.ok(regex, JSON.stringify(violations));
    assert.equal(node(resource, regex.path), 'VirtualService spec.http.0.match.0.uri');
    assert.throws(
      () => encodeResource(resource.typeUrl, resource.json),
      (e: unknown) => e instanceof XdsCodecError && node(resource, e.path) === 'VirtualService spec.http.0.route.1',
    );
  });
});
