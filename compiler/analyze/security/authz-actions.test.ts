import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findings, only, SHOP_WORKLOADS, yaml } from './test-support.ts';

const policy = (spec: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec:
${spec}`;

describe('authorization-actions', () => {
  it('reports a DENY policy without rules at its action (SLU5001)', () => {
    const text = yaml(policy('  selector: {matchLabels: {app: reviews}}\n  action: DENY\n'), SHOP_WORKLOADS);
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5001', severity: 'error', line: 6, col: 11 }]);
  });

  it('reports `rules: []` like a missing rules field, at the empty list', () => {
    const text = yaml(policy('  action: DENY\n  rules: []\n'), SHOP_WORKLOADS);
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5001', severity: 'error', line: 6, col: 10 }]);
  });

  it('reports CUSTOM without rules (SLU5002), and CUSTOM with rules but no provider (SLU5003)', () => {
    assert.deepEqual(findings(yaml(policy('  action: CUSTOM\n  provider: {name: opa}\n'), SHOP_WORKLOADS), 'SLU5'), [
      { code: 'SLU5002', severity: 'error', line: 5, col: 11 },
    ]);
    assert.deepEqual(findings(yaml(policy('  action: CUSTOM\n  rules: [{}]\n'), SHOP_WORKLOADS), 'SLU5'), [
      { code: 'SLU5003', severity: 'error', line: 5, col: 11 },
    ]);
  });

  it('warns that ALLOW without rules denies everything, and names the scope (SLU5004)', () => {
    const text = yaml(policy('  selector: {matchLabels: {app: reviews}}\n'), SHOP_WORKLOADS);
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5004', severity: 'warning', line: 4, col: 1 }]);
    const ns = only(yaml(policy('  action: ALLOW\n'), SHOP_WORKLOADS), 'SLU5004');
    assert.match(ns.message, /every request to every workload in namespace shop is denied/);
    assert.match(ns.hint ?? '', /rules: \[\{\}\]/);
  });

  it('accepts `rules: [{}]` for ALLOW and DENY', () => {
    assert.deepEqual(findings(yaml(policy('  action: ALLOW\n  rules: [{}]\n'), SHOP_WORKLOADS), 'SLU5'), []);
    assert.deepEqual(findings(yaml(policy('  action: DENY\n  rules: [{}]\n'), SHOP_WORKLOADS), 'SLU5'), []);
  });

  it('warns that AUDIT without rules audits nothing (SLU5005)', () => {
    assert.deepEqual(findings(yaml(policy('  action: AUDIT\n'), SHOP_WORKLOADS), 'SLU5'), [{ code: 'SLU5005', severity: 'warning', line: 5, col: 11 }]);
  });

  it('rejects a provider on a non-CUSTOM policy (SLU5006)', () => {
    const text = yaml(policy('  action: DENY\n  provider: {name: opa}\n  rules: [{}]\n'), SHOP_WORKLOADS);
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5006', severity: 'error', line: 6, col: 3 }]);
  });

  it('rejects identity fields and conditions in CUSTOM rules (SLU5007)', () => {
    const text = yaml(
      policy(`  action: CUSTOM
  provider: {name: opa}
  rules:
  - from:
    - source:
        namespaces: [shop]
    when:
    - key: request.auth.claims[iss]
      values: [x]
    - key: request.headers[x-user]
      values: [x]
`),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [
      { code: 'SLU5007', severity: 'error', line: 10, col: 9 },
      { code: 'SLU5007', severity: 'error', line: 12, col: 12 },
    ]);
  });
});
