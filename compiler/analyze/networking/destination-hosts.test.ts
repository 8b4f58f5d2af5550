import { describe, it } from 'node:test';
import { destinationHosts } from './destination-hosts.ts';
import { expectFindings, findings, service } from './test-helpers.ts';

const platform = service('reviews', ['v1']) + '---\n' + service('ratings', ['v1'], { namespace: 'shop' });

describe('destination-hosts (SLU3001)', () => {
  it('reports a destination no service declares, at the host node', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviewz
`;
    expectFindings(findings(destinationHosts, { 'platform.yaml': platform, 'vs.yaml': vs }), ['SLU3001 error 9:15']);
  });

  it('knows short names, FQDNs, ServiceEntry hosts and wildcard ServiceEntries', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext}
spec:
  hosts: ["*.googleapis.com", api.stripe.com]
  ports: [{number: 443, name: https, protocol: HTTPS}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    - destination: {host: ratings.shop.svc.cluster.local}
    - destination: {host: storage.googleapis.com}
    - destination: {host: api.stripe.com}
`;
    expectFindings(findings(destinationHosts, { 'platform.yaml': platform, 'vs.yaml': vs }), []);
  });

  it('explains that Istio does not expand name.namespace', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: ratings.shop}
`;
    const out = findings(destinationHosts, { 'platform.yaml': platform, 'vs.yaml': vs });
    expectFindings(out, ['SLU3001 error 8:27']);
  });

  it('is a warning when the namespace has no services in the policy set', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: istio-system}
spec:
  hosts: ["*"]
  gateways: [gw]
  http:
  - route:
    - destination: {host: acme-solver}
`;
    expectFindings(findings(destinationHosts, { 'platform.yaml': platform, 'vs.yaml': vs }), ['SLU3001 warning 9:27']);
  });

  it('checks mirrors and Gateway API backendRefs', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    mirror: {host: reviews-shadow}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{kind: Service, group: "", name: reviews}]
  rules:
  - backendRefs:
    - {name: reviews-v9, port: 9080}
`;
    expectFindings(findings(destinationHosts, { 'platform.yaml': platform, 'vs.yaml': vs }), ['SLU3001 error 9:20', 'SLU3001 error 18:14']);
  });

  it('stays quiet when the policy set carries no registry at all', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: anything}
`;
    expectFindings(findings(destinationHosts, { 'vs.yaml': vs }), []);
  });
});
