// Traffic splits: exact weights (property test over seeded random weight sets), weight-0
// destinations, a lone destination, and the rollout controller's weight overlay.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seeded } from '../../../test/support/random.ts';
import { verifyResource } from '../../verify/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { encodeResource } from '../../xds/index.ts';
import type { WeightOverlay } from '../types.ts';
import { compileRoutes, routesOf, service, subsets, virtualService, yaml } from './test-helpers.ts';

const HOST = 'reviews.default.svc.cluster.local';
const VHOST = `${HOST}:9080`;

function split(weights: readonly (number | undefined)[], overlays?: WeightOverlay[]): { route: JsonObject; diagnostics: string[] } {
  const names = weights.map((_, i) => `v${i + 1}`);
  const destinations = weights.map((w, i) => `    - destination: {host: reviews, subset: v${i + 1}}${w === undefined ? '' : `\n      weight: ${w}`}`).join('\n');
  const compiled = compileRoutes(
    yaml(service('reviews', { versions: names }), subsets('reviews', names), virtualService('reviews', `  hosts: [reviews]\n  http:\n  - name: primary\n    route:\n${destinations}\n`)),
    'envoy',
    overlays ? { options: { overlays } } : {},
  );
  const resource = compiled.get('9080');
  encodeResource(resource.typeUrl, resource.json);
  assert.deepEqual(verifyResource(resource.typeUrl, resource.json), []);
  return { route: routesOf(resource, VHOST)[0]?.route as JsonObject, diagnostics: compiled.diagnostics.map((d) => `${d.code} ${d.line}`) };
}

function clusters(route: JsonObject): [string, number][] {
  const weighted = route.weightedClusters as JsonObject | undefined;
  if (!weighted) return [[route.cluster as string, 1]];
  return (weighted.clusters as JsonObject[]).map((c) => [c.name as string, c.weight as number]);
}

describe('routes: weights', () => {
  it('keeps every weight exactly as written, for random weight sets (no rounding to 100)', () => {
    const random = seeded(20260521);
    for (let round = 0; round < 40; round++) {
      const n = 2 + random.int(5);
      const weights = Array.from({ length: n }, () => (random.int(4) === 0 ? 0 : 1 + random.int(random.int(2) === 0 ? 100 : 100_000)));
      if (weights.filter((w) => w > 0).length < 2) weights[0] = weights[1] = 7;
      const { route } = split(weights);
      const expected = weights.flatMap((w, i): [string, number][] => (w > 0 ? [[`outbound|9080|v${i + 1}|${HOST}`, w]] : []));
      assert.deepEqual(clusters(route), expected, `weights ${weights.join(',')}`);
      // the ratio of every pair is the written one
      const got = clusters(route);
      const total = got.reduce((s, [, w]) => s + w, 0);
      const written = weights.reduce((s, w) => s + w, 0);
      for (const [i, [, w]] of got.entries()) assert.equal(w / total, (expected[i] as [string, number])[1] / written);
    }
  });

  it('drops weight-0 and weightless destinations; one left becomes a plain cluster', () => {
    assert.deepEqual(split([100, 0]).route.cluster, `outbound|9080|v1|${HOST}`);
    assert.equal(split([100, 0]).route.weightedClusters, undefined);
    assert.deepEqual(clusters(split([90, undefined, 10]).route), [
      [`outbound|9080|v1|${HOST}`, 90],
      [`outbound|9080|v3|${HOST}`, 10],
    ]);
  });

  it('sends everything to a lone destination, whatever its weight (Istio)', () => {
    assert.equal(split([undefined]).route.cluster, `outbound|9080|v1|${HOST}`);
    assert.equal(split([30]).route.cluster, `outbound|9080|v1|${HOST}`);
  });

  it('applies a weight overlay by subset to the named route, by name or by index', () => {
    const byName = split([90, 10], [{ namespace: 'default', virtualService: 'reviews', route: 'primary', weights: { v1: 40, v2: 60 } }]);
    assert.deepEqual(clusters(byName.route), [
      [`outbound|9080|v1|${HOST}`, 40],
      [`outbound|9080|v2|${HOST}`, 60],
    ]);
    const byIndex = split([90, 10], [{ namespace: 'default', virtualService: 'reviews', route: 0, weights: { v2: 100, v1: 0 } }]);
    assert.equal(byIndex.route.cluster, `outbound|9080|v2|${HOST}`);
    const partial = split([50, 30, 20], [{ namespace: 'default', virtualService: 'reviews', route: 'primary', weights: { v3: 1 } }]);
    assert.deepEqual(clusters(partial.route).map(([, w]) => w), [50, 30, 1]);
    // an overlay for another VirtualService changes nothing
    assert.deepEqual(clusters(split([90, 10], [{ namespace: 'other', virtualService: 'reviews', route: 0, weights: { v1: 1 } }]).route).map(([, w]) => w), [90, 10]);
  });

  it('reports an overlay for a route or subset the VirtualService does not have (SLU7007)', () => {
    const noRoute = split([90, 10], [{ namespace: 'default', virtualService: 'reviews', route: 'canary', weights: { v1: 1 } }]);
    assert.deepEqual(clusters(noRoute.route).map(([, w]) => w), [90, 10]);
    assert.equal(noRoute.diagnostics.filter((d) => d.startsWith('SLU7007')).length, 1);
    const noSubset = split([90, 10], [{ namespace: 'default', virtualService: 'reviews', route: 'primary', weights: { v1: 50, canary: 50 } }]);
    assert.deepEqual(noSubset.diagnostics, ['SLU7007 42'], 'at the rule (- name: primary)');
  });
});
