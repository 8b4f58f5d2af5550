/**
 * Conformance: Istio's bookinfo scenarios and the example mesh (policies/) compile to
 * clusters and endpoints that encode with the Envoy protos, break no validate rule, and are
 * accepted by @grpc/grpc-js-xds (grpc flavor), for proxies in several namespaces.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { Flavor } from '../types.ts';
import { addresses, assertUsable, get, modelOf, translateModel } from './test-support.ts';

const BOOKINFO = join(import.meta.dirname, '../../../../shared/conformance/istio-bookinfo');
const POLICIES = join(import.meta.dirname, '../../../policies');

function bookinfo(...files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(BOOKINFO, f), 'utf8')]));
}

const FLAVORS: Flavor[] = ['envoy', 'grpc'];

const SCENARIOS: Record<string, string[]> = {
  'destination-rule-all': ['platform/bookinfo.yaml', 'networking/destination-rule-all.yaml'],
  'destination-rule-all-mtls': ['platform/bookinfo.yaml', 'networking/destination-rule-all-mtls.yaml'],
  'egress-rule-google-apis': ['platform/bookinfo.yaml', 'networking/egress-rule-google-apis.yaml'],
};

describe('bookinfo', () => {
  for (const [scenario, files] of Object.entries(SCENARIOS)) {
    const model = modelOf(bookinfo(...files));
    for (const flavor of FLAVORS) {
      it(`${scenario} (${flavor}): every Cluster and ClusterLoadAssignment encodes, verifies and is usable`, () => {
        for (const namespace of ['default', 'istio-system', 'other']) {
          const out = translateModel(model, flavor, namespace, { app: 'productpage', version: 'v1' });
          assertUsable(out.resources, flavor);
          const clusters = out.resources.filter((r) => r.typeUrl === RESOURCE_TYPE_URLS.cluster);
          const eds = clusters.filter((r) => (r.json as Record<string, unknown>).type === 'EDS');
          const assignments = new Set(out.resources.filter((r) => r.typeUrl === RESOURCE_TYPE_URLS.clusterLoadAssignment).map((r) => r.name));
          for (const c of eds) assert.ok(assignments.has(c.name), `EDS cluster ${c.name} has no assignment`);
          assert.equal(assignments.size, eds.length);
        }
      });
    }
  }

  it('destination-rule-all: a cluster per service port and per subset, in Istio names', () => {
    const out = translateModel(modelOf(bookinfo(...(SCENARIOS['destination-rule-all'] ?? []))), 'envoy');
    const names = out.resources.filter((r) => r.typeUrl === RESOURCE_TYPE_URLS.cluster).map((r) => r.name);
    assert.deepEqual(names, [
      'BlackHoleCluster',
      'PassthroughCluster',
      'outbound|9080|v1|details.default.svc.cluster.local',
      'outbound|9080|v1|productpage.default.svc.cluster.local',
      'outbound|9080|v1|ratings.default.svc.cluster.local',
      'outbound|9080|v1|reviews.default.svc.cluster.local',
      'outbound|9080|v2-mysql-vm|ratings.default.svc.cluster.local',
      'outbound|9080|v2-mysql|ratings.default.svc.cluster.local',
      'outbound|9080|v2|details.default.svc.cluster.local',
      'outbound|9080|v2|ratings.default.svc.cluster.local',
      'outbound|9080|v2|reviews.default.svc.cluster.local',
      'outbound|9080|v3|reviews.default.svc.cluster.local',
      'outbound|9080||details.default.svc.cluster.local',
      'outbound|9080||productpage.default.svc.cluster.local',
      'outbound|9080||ratings.default.svc.cluster.local',
      'outbound|9080||reviews.default.svc.cluster.local',
    ]);
    // Deployments carry no addresses: the assignments are empty, and say so without a finding
    assert.deepEqual(get(out.assignment('outbound|9080|v1|reviews.default.svc.cluster.local'), 'endpoints'), []);
    assert.deepEqual(out.diagnostics, []);
  });

  it('destination-rule-all-mtls: ISTIO_MUTUAL with the services\' identities', () => {
    const model = modelOf(bookinfo(...(SCENARIOS['destination-rule-all-mtls'] ?? [])));
    const envoy = translateModel(model, 'envoy').cluster('outbound|9080|v2|reviews.default.svc.cluster.local');
    const context = get(envoy, 'transportSocket.typedConfig');
    assert.equal(get(context, 'sni'), 'outbound_.9080_.v2_.reviews.default.svc.cluster.local');
    assert.deepEqual(get(context, 'commonTlsContext.combinedValidationContext.defaultValidationContext.matchTypedSubjectAltNames'), [
      { sanType: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' } },
    ]);
    const grpc = translateModel(model, 'grpc').cluster('outbound|9080|v2|reviews.default.svc.cluster.local');
    assert.deepEqual(get(grpc, 'transportSocket.typedConfig.commonTlsContext.validationContext.matchSubjectAltNames'), [{ exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' }]);
  });

  it('egress-rule-google-apis: DNS resolution, TLS origination on port 443 only', () => {
    const model = modelOf(bookinfo(...(SCENARIOS['egress-rule-google-apis'] ?? [])));
    const envoy = translateModel(model, 'envoy');
    const https = envoy.cluster('outbound|443||www.googleapis.com');
    assert.equal(get(https, 'type'), 'STRICT_DNS');
    assert.equal(get(https, 'transportSocket.typedConfig.sni'), 'www.googleapis.com');
    assert.deepEqual(get(https, 'loadAssignment.endpoints.0.lbEndpoints.0.endpoint.address.socketAddress'), { address: 'www.googleapis.com', portValue: 443 });
    const http = envoy.cluster('outbound|80||www.googleapis.com');
    assert.equal(get(http, 'transportSocket'), undefined);
    assert.equal(get(http, 'transportSocketMatches'), undefined, 'no auto mTLS to a mesh-external service');
    // port-level settings replace the top-level loadBalancer for 443 as a whole: Istio's default applies there
    assert.equal(get(http, 'lbPolicy'), 'ROUND_ROBIN');
    assert.equal(get(https, 'lbPolicy'), 'LEAST_REQUEST');
    assert.deepEqual(envoy.diagnostics, []);

    const grpc = translateModel(model, 'grpc');
    assert.equal(get(grpc.cluster('outbound|443||www.googleapis.com'), 'type'), 'LOGICAL_DNS');
    assert.deepEqual(
      grpc.diagnostics.map((d) => `${d.code} ${d.severity} ${d.line}`),
      ['SLU7024 info 15', 'SLU7023 warning 46'],
    );
  });
});

describe('policies/ (the example mesh npm start serves)', () => {
  const files = Object.fromEntries(
    readdirSync(POLICIES)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [`policies/${f}`, readFileSync(join(POLICIES, f), 'utf8')]),
  );
  const model = modelOf(files);

  for (const flavor of FLAVORS) {
    it(`${flavor}: usable, without findings`, () => {
      const out = translateModel(model, flavor, 'shop', { app: 'frontend', version: 'v1' });
      assertUsable(out.resources, flavor);
      assert.deepEqual(out.diagnostics, []);
    });
  }

  it('grpc: endpoints on loopback at each WorkloadEntry\'s grpc port, subsets by version, mutual TLS (STRICT)', () => {
    const out = translateModel(model, 'grpc', 'shop', { app: 'frontend', version: 'v1' });
    const address = (name: string) => addresses(out.assignment(name));
    assert.deepEqual(address('outbound|9080||reviews.shop.svc.cluster.local'), ['127.0.0.1:50051', '127.0.0.1:50052']);
    assert.deepEqual(address('outbound|9080|v1|reviews.shop.svc.cluster.local'), ['127.0.0.1:50051']);
    assert.deepEqual(address('outbound|9080|v2|reviews.shop.svc.cluster.local'), ['127.0.0.1:50052']);
    assert.deepEqual(address('outbound|9080||ratings.shop.svc.cluster.local'), ['127.0.0.1:50053']);
    const reviews = out.cluster('outbound|9080|v2|reviews.shop.svc.cluster.local');
    assert.equal(get(reviews, 'lbPolicy'), 'ROUND_ROBIN');
    assert.deepEqual(get(reviews, 'transportSocket.typedConfig.commonTlsContext.tlsCertificateProviderInstance'), { instanceName: 'default', certificateName: 'default' });
    const details = out.cluster('outbound|9080||details.shop.svc.cluster.local');
    assert.deepEqual(get(details, 'circuitBreakers'), { thresholds: [{ maxRequests: 100 }] });
    assert.equal(get(details, 'outlierDetection.failurePercentageRequestVolume'), 5);
  });
});
