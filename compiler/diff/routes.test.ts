// Route-level changes: settings (fault, timeout, retries, mirror), pairing by name or by
// conditions, and which requests go elsewhere when conditions overlap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conditionsOf, implies, mayOverlap } from './conditions.ts';
import { diffPolicies, isEmpty } from './index.ts';
import { model, scenario, service, serviceLines, trafficLines } from './test-support.ts';

const RATINGS = 'ratings.default.svc.cluster.local:9080';
const REVIEWS = 'reviews.default.svc.cluster.local:9080';

function reviewsVs(http: string): Record<string, string> {
  return {
    ...scenario('destination-rule-all.yaml'),
    'vs.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
${http}`,
  };
}

describe('diffPolicies: routes', () => {
  it('ratings test-delay → test-abort: the fault of the jason route changes, nothing is rerouted', () => {
    const diff = diffPolicies(
      model(scenario('destination-rule-all.yaml', 'virtual-service-ratings-test-delay.yaml')),
      model(scenario('destination-rule-all.yaml', 'virtual-service-ratings-test-abort.yaml')),
    );
    assert.deepEqual(diff.services.map((s) => s.title), [RATINGS]);
    assert.deepEqual(serviceLines(service(diff, RATINGS)), [
      'route changed [headers end-user exact "jason"] fault: delay 7s for 100% → abort 500 for 100% @head:networking/virtual-service-ratings-test-abort.yaml:9',
    ]);
    assert.equal(service(diff, RATINGS)?.traffic, undefined);
  });

  it('timeout, retries and mirror changes; durations compare by value (10s = 10000ms)', () => {
    const base = reviewsVs(`  - route:
    - destination: {host: reviews, subset: v1}
    timeout: 10s
    retries: {attempts: 3, perTryTimeout: 2s}
`);
    const head = reviewsVs(`  - route:
    - destination: {host: reviews, subset: v1}
    timeout: 10000ms
    retries: {attempts: 0}
    mirror: {host: reviews, subset: v2}
    mirrorPercentage: {value: 5}
`);
    assert.deepEqual(serviceLines(service(diffPolicies(model(base), model(head)), REVIEWS)), [
      'route changed [all requests] retries: attempts=3 perTryTimeout=2s → off; mirror: unset → reviews/v2 (5%) @head:vs.yaml:8',
    ]);
  });

  it('routes pair by name: a renamed match is a change of the named route, not a removal and an addition', () => {
    const canary = `  - name: canary
    match: [{headers: {x-canary: {exact: "1"}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`;
    const diff = diffPolicies(model(reviewsVs(canary)), model(reviewsVs(canary.replace('"1"', '"yes"'))));
    assert.deepEqual(serviceLines(service(diff, REVIEWS)), [
      'route changed ["canary" (headers x-canary exact "yes")] match: headers x-canary exact "1" → headers x-canary exact "yes" @head:vs.yaml:8',
      'rerouted requests matching headers x-canary exact "yes": v1 → v2',
      'rerouted requests matching headers x-canary exact "1": v2 → v1',
    ]);
    assert.equal(service(diff, REVIEWS)?.traffic, undefined);
  });

  it('two overlapping routes swap places: no route changed, but the requests both match go elsewhere', () => {
    const api = `  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews, subset: v2}}]
`;
    const jason = `  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v3}}]
`;
    const rest = `  - route: [{destination: {host: reviews, subset: v1}}]
`;
    const diff = diffPolicies(model(reviewsVs(api + jason + rest)), model(reviewsVs(jason + api + rest)));
    assert.deepEqual(service(diff, REVIEWS)?.routes, []);
    assert.deepEqual(serviceLines(service(diff, REVIEWS)), [
      'rerouted requests matching headers end-user exact "jason" and uri prefix /api: v2 → v3',
    ]);
  });

  it('a more specific route added in front: the requests it takes are reported', () => {
    const base = reviewsVs(`  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`);
    const head = reviewsVs(`  - match: [{uri: {prefix: /api/v3}, method: {exact: GET}}]
    route: [{destination: {host: reviews, subset: v3}}]
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`);
    const diff = diffPolicies(model(base), model(head));
    assert.deepEqual(serviceLines(service(diff, REVIEWS)), [
      'route added [method exact GET and uri prefix /api/v3] v3 @head:vs.yaml:8',
      'rerouted requests matching method exact GET and uri prefix /api/v3: v2 → v3',
    ]);
  });

  it('weighted split changes on a matched route are reported for those requests, the default split stays', () => {
    const split = (a: number, b: number) => `  - match: [{headers: {end-user: {exact: jason}}}]
    route:
    - {destination: {host: reviews, subset: v2}, weight: ${a}}
    - {destination: {host: reviews, subset: v3}, weight: ${b}}
  - route: [{destination: {host: reviews, subset: v1}}]
`;
    const diff = diffPolicies(model(reviewsVs(split(75, 25))), model(reviewsVs(split(25, 75))));
    assert.equal(trafficLines(service(diff, REVIEWS)), undefined);
    assert.deepEqual(serviceLines(service(diff, REVIEWS)), [
      'route changed [headers end-user exact "jason"] destinations: v2 75%, v3 25% → v2 25%, v3 75% @head:vs.yaml:8',
      'rerouted requests matching headers end-user exact "jason": v2 75%, v3 25% → v2 25%, v3 75%',
    ]);
  });

  it('an earlier route that may catch some of a class marks it partial', () => {
    const base = reviewsVs(`  - route: [{destination: {host: reviews, subset: v1}}]
`);
    const head = reviewsVs(`  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v3}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`);
    assert.deepEqual(serviceLines(service(diffPolicies(model(base), model(head)), REVIEWS)).filter((l) => l.startsWith('rerouted')), [
      'rerouted requests matching uri prefix /api: v1 → v2',
      'rerouted requests matching headers end-user exact "jason": v1 → v3 (partial)',
      // the part of jason's requests the /api route takes
      'rerouted requests matching headers end-user exact "jason" and uri prefix /api: v1 → v2',
    ]);
  });

  it('a VirtualService for another port leaves this port alone; redirects and direct responses are destinations', () => {
    const base = reviewsVs(`  - match: [{port: 9090}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`);
    assert.ok(isEmpty(diffPolicies(model(reviewsVs(`  - route: [{destination: {host: reviews, subset: v1}}]\n`)), model(base))));
    const head = reviewsVs(`  - match: [{uri: {exact: /old}}]
    redirect: {uri: /new}
  - route: [{destination: {host: reviews, subset: v1}}]
`);
    assert.deepEqual(serviceLines(service(diffPolicies(model(base), model(head)), REVIEWS)), [
      'route added [uri exact /old] redirect uri=/new @head:vs.yaml:8',
      'rerouted requests matching uri exact /old: v1 → redirect uri=/new',
    ]);
  });
});

describe('match conditions', () => {
  const c = (m: Record<string, unknown>) => conditionsOf(m);
  it('renders conditions readably', () => {
    assert.deepEqual(
      c({ headers: { 'end-user': { exact: 'jason' }, 'x-debug': {} }, uri: { prefix: '/api' }, ignoreUriCase: true, sourceLabels: { app: 'web' } }).map((x) => x.text),
      ['headers end-user exact "jason"', 'headers x-debug present', 'source labels app=web', 'uri prefix /api (any case)'],
    );
    assert.deepEqual(c({ uri: { prefix: '/' } }), []);
  });
  it('implies: exact ⇒ prefix ⇒ shorter prefix; exact ⇒ a regex it matches; more conditions ⇒ fewer', () => {
    assert.ok(implies(c({ uri: { exact: '/api/x' } }), c({ uri: { prefix: '/api' } })));
    assert.ok(implies(c({ uri: { prefix: '/api/v2' } }), c({ uri: { prefix: '/api' } })));
    assert.ok(!implies(c({ uri: { prefix: '/api' } }), c({ uri: { prefix: '/api/v2' } })));
    assert.ok(implies(c({ uri: { exact: '/v12' } }), c({ uri: { regex: '/v[0-9]+' } })));
    assert.ok(implies(c({ uri: { exact: '/a' }, method: { exact: 'GET' } }), c({ method: { exact: 'GET' } })));
    assert.ok(!implies(c({ method: { exact: 'GET' } }), c({ uri: { exact: '/a' }, method: { exact: 'GET' } })));
    assert.ok(implies(c({ headers: { a: { exact: 'x' } } }), c({ headers: { a: {} } })));
    assert.ok(implies(c({}), c({})));
  });
  it('mayOverlap: false only for conditions that exclude each other', () => {
    assert.ok(!mayOverlap(c({ headers: { u: { exact: 'a' } } }), c({ headers: { u: { exact: 'b' } } })));
    assert.ok(!mayOverlap(c({ uri: { prefix: '/a' } }), c({ uri: { prefix: '/b' } })));
    assert.ok(!mayOverlap(c({ headers: { u: { exact: 'a' } } }), c({ withoutHeaders: { u: {} } })));
    assert.ok(mayOverlap(c({ uri: { prefix: '/a' } }), c({ uri: { prefix: '/a/b' } })));
    assert.ok(mayOverlap(c({ uri: { prefix: '/a' } }), c({ headers: { u: { exact: 'a' } } })));
  });
});
