// The semantic diff over Istio's bookinfo scenarios, each loaded with the platform
// manifests and a DestinationRule file, as the conformance README describes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffPolicies, isEmpty } from './index.ts';
import { bookinfo, model, scenario, service, serviceLines, trafficLines } from './test-support.ts';

const REVIEWS = 'reviews.default.svc.cluster.local:9080';

describe('diffPolicies on bookinfo', () => {
  it('reviews 90-10 → 50-v3: split and the one route that changed', () => {
    const diff = diffPolicies(
      model(scenario('destination-rule-all.yaml', 'virtual-service-reviews-90-10.yaml')),
      model(scenario('destination-rule-all.yaml', 'virtual-service-reviews-50-v3.yaml')),
    );
    assert.deepEqual(diff.services.map((s) => s.title), [REVIEWS]);
    const reviews = service(diff, REVIEWS);
    assert.deepEqual(trafficLines(reviews), ['v1 90% → 50%', 'v2 10% → 0%', 'v3 0% → 50%']);
    assert.deepEqual(
      reviews?.traffic?.shares.map((s) => [s.label, s.before.num, s.before.den, s.after.num, s.after.den]),
      [['v1', 9, 10, 1, 2], ['v2', 1, 10, 0, 1], ['v3', 0, 1, 1, 2]],
    );
    assert.deepEqual(serviceLines(reviews), [
      'route changed [all requests] destinations: v1 90%, v2 10% → v1 50%, v3 50% @head:networking/virtual-service-reviews-50-v3.yaml:9',
    ]);
    assert.deepEqual(reviews?.traffic?.location, { side: 'head', file: 'networking/virtual-service-reviews-50-v3.yaml', line: 9, col: 5 });
    assert.deepEqual(diff.access, []);
    assert.equal(isEmpty(diff), false);
  });

  it('all-v1 → reviews-jason-v2-v3: a route for jason added, everyone else moves to v3, and the other VirtualServices are gone', () => {
    const diff = diffPolicies(
      model(scenario('destination-rule-all.yaml', 'virtual-service-all-v1.yaml')),
      model(scenario('destination-rule-all.yaml', 'virtual-service-reviews-jason-v2-v3.yaml')),
    );
    assert.deepEqual(diff.services.map((s) => s.title), [
      'details.default.svc.cluster.local:9080',
      'productpage.default.svc.cluster.local:9080',
      'ratings.default.svc.cluster.local:9080',
      REVIEWS,
    ]);
    const reviews = service(diff, REVIEWS);
    assert.deepEqual(trafficLines(reviews), ['v1 100% → 0%', 'v3 0% → 100%']);
    assert.deepEqual(serviceLines(reviews), [
      'route added [headers end-user exact "jason"] v2 @head:networking/virtual-service-reviews-jason-v2-v3.yaml:9',
      'route changed [all requests] destinations: v1 → v3 @head:networking/virtual-service-reviews-jason-v2-v3.yaml:17',
      'rerouted requests matching headers end-user exact "jason": v1 → v2',
      'rerouted all other requests: v1 → v3',
    ]);
    // details, productpage and ratings lose their VirtualService: v1 → every endpoint
    const ratings = service(diff, 'ratings.default.svc.cluster.local:9080');
    assert.deepEqual(trafficLines(ratings), ['v1 100% → 0%', 'ratings (all endpoints) 0% → 100%']);
    assert.deepEqual(serviceLines(ratings), ['route removed [all requests] v1 @base:networking/virtual-service-all-v1.yaml:35']);
    assert.deepEqual(ratings?.traffic?.location.side, 'base');
  });

  it('reviews 80-20 → v3', () => {
    const diff = diffPolicies(
      model(scenario('destination-rule-all.yaml', 'virtual-service-reviews-80-20.yaml')),
      model(scenario('destination-rule-all.yaml', 'virtual-service-reviews-v3.yaml')),
    );
    assert.deepEqual(diff.services.map((s) => s.title), [REVIEWS]);
    const reviews = service(diff, REVIEWS);
    assert.deepEqual(trafficLines(reviews), ['v1 80% → 0%', 'v2 20% → 0%', 'v3 0% → 100%']);
    assert.deepEqual(serviceLines(reviews), [
      'route changed [all requests] destinations: v1 80%, v2 20% → v3 @head:networking/virtual-service-reviews-v3.yaml:9',
    ]);
  });

  it('destination-rule-all → destination-rule-all-mtls: TLS mode of every cluster, nothing else', () => {
    const diff = diffPolicies(model(scenario('destination-rule-all.yaml')), model(scenario('destination-rule-all-mtls.yaml')));
    assert.deepEqual(diff.services.map((s) => s.title), [
      'details.default.svc.cluster.local:9080',
      'productpage.default.svc.cluster.local:9080',
      'ratings.default.svc.cluster.local:9080',
      REVIEWS,
    ]);
    for (const s of diff.services) {
      assert.equal(s.traffic, undefined);
      assert.deepEqual(s.routes, []);
    }
    assert.deepEqual(serviceLines(service(diff, REVIEWS)), [
      'cluster changed outbound|9080||reviews.default.svc.cluster.local tls: unset → ISTIO_MUTUAL @head:networking/destination-rule-all-mtls.yaml:22',
      'cluster changed outbound|9080|v1|reviews.default.svc.cluster.local tls: unset → ISTIO_MUTUAL @head:networking/destination-rule-all-mtls.yaml:22',
      'cluster changed outbound|9080|v2|reviews.default.svc.cluster.local tls: unset → ISTIO_MUTUAL @head:networking/destination-rule-all-mtls.yaml:22',
      'cluster changed outbound|9080|v3|reviews.default.svc.cluster.local tls: unset → ISTIO_MUTUAL @head:networking/destination-rule-all-mtls.yaml:22',
    ]);
    assert.deepEqual(
      service(diff, 'ratings.default.svc.cluster.local:9080')?.clusters.map((c) => c.subset ?? '(service)'),
      ['(service)', 'v1', 'v2', 'v2-mysql', 'v2-mysql-vm'],
    );
    assert.deepEqual(diff.access, []);
  });

  it('the same policy reordered and under other file names is no change', () => {
    const files = scenario('destination-rule-all.yaml', 'virtual-service-all-v1.yaml');
    const reordered: Record<string, string> = {};
    for (const [path, text] of Object.entries(files).reverse()) {
      // documents within each file reversed too, under new names
      reordered[`renamed/${path.replace(/\//g, '-')}`] = text.split(/^---$/m).reverse().join('\n---\n');
    }
    const diff = diffPolicies(model(files), model(reordered));
    assert.equal(isEmpty(diff), true, JSON.stringify(diff));
    assert.deepEqual(diff, { services: [], access: [] });
  });

  it('the same files is no change; so is the same route with weights scaled (90/10 → 9/1)', () => {
    const files = scenario('destination-rule-all.yaml', 'virtual-service-reviews-90-10.yaml');
    assert.equal(isEmpty(diffPolicies(model(files), model(files))), true);
    const scaled = { ...files };
    scaled['networking/virtual-service-reviews-90-10.yaml'] = (files['networking/virtual-service-reviews-90-10.yaml'] ?? '').replace('weight: 90', 'weight: 9').replace('weight: 10', 'weight: 1');
    assert.equal(isEmpty(diffPolicies(model(files), model(scaled))), true);
  });

  it('Gateway API: route-reviews-90-10 → route-reviews-50-v3 (backends are per-version services)', () => {
    const base = model(bookinfo('platform/bookinfo.yaml', 'platform/bookinfo-versions.yaml', 'gateway-api/route-reviews-90-10.yaml'));
    const head = model(bookinfo('platform/bookinfo.yaml', 'platform/bookinfo-versions.yaml', 'gateway-api/route-reviews-50-v3.yaml'));
    const reviews = service(diffPolicies(base, head), REVIEWS);
    assert.deepEqual(trafficLines(reviews), ['reviews-v1 90% → 50%', 'reviews-v2 10% → 0%', 'reviews-v3 0% → 50%']);
  });

  it('gateway-bound routes are listed under the gateway; port-level DestinationRule settings apply per port', () => {
    const diff = diffPolicies(model(scenario('destination-rule-all.yaml')), model(scenario('destination-rule-all.yaml', 'bookinfo-gateway.yaml', 'egress-rule-google-apis.yaml')));
    assert.deepEqual(diff.services.map((s) => s.title), ['* (gateway default/bookinfo-gateway)', 'www.googleapis.com:80', 'www.googleapis.com:443']);
    const gateway = diff.services[0];
    assert.equal(gateway?.gateway, 'default/bookinfo-gateway');
    assert.deepEqual(serviceLines(gateway), [
      'route added [uri exact /productpage or uri prefix /static or uri exact /login or uri exact /logout or uri prefix /api/v1/products] productpage:9080 @head:networking/bookinfo-gateway.yaml:28',
    ]);
    assert.deepEqual(serviceLines(service(diff, 'www.googleapis.com:80')), [
      'route added [all requests] www.googleapis.com:443 (all endpoints) @head:networking/egress-rule-google-apis.yaml:25',
      'cluster added outbound|80||www.googleapis.com loadBalancer: unset → ROUND_ROBIN @head:networking/egress-rule-google-apis.yaml:40',
    ]);
    assert.deepEqual(serviceLines(service(diff, 'www.googleapis.com:443')), [
      'cluster added outbound|443||www.googleapis.com loadBalancer: unset → ROUND_ROBIN; tls: unset → SIMPLE @head:networking/egress-rule-google-apis.yaml:40',
    ]);
  });
});
