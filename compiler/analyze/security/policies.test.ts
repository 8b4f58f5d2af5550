// Tests for selector matching, PeerAuthentication and RequestAuthentication analyzers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jwksProblem } from './requestauth-jwks.ts';
import { findings, only, SHOP_WORKLOADS, yaml } from './test-support.ts';

const doc = (kind: string, name: string, namespace: string, spec: string) => `apiVersion: security.istio.io/v1
kind: ${kind}
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`;

describe('security-selector-matches-nothing (SLU5008)', () => {
  it('warns at the selector of each kind when no workload in the namespace matches', () => {
    const text = yaml(
      doc('AuthorizationPolicy', 'a', 'shop', '  selector: {matchLabels: {app: ratings}}\n  rules: [{}]\n'),
      doc('PeerAuthentication', 'p', 'shop', '  selector: {matchLabels: {app: reviews, version: v9}}\n  mtls: {mode: STRICT}\n'),
      doc('RequestAuthentication', 'r', 'shop', '  selector: {matchLabels: {app: ratings}}\n  jwtRules: [{issuer: x}]\n'),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [
      { code: 'SLU5008', severity: 'warning', line: 5, col: 3 },
      { code: 'SLU5008', severity: 'warning', line: 12, col: 3 },
      { code: 'SLU5008', severity: 'warning', line: 19, col: 3 },
    ]);
    assert.match(only(text.split('---')[0] + '---\n' + SHOP_WORKLOADS, 'SLU5008').message, /no workload in namespace shop has the labels app=ratings/);
  });

  it('says nothing when the repository declares no workloads in that namespace', () => {
    const text = doc('AuthorizationPolicy', 'a', 'other', '  selector: {matchLabels: {app: ratings}}\n  rules: [{}]\n');
    assert.deepEqual(findings(yaml(text, SHOP_WORKLOADS), 'SLU5'), []);
  });
});

describe('peer-authentication-conflicts (SLU5020)', () => {
  it('reports two namespace-wide and two mesh-wide policies at the later name', () => {
    const text = yaml(
      doc('PeerAuthentication', 'a', 'shop', '  mtls: {mode: STRICT}\n'),
      doc('PeerAuthentication', 'b', 'shop', '  mtls: {mode: PERMISSIVE}\n'),
      doc('PeerAuthentication', 'mesh1', 'istio-system', '  mtls: {mode: STRICT}\n'),
      doc('PeerAuthentication', 'mesh2', 'istio-system', '  mtls: {mode: STRICT}\n'),
    );
    assert.deepEqual(findings(text, 'SLU5'), [
      { code: 'SLU5020', severity: 'error', line: 9, col: 18 },
      { code: 'SLU5020', severity: 'error', line: 21, col: 18 },
    ]);
    const d = only(text.split('---').slice(0, 2).join('---'), 'SLU5020');
    assert.match(d.message, /PeerAuthentication shop\/b and PeerAuthentication shop\/a are both namespace-wide/);
    assert.equal(d.related?.[0]?.line, 3);
  });

  it('reports two workload policies selecting one workload once, naming both', () => {
    const text = yaml(
      doc('PeerAuthentication', 'one', 'shop', '  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: STRICT}\n'),
      doc('PeerAuthentication', 'two', 'shop', '  selector: {matchLabels: {version: v1}}\n  mtls: {mode: DISABLE}\n'),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5020', severity: 'error', line: 12, col: 3 }]);
    assert.match(only(text, 'SLU5020').message, /shop\/two and PeerAuthentication shop\/one both select workload reviews/);
  });
});

describe('peer-authentication-port-level (SLU5022)', () => {
  it('warns on a Service port used where the workload port is meant', () => {
    const text = yaml(doc('PeerAuthentication', 'db', 'shop', '  selector: {matchLabels: {app: db}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    5432: {mode: DISABLE}\n    5433: {mode: PERMISSIVE}\n'), SHOP_WORKLOADS);
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5022', severity: 'warning', line: 8, col: 5 }]);
    assert.match(only(text, 'SLU5022').message, /port 5432, but db \(Deployment\) serves only port 5433/);
  });

  it('counts named container ports, and is quiet when ports are unknown', () => {
    const named = yaml(doc('PeerAuthentication', 'r', 'shop', '  selector: {matchLabels: {app: reviews}}\n  portLevelMtls:\n    9080: {mode: DISABLE}\n'), SHOP_WORKLOADS);
    assert.deepEqual(findings(named, 'SLU5'), []);
    const deployment = SHOP_WORKLOADS.split('---')[0] ?? '';
    const unknown = yaml(doc('PeerAuthentication', 'r', 'shop', '  selector: {matchLabels: {app: reviews}}\n  portLevelMtls:\n    1234: {mode: DISABLE}\n'), deployment);
    assert.deepEqual(findings(unknown, 'SLU5'), []);
  });
});

describe('request-authentication-jwks (SLU5030)', () => {
  it('explains what is wrong with a key set', () => {
    assert.equal(jwksProblem('{"keys": [{"kty": "RSA", "n": "AQAB-_x", "e": "AQAB"}]}'), undefined);
    assert.equal(jwksProblem('{"keys": [{"kty": "EC", "crv": "P-256", "x": "ab", "y": "cd"}, {"kty": "oct", "k": "c2VjcmV0"}, {"kty": "OKP", "crv": "Ed25519", "x": "ab"}]}'), undefined);
    assert.match(jwksProblem('{"keys": [') ?? '', /not JSON/);
    assert.match(jwksProblem('{"kty": "RSA", "n": "a", "e": "b"}') ?? '', /no `keys` array.*wrapped/);
    assert.match(jwksProblem('{"keys": []}') ?? '', /empty/);
    assert.match(jwksProblem('{"keys": [{"kty": "RSA", "n": "abc"}]}') ?? '', /keys\[0\] \(kty RSA\) has no `e`/);
    assert.match(jwksProblem('{"keys": [{"kty": "EC", "crv": "P-999", "x": "a", "y": "b"}]}') ?? '', /curve `P-999`/);
    assert.match(jwksProblem('{"keys": [{"kty": "RSA", "n": "a+b/c", "e": "AQAB"}]}') ?? '', /not base64url/);
    assert.match(jwksProblem('{"keys": [{"kty": "XYZ"}]}') ?? '', /supported key types/);
  });

  it('reports an invalid inline jwks at the value, and accepts a rule with neither jwks nor jwksUri', () => {
    const text = yaml(
      doc('RequestAuthentication', 'r', 'shop', `  jwtRules:
  - issuer: https://a.example
  - issuer: https://b.example
    jwks: '{"keys": [{"kty": "RSA", "n": "abc"}]}'
  - issuer: https://c.example
    jwksUri: https://c.example/jwks.json
`),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5030', severity: 'error', line: 8, col: 11 }]);
  });
});

describe('request-authentication-duplicate-issuer (SLU5032)', () => {
  it('warns when a namespace-wide and a workload policy configure one issuer for a workload', () => {
    const text = yaml(
      doc('RequestAuthentication', 'ns', 'shop', '  jwtRules: [{issuer: https://a.example}]\n'),
      doc('RequestAuthentication', 'reviews', 'shop', '  selector: {matchLabels: {app: reviews}}\n  jwtRules:\n  - issuer: https://a.example\n    audiences: [reviews]\n'),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5032', severity: 'warning', line: 13, col: 13 }]);
    const d = only(text, 'SLU5032');
    assert.match(d.message, /RequestAuthentication shop\/ns \(rule 0\); both apply to workload reviews/);
    assert.equal(d.related?.[0]?.line, 5);
  });

  it('warns on a duplicate inside one policy, without workloads', () => {
    const text = doc('RequestAuthentication', 'r', 'shop', '  jwtRules:\n  - issuer: x\n  - issuer: y\n  - issuer: x\n');
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5032', severity: 'warning', line: 8, col: 13 }]);
  });
});
