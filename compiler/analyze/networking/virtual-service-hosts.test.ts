import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { virtualServiceHosts } from './virtual-service-hosts.ts';
import { expectFindings, findings } from './test-helpers.ts';

const vs = (name: string, host: string, extra = '', ns = 'default') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts:
  - ${host}${extra}
  http:
  - route:
    - destination: {host: reviews}
`;

describe('virtual-service-hosts (SLU3007)', () => {
  it('reports a host defined by two mesh VirtualServices, naming both files', () => {
    const out = findings(virtualServiceHosts, { 'a.yaml': vs('reviews-a', 'reviews'), 'b.yaml': vs('reviews-b', 'reviews.default.svc.cluster.local') });
    expectFindings(out, ['SLU3007 error 6:5']);
    assert.equal(out[0]?.file, 'b.yaml');
    assert.match(out[0]?.message ?? '', /default\/reviews-a at a\.yaml:6/);
    assert.equal(out[0]?.related?.[0]?.file, 'a.yaml');
  });
  it('ignores gateway-bound VirtualServices (Istio merges those)', () => {
    const out = findings(virtualServiceHosts, { 'a.yaml': vs('a', 'reviews', '\n  gateways: [gw]'), 'b.yaml': vs('b', 'reviews', '\n  gateways: [gw]') });
    expectFindings(out, []);
  });
  it('reports a gateway VirtualService that also binds mesh', () => {
    const out = findings(virtualServiceHosts, { 'a.yaml': vs('a', 'reviews'), 'b.yaml': vs('b', 'reviews', '\n  gateways: [gw, mesh]') });
    expectFindings(out, ['SLU3007 error 6:5']);
  });
  it('does not report VirtualServices no namespace sees together', () => {
    const out = findings(virtualServiceHosts, {
      'a.yaml': vs('a', 'reviews.default.svc.cluster.local', '\n  exportTo: ["."]', 'team-a'),
      'b.yaml': vs('b', 'reviews.default.svc.cluster.local', '\n  exportTo: ["."]', 'team-b'),
    });
    expectFindings(out, []);
  });
});
