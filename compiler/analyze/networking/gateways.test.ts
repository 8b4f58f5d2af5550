import { describe, it } from 'node:test';
import { gateways } from './gateways.ts';
import { expectFindings, findings } from './test-helpers.ts';

const gw = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: edge}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;

describe('gateways (SLU3010)', () => {
  it('accepts name, namespace/name and mesh references to defined gateways', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: site, namespace: edge}
spec:
  hosts: ["*"]
  gateways: [public, edge/public, mesh]
  http:
  - route: [{destination: {host: web}}]
`;
    expectFindings(findings(gateways, { 'gw.yaml': gw, 'vs.yaml': vs }), []);
  });
  it('reports a gateway missing from a namespace that has gateways', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: site, namespace: web}
spec:
  hosts: ["*"]
  gateways:
  - edge/pubic
  http:
  - match:
    - gateways: [edge/public]
    route: [{destination: {host: web}}]
`;
    expectFindings(findings(gateways, { 'gw.yaml': gw, 'vs.yaml': vs }), ['SLU3010 error 7:5']);
  });
  it('is a warning for namespaces without any Gateway in the policy set', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: site}
spec:
  hosts: ["*"]
  gateways: [istio-system/ingressgateway]
  http:
  - route: [{destination: {host: web}}]
`;
    expectFindings(findings(gateways, { 'vs.yaml': vs }), ['SLU3010 warning 6:14']);
  });
});
