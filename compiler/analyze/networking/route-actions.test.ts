import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeActions } from './route-actions.ts';
import { expectFindings, findings } from './test-helpers.ts';

const head = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
`;

describe('route-actions', () => {
  it('SLU4007: route and redirect', () => {
    const vs = `${head}  - route: [{destination: {host: web}}]
    redirect: {uri: /new}
`;
    const out = findings(routeActions, { 'vs.yaml': vs });
    expectFindings(out, ['SLU4007 error 8:5']);
    assert.match(out[0]?.message ?? '', /both route and redirect/);
  });
  it('SLU4007: fault or rewrite with directResponse, mirror with mirrors', () => {
    const vs = `${head}  - directResponse: {status: 503}
    fault: {abort: {httpStatus: 500, percentage: {value: 10}}}
  - route: [{destination: {host: web}}]
    mirror: {host: shadow}
    mirrors: [{destination: {host: shadow}}]
`;
    expectFindings(findings(routeActions, { 'vs.yaml': vs }), ['SLU4007 error 8:5', 'SLU4007 error 11:5']);
  });
  it('SLU4008: a rule without route, redirect, directResponse or delegate', () => {
    const vs = `${head}  - match: [{uri: {prefix: /}}]
    timeout: 5s
`;
    expectFindings(findings(routeActions, { 'vs.yaml': vs }), ['SLU4008 error 7:5']);
  });
  it('SLU4017: malformed redirect and rewrite', () => {
    const vs = `${head}  - redirect: {redirectCode: 200, uri: /x}
  - route: [{destination: {host: web}}]
    rewrite:
      uri: /v2
      uriRegexRewrite: {match: "^/v1", rewrite: /v2}
`;
    expectFindings(findings(routeActions, { 'vs.yaml': vs }), ['SLU4017 error 7:30', 'SLU4017 error 11:7']);
  });
  it('accepts a delegating rule and plain rules', () => {
    const vs = `${head}  - match: [{uri: {prefix: /api}}]
    delegate: {name: api, namespace: api}
  - redirect: {uri: /home, redirectCode: 301}
  - directResponse: {status: 404}
  - route: [{destination: {host: web}}]
    rewrite: {uri: /}
    mirrors: [{destination: {host: shadow}}]
`;
    expectFindings(findings(routeActions, { 'vs.yaml': vs }), []);
  });
});
