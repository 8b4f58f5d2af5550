import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { destinationPorts } from './destination-ports.ts';
import { expectFindings, findings, service } from './test-helpers.ts';

const platform = service('api', ['v1'], { ports: [['http', 80], ['grpc', 9090]] }) + '---\n' + service('web', ['v1']);

describe('destination-ports', () => {
  it('SLU3008: requires a port when the service has several', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api]
  http:
  - route:
    - destination:
        host: api
`;
    const out = findings(destinationPorts, { 'platform.yaml': platform, 'vs.yaml': vs });
    expectFindings(out, ['SLU3008 error 8:7']);
    assert.match(out[0]?.message ?? '', /2 ports \(80, 9090\)/);
  });
  it('SLU3009: reports a port the service does not expose, and recognises a targetPort', () => {
    const files = {
      'platform.yaml': `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`,
      'vs.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - route:
    - destination:
        host: web
        port: {number: 8080}
`,
    };
    const out = findings(destinationPorts, files);
    expectFindings(out, ['SLU3009 error 10:24']);
    assert.match(out[0]?.message ?? '', /targetPort of port 80/);
  });
  it('accepts single-port services without a port, and Gateway API ports', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: web}
    - destination: {host: api, port: {number: 9090}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{kind: Service, name: api, port: 80}]
  rules:
  - backendRefs: [{name: api, port: 81}]
`;
    expectFindings(findings(destinationPorts, { 'platform.yaml': platform, 'vs.yaml': vs }), ['SLU3009 error 17:37']);
  });
});
