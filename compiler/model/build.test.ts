import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyDocument } from '../load/types.ts';
import { buildModel } from './build.ts';
import { indexOf } from './lookup.ts';
import { modelFrom } from './test-helpers.ts';

const platform = `
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: shop}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ratings-v1, namespace: shop}
spec:
  selector: {matchLabels: {app: ratings, version: v1}}
  template:
    metadata: {labels: {app: ratings, version: v1}}
    spec:
      serviceAccountName: ratings
      containers: [{name: app, ports: [{name: http, containerPort: 9080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ratings-v1-other-ns, namespace: elsewhere}
spec:
  template:
    metadata: {labels: {app: ratings, version: v2}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-vm, namespace: shop}
spec:
  address: 10.0.0.7
  labels: {app: ratings, version: vm}
  ports: {http: 9080}
  serviceAccount: ratings-vm
`;

describe('workloads and services', () => {
  const { model } = modelFrom(platform);
  it('reads Deployments and WorkloadEntries as workloads', () => {
    const d = model.workloads.find((w) => w.name === 'ratings-v1');
    assert.deepEqual(d?.labels, { app: 'ratings', version: 'v1' });
    assert.equal(d?.serviceAccount, 'ratings');
    assert.deepEqual(d?.ports, { http: 9080 });
    const we = model.workloads.find((w) => w.kind === 'WorkloadEntry');
    assert.equal(we?.address, '10.0.0.7');
    assert.equal(model.workloads.find((w) => w.name === 'ratings-v1-other-ns')?.serviceAccount, 'default');
  });
  it('selects workloads of the same namespace only', () => {
    const svc = model.services[0];
    assert.deepEqual(svc?.workloads.map((w) => w.name).sort(), ['ratings-v1', 'ratings-vm']);
    assert.deepEqual(svc?.endpoints.map((e) => e.address), ['10.0.0.7']);
  });
});

describe('subset selection', () => {
  const { model } = modelFrom(
    platform +
      `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: shop}
spec:
  host: ratings
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: vm, labels: {version: vm}}
  - {name: all}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: shop}
spec:
  hosts: [ratings]
  http:
  - route:
    - {destination: {host: ratings, subset: v1}, weight: 90}
    - {destination: {host: ratings, subset: nope}, weight: 10}
`,
  );
  const dr = model.destinationRules[0];
  const subset = (name: string) => dr?.subsets.find((s) => s.name === name);
  it('resolves subset labels to the workloads of the host service', () => {
    assert.deepEqual(subset('v1')?.workloads.map((w) => w.name), ['ratings-v1']);
    assert.deepEqual(subset('v1')?.labels, { version: 'v1' });
    assert.deepEqual(subset('v1')?.path, ['spec', 'subsets', 0]);
  });
  it('does not select workloads outside the service (other namespace)', () => {
    assert.deepEqual(subset('v2')?.workloads, []);
    assert.deepEqual(subset('v2')?.endpoints, []);
  });
  it('selects WorkloadEntry endpoints', () => {
    assert.deepEqual(subset('vm')?.endpoints.map((e) => e.address), ['10.0.0.7']);
  });
  it('a subset without labels selects every workload of the service', () => {
    assert.equal(subset('all')?.workloads.length, 2);
  });
  it('resolves route destinations to subsets', () => {
    const [a, b] = model.virtualServices[0]?.http[0]?.destinations ?? [];
    assert.equal(a?.resolvedSubset, subset('v1'));
    assert.equal(a?.weight, 90);
    assert.equal(b?.resolvedSubset, undefined);
  });
});

describe('DestinationRule precedence', () => {
  const { model } = modelFrom(`
apiVersion: v1
kind: Service
metadata: {name: api, namespace: backend}
spec: {selector: {app: api}, ports: [{name: http, port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: backend}
spec:
  host: api.backend.svc.cluster.local
  subsets: [{name: stable, labels: {track: stable}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api-client, namespace: frontend}
spec:
  host: api.backend.svc.cluster.local
  subsets: [{name: canary, labels: {track: canary}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: private, namespace: backend}
spec:
  host: "*.backend.svc.cluster.local"
  exportTo: ["."]
`);
  const index = indexOf(model);
  it('prefers the client namespace, then the service namespace', () => {
    assert.deepEqual(index.destinationRulesFor('frontend', 'api.backend.svc.cluster.local').map((r) => r.name), ['api-client']);
    assert.deepEqual(index.destinationRulesFor('backend', 'api.backend.svc.cluster.local').map((r) => r.name), ['api']);
    assert.deepEqual(index.destinationRulesFor('third', 'api.backend.svc.cluster.local').map((r) => r.name), ['api']);
    assert.equal(index.subsetsFor('frontend', 'api.backend.svc.cluster.local').has('stable'), false);
  });
  it('falls back to wildcard rules and honours exportTo', () => {
    assert.deepEqual(index.destinationRulesIn('backend', 'other.backend.svc.cluster.local').map((r) => r.name), ['private']);
  });
});

describe('Gateway API routes', () => {
  const { model } = modelFrom(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews, namespace: shop}
spec:
  parentRefs:
  - {group: "", kind: Service, name: reviews, port: 9080}
  rules:
  - matches:
    - path: {type: PathPrefix, value: /api}
      headers: [{name: X-User, value: jason}]
      queryParams: [{name: Debug, type: RegularExpression, value: "^1$"}]
      method: GET
    backendRefs:
    - {name: reviews-v2, port: 9080}
    - {name: reviews-v3, port: 9080, weight: 0}
    timeouts: {request: 2s}
  - backendRefs: [{name: reviews-v1, port: 9080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ingress, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  hostnames: [shop.example.com]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc, namespace: shop}
spec:
  parentRefs: [{kind: Service, name: ratings}]
  rules:
  - matches: [{method: {service: ratings.Ratings, method: Get}}, {method: {service: ratings.Ratings}}]
    backendRefs: [{name: ratings, port: 50051}]
`);
  const byName = (name: string) => model.virtualServices.find((v) => v.name === name);
  it('converts a Service-attached HTTPRoute into a mesh route', () => {
    const vs = byName('reviews');
    assert.equal(vs?.sourceKind, 'HTTPRoute');
    assert.equal(vs?.appliesToMesh, true);
    assert.deepEqual(vs?.gateways, ['mesh']);
    assert.deepEqual(vs?.hosts.map((h) => [h.fqdn, h.path]), [['reviews.shop.svc.cluster.local', ['spec', 'parentRefs', 0, 'name']]]);
  });
  it('converts matches to Istio match objects', () => {
    const rule = byName('reviews')?.http[0];
    assert.deepEqual(rule?.matches, [
      { uri: { prefix: '/api' }, headers: { 'x-user': { exact: 'jason' } }, queryParams: { Debug: { regex: '^1$' } }, method: { exact: 'GET' } },
    ]);
    assert.equal(rule?.raw.timeout, '2s');
    assert.deepEqual(byName('reviews')?.http[1]?.matches, []);
  });
  it('converts backendRefs to weighted destinations (default weight 1), keeping their paths', () => {
    const rule = byName('reviews')?.http[0];
    assert.deepEqual(
      rule?.destinations.map((d) => [d.host.fqdn, d.port, d.weight, d.path]),
      [
        ['reviews-v2.shop.svc.cluster.local', 9080, 1, ['spec', 'rules', 0, 'backendRefs', 0]],
        ['reviews-v3.shop.svc.cluster.local', 9080, 0, ['spec', 'rules', 0, 'backendRefs', 1]],
      ],
    );
    assert.deepEqual(rule?.path, ['spec', 'rules', 0]);
  });
  it('keeps Gateway-attached routes for the record, not for the mesh', () => {
    const vs = byName('ingress');
    assert.equal(vs?.appliesToMesh, false);
    assert.deepEqual(vs?.gateways, ['shop/gw']);
    assert.deepEqual(vs?.hosts.map((h) => h.fqdn), ['shop.example.com']);
  });
  it('converts GRPCRoute methods to HTTP/2 paths', () => {
    const vs = byName('grpc');
    assert.equal(vs?.sourceKind, 'GRPCRoute');
    assert.deepEqual(vs?.http[0]?.matches, [{ uri: { exact: '/ratings.Ratings/Get' } }, { uri: { prefix: '/ratings.Ratings/' } }]);
  });
});

describe('security policies and rollouts', () => {
  const { model } = modelFrom(
    platform +
      `
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ratings, namespace: shop}
spec:
  selector: {matchLabels: {app: ratings}}
  mtls: {mode: PERMISSIVE}
  portLevelMtls: {"9080": {mode: DISABLE}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny, namespace: shop}
spec: {action: DENY}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: shop}
spec:
  hosts: [ratings]
  http:
  - name: primary
    route: [{destination: {host: ratings, subset: stable}}]
---
apiVersion: rollouts.sluice.dev/v1alpha1
kind: Rollout
metadata: {name: ratings, namespace: shop}
spec:
  target: {virtualService: ratings, route: primary, stableSubset: stable, canarySubset: canary}
  steps:
  - setWeight: 10
  - pause: {duration: 1m}
  - analysis: {templates: [{templateName: success-rate}]}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate, namespace: shop}
spec:
  args: [{name: service}]
  metrics:
  - name: success
    provider: {prometheus: {address: "http://prom:9090", query: "sum(rate(x[1m]))"}}
`,
  );
  it('scopes PeerAuthentication', () => {
    const [mesh, wl] = model.peerAuthentications;
    assert.equal(mesh?.scope, 'mesh');
    assert.equal(mesh?.mode, 'STRICT');
    assert.equal(mesh?.selection.workloads.length, model.workloads.length);
    assert.equal(wl?.scope, 'workload');
    assert.deepEqual(wl?.selection.workloads.map((w) => w.name).sort(), ['ratings-v1', 'ratings-vm']);
    assert.deepEqual(wl?.portLevel, { '9080': 'DISABLE' });
  });
  it('scopes AuthorizationPolicy to its namespace without a selector', () => {
    const p = model.authorizationPolicies[0];
    assert.equal(p?.scope, 'namespace');
    assert.equal(p?.action, 'DENY');
    assert.equal(p?.rules, undefined);
    assert.equal(p?.selection.workloads.length, 2);
  });
  it('resolves a Rollout to its VirtualService route', () => {
    const r = model.rollouts[0];
    assert.equal(r?.virtualService?.name, 'ratings');
    assert.equal(r?.targetRoute?.name, 'primary');
    assert.equal(r?.stableSubset, 'stable');
    assert.deepEqual(r?.steps.map((s) => s.kind), ['setWeight', 'pause', 'analysis']);
  });
  it('reads AnalysisTemplate metrics', () => {
    const t = model.analysisTemplates[0];
    assert.deepEqual(t?.metrics.map((m) => [m.name, m.providers, m.query]), [['success', ['prometheus'], 'sum(rate(x[1m]))']]);
    assert.deepEqual(t?.args, [{ name: 'service' }]);
  });
});

describe('robustness', () => {
  it('never throws on documents of the wrong shape', () => {
    const weird: unknown[] = [null, 1, 'x', [], {}, { a: [null] }, [1, { b: 2 }]];
    const docs: PolicyDocument[] = [];
    const kinds: [string, string][] = [
      ['', 'Service'], ['apps', 'Deployment'], ['', 'Pod'], ['networking.istio.io', 'ServiceEntry'], ['networking.istio.io', 'WorkloadEntry'],
      ['networking.istio.io', 'VirtualService'], ['networking.istio.io', 'DestinationRule'], ['networking.istio.io', 'Gateway'],
      ['gateway.networking.k8s.io', 'HTTPRoute'], ['gateway.networking.k8s.io', 'GRPCRoute'], ['security.istio.io', 'PeerAuthentication'],
      ['security.istio.io', 'AuthorizationPolicy'], ['security.istio.io', 'RequestAuthentication'], ['rollouts.sluice.dev', 'Rollout'],
      ['argoproj.io', 'AnalysisTemplate'],
    ];
    let n = 0;
    for (const [group, kind] of kinds) {
      for (const spec of weird) {
        for (const inner of weird) {
          const data = { spec: { spec, hosts: inner, host: inner, http: [inner, { route: inner, match: inner }], subsets: [inner], ports: [inner], selector: inner, template: inner, rules: [inner], parentRefs: [inner], target: inner, steps: inner, metrics: [inner] } };
          docs.push({
            file: 'x.yaml', index: n++, apiVersion: `${group}/v1`, group, version: 'v1', kind, name: `n${n}`, namespace: 'default', data,
            locate: () => ({ file: 'x.yaml', line: 1, col: 1, endLine: 1, endCol: 1, path: '' }),
          });
          docs.push({
            file: 'x.yaml', index: n++, apiVersion: `${group}/v1`, group, version: 'v1', kind, name: `m${n}`, namespace: 'default', data: { spec: inner } as Record<string, unknown>,
            locate: () => ({ file: 'x.yaml', line: 1, col: 1, endLine: 1, endCol: 1, path: '' }),
          });
        }
      }
    }
    assert.doesNotThrow(() => buildModel(docs));
  });
});
