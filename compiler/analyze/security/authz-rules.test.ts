// Tests for the rule-level AuthorizationPolicy analyzers: HTTP fields on TCP, identity
// without mTLS, condition keys and values, JWT without RequestAuthentication, path templates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnosticsOf, findings, only, SHOP_WORKLOADS, yaml } from './test-support.ts';

const policy = (name: string, spec: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: shop}
spec:
${spec}`;

const peerAuth = (name: string, spec: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: shop}
spec:
${spec}`;

describe('authorization-http-fields-on-tcp (SLU5010)', () => {
  it('warns on a DENY rule with only HTTP fields on a TCP-only workload, at the first field', () => {
    const text = yaml(
      policy('deny-get', `  selector: {matchLabels: {app: db}}
  action: DENY
  rules:
  - to:
    - operation:
        methods: [GET]
`),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5010', severity: 'warning', line: 10, col: 9 }]);
    assert.match(only(text, 'SLU5010').message, /db \(Deployment\) serves only TCP \(5433\/TCP\).*denies every connection/);
  });

  it('says an ALLOW rule allows nothing, and points at a request.* condition name', () => {
    const text = yaml(
      policy('allow-hdr', `  selector: {matchLabels: {app: db}}
  rules:
  - when:
    - key: request.headers[x-user]
      values: [admin]
`),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [{ code: 'SLU5010', severity: 'warning', line: 8, col: 12 }]);
    assert.match(only(text, 'SLU5010').message, /allows no connection/);
  });

  it('is quiet for HTTP workloads, and when the rule is limited to HTTP ports', () => {
    const http = yaml(policy('p', '  selector: {matchLabels: {app: reviews}}\n  action: DENY\n  rules: [{to: [{operation: {methods: [GET]}}]}]\n'), SHOP_WORKLOADS);
    assert.deepEqual(findings(http, 'SLU5'), []);
    const otherPort = yaml(policy('p', '  action: DENY\n  rules: [{to: [{operation: {ports: ["9080"], methods: [GET]}}]}]\n'), SHOP_WORKLOADS);
    assert.deepEqual(findings(otherPort, 'SLU5'), []);
  });
});

describe('authorization-identity-without-mtls (SLU5011)', () => {
  it('warns on principals and source.namespace when the namespace disables mTLS', () => {
    const text = yaml(
      policy('from-frontend', `  selector: {matchLabels: {app: reviews}}
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/shop/sa/frontend]
    when:
    - key: source.namespace
      values: [shop]
`),
      peerAuth('plaintext', '  mtls: {mode: DISABLE}\n'),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [
      { code: 'SLU5011', severity: 'warning', line: 9, col: 9 },
      { code: 'SLU5011', severity: 'warning', line: 11, col: 12 },
    ]);
    const d = only(yaml(policy('p', '  action: DENY\n  rules: [{from: [{source: {notNamespaces: [shop]}}]}]\n'), peerAuth('plaintext', '  mtls: {mode: DISABLE}\n'), SHOP_WORKLOADS), 'SLU5011');
    assert.match(d.message, /always matches plaintext traffic, so this rule denies every request/);
    assert.equal(d.related?.[0]?.line, 12);
  });

  it('follows precedence: a workload policy enabling mTLS wins over a namespace DISABLE', () => {
    const text = yaml(
      policy('p', '  selector: {matchLabels: {app: reviews}}\n  rules: [{from: [{source: {principals: [a]}}]}]\n'),
      peerAuth('plaintext', '  mtls: {mode: DISABLE}\n'),
      peerAuth('reviews-strict', '  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: STRICT}\n'),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), []);
  });
});

describe('authorization-conditions (SLU5012, SLU5013)', () => {
  it('rejects unknown keys, with a suggestion, at the key name', () => {
    const text = yaml(
      policy('p', `  action: DENY
  rules:
  - when:
    - key: request.header[x-user]
      values: [a]
    - key: destination.labels[app]
      values: [a]
    - key: request.auth.claims
      values: [a]
    - key: experimental.envoy.filters.network.mysql_proxy[db.table]
      values: [a]
`),
      SHOP_WORKLOADS,
    );
    const found = findings(text, 'SLU5012');
    assert.deepEqual(found, [
      { code: 'SLU5012', severity: 'error', line: 8, col: 12 },
      { code: 'SLU5012', severity: 'error', line: 10, col: 12 },
      { code: 'SLU5012', severity: 'error', line: 12, col: 12 },
    ]);
    const messages = findings(text, 'SLU5012').length === 3 ? diagnosticsOf(text).filter((d) => d.code === 'SLU5012').map((d) => d.message) : [];
    assert.match(messages[0] ?? '', /did you mean `request\.headers\[x-user\]`/);
    assert.match(messages[1] ?? '', /no longer supported: it is replaced by the workload selector/);
    assert.match(messages[2] ?? '', /must name its claim in brackets/);
  });

  it('rejects bad IPs, ports, service accounts, and conditions without values', () => {
    const text = yaml(
      policy('p', `  action: DENY
  rules:
  - when:
    - key: source.ip
      values: ["10.0.0.0/33", 10.1.2.3]
    - key: destination.port
      notValues: ["http"]
    - key: source.serviceAccount
      values: ["shop/*"]
    - key: connection.sni
      values: []
`),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5013'), [
      { code: 'SLU5013', severity: 'error', line: 9, col: 16 },
      { code: 'SLU5013', severity: 'error', line: 11, col: 19 },
      { code: 'SLU5013', severity: 'error', line: 13, col: 16 },
      { code: 'SLU5013', severity: 'error', line: 14, col: 12 },
    ]);
  });
});

describe('authorization-jwt-without-request-authentication (SLU5014)', () => {
  const jwtPolicy = policy('need-jwt', `  selector: {matchLabels: {app: reviews}}
  rules:
  - from:
    - source:
        requestPrincipals: ["https://issuer.example/*"]
`);
  it('warns when no RequestAuthentication applies to the selected workloads', () => {
    assert.deepEqual(findings(yaml(jwtPolicy, SHOP_WORKLOADS), 'SLU5'), [{ code: 'SLU5014', severity: 'warning', line: 9, col: 9 }]);
  });

  it('is satisfied by a namespace-wide RequestAuthentication', () => {
    const ra = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  jwtRules: [{issuer: "https://issuer.example"}]
`;
    assert.deepEqual(findings(yaml(jwtPolicy, ra, SHOP_WORKLOADS), 'SLU5'), []);
  });

  it('decides by scope when the repository declares no workloads', () => {
    const raFor = (labels: string) => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  selector: {matchLabels: {${labels}}}
  jwtRules: [{issuer: "https://issuer.example"}]
`;
    assert.deepEqual(findings(yaml(jwtPolicy, raFor('app: reviews')), 'SLU5'), []);
    assert.deepEqual(findings(yaml(jwtPolicy, raFor('app: ratings')), 'SLU5'), [{ code: 'SLU5014', severity: 'warning', line: 9, col: 9 }]);
  });
});

describe('authorization-path-templates (SLU5015)', () => {
  it('rejects misplaced and partial templates, at the path', () => {
    const text = yaml(
      policy('p', `  selector: {matchLabels: {app: reviews}}
  rules:
  - to:
    - operation:
        paths: ["/api/{**}/{*}", "/api/{*}/ok", "/static/{**}/x"]
        notPaths: ["/x{*}", "/api/{*}/*.png", "/users/{id}"]
`),
      SHOP_WORKLOADS,
    );
    assert.deepEqual(findings(text, 'SLU5'), [
      { code: 'SLU5015', severity: 'error', line: 9, col: 17 },
      { code: 'SLU5015', severity: 'error', line: 10, col: 20 },
      { code: 'SLU5015', severity: 'error', line: 10, col: 29 },
      { code: 'SLU5015', severity: 'error', line: 10, col: 47 },
    ]);
  });
});
