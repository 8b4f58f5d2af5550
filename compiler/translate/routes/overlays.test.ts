// The rollout controller's overlay beyond weights: a header route (setHeaderRoute) and a
// mirror (setMirrorRoute), compiled as inputs for both flavors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../xds/index.ts';
import type { Flavor, WeightOverlay } from '../types.ts';
import { assertUsable, compileRoutes, routesOf, service, subsets, virtualService, yaml } from './test-helpers.ts';

const HOST = 'reviews.default.svc.cluster.local';
const VHOST = `${HOST}:9080`;
const V1 = `outbound|9080|v1|${HOST}`;
const V2 = `outbound|9080|v2|${HOST}`;

const POLICY = yaml(
  service('reviews'),
  subsets('reviews'),
  virtualService(
    'reviews',
    `  hosts: [reviews]
  http:
  - name: admin
    match:
    - uri: {prefix: /admin}
    route:
    - destination: {host: reviews, subset: v1}
  - name: primary
    match:
    - uri: {prefix: /api}
      headers:
        x-tenant: {exact: blue}
    route:
    - destination: {host: reviews, subset: v1}
      weight: 100
    - destination: {host: reviews, subset: v2}
      weight: 0
`,
  ),
);

function compile(flavor: Flavor, overlay: Partial<WeightOverlay>) {
  const overlays: WeightOverlay[] = [{ namespace: 'default', virtualService: 'reviews', route: 'primary', weights: { v1: 90, v2: 10 }, ...overlay }];
  const compiled = compileRoutes(POLICY, flavor, { options: { overlays } });
  const name = flavor === 'grpc' ? VHOST : '9080';
  const resource = compiled.get(name);
  assertUsable([resource], flavor);
  return { routes: routesOf(resource, VHOST), diagnostics: compiled.diagnostics.map((d) => `${d.code} ${d.line}`), resource };
}

/** Line of the target rule (`- name: primary`). */
const PRIMARY_LINE = POLICY.split('\n').indexOf('  - name: primary') + 1;

const headerRoute = { match: [{ headerName: 'X-Canary', headerValue: { exact: '1' } }], subset: 'v2' };

describe('routes: rollout overlays beyond weights', () => {
  for (const flavor of ['envoy', 'grpc'] as const) {
    it(`${flavor}: a header route goes just before the target route, with its match plus the header, all to the canary`, () => {
      const { routes, diagnostics } = compile(flavor, { headerRoute });
      assert.deepEqual(
        routes.map((r) => r.name),
        ['admin', 'primary-canary-header', 'primary'],
      );
      const header = routes[1] as JsonObject;
      assert.deepEqual((header.route as JsonObject).cluster, V2);
      const match = header.match as JsonObject;
      assert.equal(match.prefix, '/api');
      assert.deepEqual(match.headers, [
        { name: 'x-canary', stringMatch: { exact: '1' } },
        { name: 'x-tenant', stringMatch: { exact: 'blue' } },
      ]);
      // the target route keeps its overlay weights
      const weighted = ((routes[2] as JsonObject).route as JsonObject).weightedClusters as JsonObject;
      assert.deepEqual(
        (weighted.clusters as JsonObject[]).map((c) => [c.name, c.weight]),
        [
          [V1, 90],
          [V2, 10],
        ],
      );
      assert.deepEqual(diagnostics, []);
    });
  }

  it('names the header route as the step does, and matches prefix and regex values', () => {
    const { routes } = compile('envoy', { headerRoute: { name: 'canary-by-header', subset: 'v2', match: [{ headerName: 'x-user', headerValue: { prefix: 'qa-' } }, { headerName: 'x-build', headerValue: { regex: '[0-9]+' } }] } });
    const header = routes.find((r) => r.name === 'canary-by-header') as JsonObject;
    assert.deepEqual((header.match as JsonObject).headers, [
      { name: 'x-build', stringMatch: { safeRegex: { regex: '[0-9]+' } } },
      { name: 'x-tenant', stringMatch: { exact: 'blue' } },
      { name: 'x-user', stringMatch: { prefix: 'qa-' } },
    ]);
  });

  it('envoy: a mirror copies the percentage of the target route to the canary subset, and only there', () => {
    const { routes, resource } = compile('envoy', { mirror: { subset: 'v2', percentage: 12.5 }, headerRoute });
    const primary = routes.find((r) => r.name === 'primary') as JsonObject;
    assert.deepEqual((primary.route as JsonObject).requestMirrorPolicies, [{ cluster: V2, runtimeFraction: { defaultValue: { numerator: 125_000, denominator: 'MILLION' } }, traceSampled: false }]);
    for (const other of routes.filter((r) => r.name !== 'primary')) assert.equal((other.route as JsonObject).requestMirrorPolicies, undefined, String(other.name));
    // the mirror points back at the canary destination of the VirtualService
    const i = routes.indexOf(primary);
    const entry = resource.sources.find((s) => s.path.join('/') === `virtualHosts/0/routes/${i}/route/requestMirrorPolicies/0`);
    assert.deepEqual(entry?.origin.path, ['spec', 'http', 1, 'route', 1]);
  });

  it('grpc: a mirror is left out with a warning (gRPC clients do not mirror)', () => {
    const { routes, diagnostics } = compile('grpc', { mirror: { subset: 'v2', percentage: 20 } });
    assert.equal(((routes[1] as JsonObject).route as JsonObject).requestMirrorPolicies, undefined);
    assert.deepEqual(diagnostics, [`SLU7001 ${PRIMARY_LINE}`]);
  });

  it('a header route or mirror to a subset the route has no destination for is reported (SLU7007), not invented', () => {
    const { routes, diagnostics } = compile('envoy', { headerRoute: { ...headerRoute, subset: 'v3' }, mirror: { subset: 'v4', percentage: 5 } });
    assert.deepEqual(
      routes.map((r) => r.name),
      ['admin', 'primary'],
    );
    assert.equal((routes[1]?.route as JsonObject).requestMirrorPolicies, undefined);
    assert.deepEqual(diagnostics, [`SLU7007 ${PRIMARY_LINE}`]);
  });
});
