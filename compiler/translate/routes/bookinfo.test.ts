// Istio's bookinfo scenarios: every RouteConfiguration, in both flavors, encodes with the
// Envoy protos and has no validation violation, no duplicate domain, and no translation error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceFile } from '../../load/index.ts';
import { bookinfoFile, bookinfoFiles } from '../../../test/support/bookinfo.ts';
import { validateSources } from '../../validate.ts';
import { checkSnapshot } from '../../verify/snapshot.ts';
import type { JsonObject } from '../../xds/index.ts';
import { assertUsable, compileRoutes, routesOf } from './test-helpers.ts';

const platform = bookinfoFile('platform/bookinfo.yaml');
const rules = bookinfoFile('networking/destination-rule-all.yaml');
const HOST = (name: string) => `${name}.default.svc.cluster.local`;

function scenario(files: SourceFile[], flavor: 'envoy' | 'grpc') {
  // some scenarios are knowingly incomplete (details v2 has no pods): the output must verify anyway
  const validation = validateSources(files);
  const compiled = compileRoutes(validation.model, flavor, { namespace: 'default', labels: { app: 'productpage', version: 'v1' } });
  assert.ok(compiled.resources.length > 0);
  assertUsable(compiled.resources, flavor);
  assert.deepEqual(
    checkSnapshot(compiled.resources).filter((v) => v.rule === 'snapshot.duplicate_domain' || v.rule === 'snapshot.duplicate_name'),
    [],
  );
  assert.deepEqual(
    compiled.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return compiled;
}

describe('routes: bookinfo', () => {
  const scenarios = bookinfoFiles('networking').filter((f) => f.includes('/virtual-service-') || f.includes('fault-injection'));
  for (const flavor of ['envoy', 'grpc'] as const) {
    for (const file of scenarios) {
      it(`${file} (${flavor})`, () => {
        // fault-injection-details-v1 carries its own DestinationRule for details
        scenario(file.includes('fault-injection') ? [platform, bookinfoFile(file)] : [platform, rules, bookinfoFile(file)], flavor);
      });
    }
    for (const file of bookinfoFiles('gateway-api').filter((f) => f.includes('route-'))) {
      it(`${file} (${flavor})`, () => {
        scenario([platform, bookinfoFile('platform/bookinfo-versions.yaml'), bookinfoFile(file)], flavor);
      });
    }
  }

  it('reviews-80-20 splits 80/20 and ratings-test-abort aborts jason with HTTP 500', () => {
    const split = scenario([platform, rules, bookinfoFile('networking/virtual-service-reviews-80-20.yaml')], 'envoy');
    const [reviews] = routesOf(split.get('9080'), `${HOST('reviews')}:9080`);
    assert.deepEqual(((reviews?.route as JsonObject).weightedClusters as JsonObject).clusters, [
      { name: `outbound|9080|v1|${HOST('reviews')}`, weight: 80 },
      { name: `outbound|9080|v2|${HOST('reviews')}`, weight: 20 },
    ]);
    const abort = scenario([platform, rules, bookinfoFile('networking/virtual-service-ratings-test-abort.yaml')], 'grpc');
    const [jason, rest] = routesOf(abort.get(`${HOST('ratings')}:9080`), `${HOST('ratings')}:9080`);
    assert.deepEqual(jason?.match, { prefix: '/', headers: [{ name: 'end-user', stringMatch: { exact: 'jason' } }] });
    assert.deepEqual(((jason?.typedPerFilterConfig as JsonObject)['envoy.filters.http.fault'] as JsonObject).abort, {
      httpStatus: 500,
      percentage: { numerator: 1_000_000, denominator: 'MILLION' },
    });
    assert.equal(rest?.typedPerFilterConfig, undefined);
  });
});
