import { describe, it } from 'node:test';
import { weights } from './weights.ts';
import { expectFindings, findings } from './test-helpers.ts';

const head = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - route:
`;

describe('weights', () => {
  it('SLU4003: several destinations, none weighted', () => {
    const vs = `${head}    - destination: {host: web, subset: v1}
    - destination: {host: web, subset: v2}
`;
    expectFindings(findings(weights, { 'vs.yaml': vs }), ['SLU4003 error 7:5']);
  });
  it('SLU4004: negative weight', () => {
    const vs = `${head}    - destination: {host: web, subset: v1}
      weight: 110
    - destination: {host: web, subset: v2}
      weight: -10
`;
    expectFindings(findings(weights, { 'vs.yaml': vs }), ['SLU4004 error 11:15']);
  });
  it('SLU4005: weights that add up to 0', () => {
    const vs = `${head}    - destination: {host: web, subset: v1}
      weight: 0
    - destination: {host: web, subset: v2}
      weight: 0
`;
    expectFindings(findings(weights, { 'vs.yaml': vs }), ['SLU4005 error 9:15']);
  });
  it('SLU4006: an unweighted destination beside weighted ones', () => {
    const vs = `${head}    - destination: {host: web, subset: v1}
      weight: 100
    - destination: {host: web, subset: v2}
`;
    expectFindings(findings(weights, { 'vs.yaml': vs }), ['SLU4006 warning 10:7']);
  });
  it('accepts a lone destination without weight, weights not adding to 100, and a deliberate 0', () => {
    const vs = `${head}    - destination: {host: web}
  - route:
    - destination: {host: web, subset: v1}
      weight: 3
    - destination: {host: web, subset: v2}
      weight: 1
    - destination: {host: web, subset: v3}
      weight: 0
  tcp:
  - route:
    - destination: {host: web}
`;
    expectFindings(findings(weights, { 'vs.yaml': vs }), []);
  });
  it('checks TCP routes and Gateway API backendRefs (all weights 0)', () => {
    const files = {
      'vs.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db}
spec:
  hosts: [db]
  tcp:
  - route:
    - destination: {host: db-a}
    - destination: {host: db-b}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{kind: Service, name: web}]
  rules:
  - backendRefs:
    - {name: web-v1, port: 80, weight: 0}
    - {name: web-v2, port: 80, weight: 0}
`,
    };
    expectFindings(findings(weights, files), ['SLU4003 error 7:5', 'SLU4005 error 18:40']);
  });
});
