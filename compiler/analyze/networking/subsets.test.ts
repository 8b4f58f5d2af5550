import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subsets } from './subsets.ts';
import { expectFindings, findings, service } from './test-helpers.ts';

const platform = service('reviews', ['v1', 'v2']);
const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
  - name: v3
    labels: {version: v3}
`;

describe('subsets: unknown subset (SLU3002)', () => {
  it('reports a subset no DestinationRule defines, at the subset node', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v4}
      weight: 50
`;
    const out = findings(subsets, { 'platform.yaml': platform, 'dr.yaml': dr, 'vs.yaml': vs }).filter((d) => d.code === 'SLU3002');
    expectFindings(out, ['SLU3002 error 10:44']);
    assert.match(out[0]?.message ?? '', /only "v1", "v2", "v3"/);
    assert.equal(out[0]?.related?.[0]?.file, 'dr.yaml');
  });

  it('reports a subset when the host has no DestinationRule at all', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`;
    expectFindings(findings(subsets, { 'platform.yaml': platform, 'vs.yaml': vs }), ['SLU3002 error 8:44']);
  });

  it('follows Istio precedence: a rule in the client namespace hides the service namespace rule', () => {
    const other = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-client, namespace: front}
spec:
  host: reviews.default.svc.cluster.local
  subsets:
  - {name: canary, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: front}
spec:
  hosts: [reviews.default.svc.cluster.local]
  http:
  - route:
    - destination: {host: reviews.default.svc.cluster.local, subset: v1}
`;
    const out = findings(subsets, { 'platform.yaml': platform, 'dr.yaml': dr, 'front.yaml': other }).filter((d) => d.code === 'SLU3002');
    expectFindings(out, ['SLU3002 error 16:70']);
    assert.match(out[0]?.message ?? '', /does not apply to routes in namespace front/);
  });
});

describe('subsets: subset selecting nothing (SLU3003)', () => {
  it('warns where an unused subset is defined', () => {
    expectFindings(findings(subsets, { 'platform.yaml': platform, 'dr.yaml': dr }), ['SLU3003 warning 11:11']);
  });

  it('is an error where a route sends traffic to it, and the definition is not reported again', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v3}
      weight: 10
`;
    const out = findings(subsets, { 'platform.yaml': platform, 'dr.yaml': dr, 'vs.yaml': vs });
    expectFindings(out, ['SLU3003 error 10:44']);
    assert.match(out[0]?.message ?? '', /weight 10/);
  });

  it('a weight-0 destination does not count as traffic', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 100
    - destination: {host: reviews, subset: v3}
      weight: 0
`;
    expectFindings(findings(subsets, { 'platform.yaml': platform, 'dr.yaml': dr, 'vs.yaml': vs }), ['SLU3003 warning 11:11']);
  });

  it('counts WorkloadEntry and ServiceEntry endpoints, and skips services whose endpoints live elsewhere', () => {
    const files = {
      'se.yaml': `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy}
spec:
  hosts: [legacy.corp.example]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints:
  - {address: 10.0.0.1, labels: {version: v1}}
---
apiVersion: v1
kind: Service
metadata: {name: external-db}
spec:
  ports: [{name: tcp, port: 5432}]
`,
      'dr.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: legacy}
spec:
  host: legacy.corp.example
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db}
spec:
  host: external-db
  subsets:
  - {name: primary, labels: {role: primary}}
`,
    };
    expectFindings(findings(subsets, files), ['SLU3003 warning 8:12']);
  });
});

describe('subsets: services whose workloads are not in the policy set', () => {
  it('does not judge subsets of a Service none of whose pods the repository carries', () => {
    const files = {
      'platform.yaml': `apiVersion: v1
kind: Service
metadata: {name: payments}
spec:
  selector: {app: payments}
  ports: [{name: http, port: 80}]
`,
      'dr.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: payments}
spec:
  host: payments
  subsets:
  - {name: v1, labels: {version: v1}}
`,
    };
    expectFindings(findings(subsets, files), []);
  });
});
