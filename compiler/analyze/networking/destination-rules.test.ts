import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { destinationRules } from './destination-rules.ts';
import { expectFindings, findings, service } from './test-helpers.ts';

const platform = service('reviews', ['v1', 'v2']);

describe('destination-rules: unknown host (SLU3004)', () => {
  it('warns about a DestinationRule for a host no service declares', () => {
    const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ghost}
spec:
  host: reveiws
`;
    expectFindings(findings(destinationRules, { 'platform.yaml': platform, 'dr.yaml': dr }), ['SLU3004 warning 5:9']);
  });
  it('is informational for namespaces the policy set carries no service for', () => {
    const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: monitoring}
spec:
  host: prometheus
`;
    expectFindings(findings(destinationRules, { 'platform.yaml': platform, 'dr.yaml': dr }), ['SLU3004 info 5:9']);
  });
});

describe('destination-rules: several rules for one host (SLU3005)', () => {
  it('names the first rule and says what Istio ignores', () => {
    const files = {
      'platform.yaml': platform,
      'a.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-subsets}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
`,
      'b.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-policy}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy: {loadBalancer: {simple: RANDOM}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`,
    };
    const out = findings(destinationRules, files);
    expectFindings(out, ['SLU3005 warning 5:9']);
    assert.equal(out[0]?.file, 'b.yaml');
    assert.match(out[0]?.message ?? '', /a\.yaml:5/);
    assert.match(out[0]?.message ?? '', /subset "v1" is ignored/);
    assert.match(out[0]?.message ?? '', /subset "v2" is added/);
    assert.match(out[0]?.message ?? '', /trafficPolicy applies to the whole host/);
    assert.equal(out[0]?.related?.[0]?.file, 'a.yaml');
  });
  it('does not merge rules with different workload selectors or namespaces', () => {
    const files = {
      'platform.yaml': platform,
      'a.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a}
spec:
  host: reviews
  workloadSelector: {matchLabels: {app: frontend}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: b}
spec:
  host: reviews
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: c, namespace: other}
spec:
  host: reviews.default.svc.cluster.local
`,
    };
    expectFindings(findings(destinationRules, files), []);
  });
});

describe('destination-rules: duplicate subset names (SLU3006)', () => {
  it('reports the second definition and names the first', () => {
    const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v1
    labels: {version: v2}
`;
    const out = findings(destinationRules, { 'platform.yaml': platform, 'dr.yaml': dr });
    expectFindings(out, ['SLU3006 error 9:11']);
    assert.match(out[0]?.message ?? '', /dr\.yaml:7/);
  });
});
