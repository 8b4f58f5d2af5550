import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retries, retryOnProblems } from './retries.ts';
import { expectFindings, findings } from './test-helpers.ts';

const head = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - route: [{destination: {host: web}}]
`;

describe('retries', () => {
  it('knows Envoy HTTP and gRPC conditions and status codes', () => {
    assert.deepEqual(retryOnProblems('5xx,gateway-error,reset,connect-failure,retriable-4xx,refused-stream,retriable-status-codes,503'), []);
    assert.deepEqual(retryOnProblems('cancelled,deadline-exceeded,internal,resource-exhausted,unavailable'), []);
    assert.deepEqual(retryOnProblems('5xx, reset'), ['" reset" (spaces are not allowed around conditions)']);
    assert.deepEqual(retryOnProblems('5xx,'), ['an empty condition (stray comma)']);
    assert.deepEqual(retryOnProblems('599,timeout'), ['"599" (not an HTTP status code)', '"timeout"']);
  });
  it('SLU4009: retry settings with attempts 0', () => {
    const vs = `${head}    retries:
      attempts: 0
      retryOn: 5xx
`;
    expectFindings(findings(retries, { 'vs.yaml': vs }), ['SLU4009 warning 9:17']);
  });
  it('SLU4009: retry settings without attempts', () => {
    const vs = `${head}    retries:
      perTryTimeout: 2s
`;
    expectFindings(findings(retries, { 'vs.yaml': vs }), ['SLU4009 warning 8:5']);
  });
  it('SLU4010: negative attempts', () => {
    const vs = `${head}    retries: {attempts: -1}
`;
    expectFindings(findings(retries, { 'vs.yaml': vs }), ['SLU4010 error 8:25']);
  });
  it('SLU4011: unknown retryOn condition', () => {
    const vs = `${head}    retries:
      attempts: 3
      retryOn: 5xx,retriable-5xx
`;
    const out = findings(retries, { 'vs.yaml': vs });
    expectFindings(out, ['SLU4011 error 10:16']);
    assert.match(out[0]?.message ?? '', /"retriable-5xx"/);
  });
  it('SLU4012: perTryTimeout not shorter than the timeout', () => {
    const vs = `${head}    timeout: 2s
    retries: {attempts: 3, perTryTimeout: 2s}
`;
    expectFindings(findings(retries, { 'vs.yaml': vs }), ['SLU4012 error 9:43'.replace('error', 'warning')]);
  });
  it('accepts a sound policy', () => {
    const vs = `${head}    timeout: 10s
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "gateway-error,connect-failure,refused-stream,503"}
`;
    expectFindings(findings(retries, { 'vs.yaml': vs }), []);
  });
});
