import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { regexes } from './regexes.ts';
import { expectFindings, findings } from './test-helpers.ts';

describe('regexes (SLU4016)', () => {
  it('reports invalid RE2 in matches, rewrites and CORS origins with RE2 own message', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - match:
    - uri: {regex: "/api/(v1|v2"}
      headers:
        x-user: {regex: "(?=admin).*"}
      queryParams:
        id: {regex: "\\\\d+"}
    route: [{destination: {host: web}}]
    rewrite:
      uriRegexRewrite: {match: "^/old/(\\\\1)", rewrite: /new}
    corsPolicy:
      allowOrigins:
      - regex: "https://.*\\\\.example\\\\.com"
      - regex: "*.example.com"
`;
    const out = findings(regexes, { 'vs.yaml': vs });
    expectFindings(out, ['SLU4016 error 8:20', 'SLU4016 error 10:25', 'SLU4016 error 15:32', 'SLU4016 error 19:16']);
    assert.match(out.find((d) => d.line === 8)?.message ?? '', /missing \): \/api\/\(v1\|v2/);
  });
  it('reports regexes over 1024 bytes', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - match:
    - authority: {regex: "${'a'.repeat(1025)}"}
    route: [{destination: {host: web}}]
`;
    const out = findings(regexes, { 'vs.yaml': vs });
    expectFindings(out, ['SLU4016 error 8:26']);
    assert.match(out[0]?.message ?? '', /1025 bytes/);
  });
  it('checks Gateway API RegularExpression matches', () => {
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{kind: Service, name: web}]
  rules:
  - matches:
    - path: {type: RegularExpression, value: "/users/[0-9+"}
      headers:
      - {type: RegularExpression, name: x-v, value: "v[12]"}
    backendRefs: [{name: web, port: 80}]
`;
    expectFindings(findings(regexes, { 'route.yaml': route }), ['SLU4016 error 8:46']);
  });
});
