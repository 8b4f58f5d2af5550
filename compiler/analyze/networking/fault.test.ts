import { describe, it } from 'node:test';
import { faults } from './fault.ts';
import { expectFindings, findings } from './test-helpers.ts';

const head = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - route: [{destination: {host: web}}]
`;

describe('faults', () => {
  it('SLU4013: fault without abort or delay, delay without fixedDelay, abort without status', () => {
    expectFindings(findings(faults, { 'vs.yaml': `${head}    fault: {}\n` }), ['SLU4013 error 8:5']);
    expectFindings(findings(faults, { 'vs.yaml': `${head}    fault:\n      delay: {percentage: {value: 5}}\n` }), ['SLU4013 error 9:7']);
    expectFindings(findings(faults, { 'vs.yaml': `${head}    fault:\n      abort: {percentage: {value: 5}}\n` }), ['SLU4013 warning 9:7']);
  });
  it('SLU4014: percentages outside 0-100', () => {
    const vs = `${head}    fault:
      abort:
        httpStatus: 503
        percentage: {value: 150}
    mirror: {host: shadow}
    mirrorPercentage: {value: -1}
`;
    expectFindings(findings(faults, { 'vs.yaml': vs }), ['SLU4014 error 11:29', 'SLU4014 error 13:31']);
  });
  it('SLU4015: abort and direct response statuses, gRPC status names', () => {
    const vs = `${head}    fault:
      abort: {httpStatus: 700, percentage: {value: 1}}
  - directResponse: {status: 600}
  - route: [{destination: {host: web}}]
    fault:
      abort: {grpcStatus: UNAVAILABLE_NOW}
`;
    expectFindings(findings(faults, { 'vs.yaml': vs }), ['SLU4015 error 9:27', 'SLU4015 error 10:30', 'SLU4015 error 13:27']);
  });
  it('accepts bookinfo-style faults', () => {
    const vs = `${head}    fault:
      delay: {percentage: {value: 100.0}, fixedDelay: 7s}
      abort: {httpStatus: 555, percentage: {value: 100}}
  - route: [{destination: {host: web}}]
    fault:
      abort: {grpcStatus: UNAVAILABLE, percentage: {value: 0.1}}
`;
    expectFindings(findings(faults, { 'vs.yaml': vs }), []);
  });
});
