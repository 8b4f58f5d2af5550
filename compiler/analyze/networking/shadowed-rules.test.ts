import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchCovers, shadowedRules } from './shadowed-rules.ts';
import { expectFindings, findings } from './test-helpers.ts';

const head = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
`;

describe('matchCovers', () => {
  const uri = (m: Record<string, string>) => ({ uri: m });
  it('proves coverage', () => {
    assert.equal(matchCovers({}, uri({ exact: '/a' })), true);
    assert.equal(matchCovers(uri({ prefix: '/' }), { headers: { x: { exact: '1' } } }), true);
    assert.equal(matchCovers(uri({ prefix: '/a' }), uri({ prefix: '/a/b' })), true);
    assert.equal(matchCovers(uri({ prefix: '/a' }), uri({ exact: '/a/b' })), true);
    assert.equal(matchCovers(uri({ exact: '/a' }), uri({ exact: '/a' })), true);
    assert.equal(matchCovers(uri({ regex: '^/a.*' }), uri({ regex: '^/a.*' })), true);
    assert.equal(matchCovers({ ...uri({ prefix: '/a' }), headers: { x: { exact: '1' } } }, { ...uri({ exact: '/a/b' }), headers: { x: { exact: '1' }, y: {} } }), true);
    assert.equal(matchCovers({ headers: { x: {} } }, { headers: { x: { exact: '1' } } }), true);
    assert.equal(matchCovers({ ...uri({ prefix: '/A' }), ignoreUriCase: true } as never, uri({ exact: '/a/b' })), true);
    assert.equal(matchCovers({ sourceLabels: { app: 'a' } } as never, { sourceLabels: { app: 'a', v: '1' } } as never), true);
  });
  it('never guesses', () => {
    assert.equal(matchCovers(uri({ prefix: '/a/b' }), uri({ prefix: '/a' })), false);
    assert.equal(matchCovers(uri({ exact: '/a' }), uri({ prefix: '/a' })), false);
    assert.equal(matchCovers(uri({ prefix: '/a' }), uri({ regex: '/a.*' })), false);
    assert.equal(matchCovers(uri({ regex: '/a.*' }), uri({ exact: '/ab' })), false);
    assert.equal(matchCovers({ headers: { x: { exact: '1' } } }, {}), false);
    assert.equal(matchCovers({ headers: { x: { exact: '1' } } }, { headers: { x: { exact: '2' } } }), false);
    assert.equal(matchCovers(uri({ prefix: '/a' }), { uri: { exact: '/a/b' }, ignoreUriCase: true } as never), false);
    assert.equal(matchCovers({ port: 80 } as never, { port: 81 } as never), false);
    assert.equal(matchCovers({ port: 80 } as never, {}), false);
    assert.equal(matchCovers({ gateways: ['a'] } as never, {}), false);
  });
});

describe('shadowed-rules: unreachable rule (SLU4001)', () => {
  it('reports a rule after a catch-all rule, at the later rule', () => {
    const vs = `${head}  - route: [{destination: {host: web}}]
  - match:
    - uri: {prefix: /api}
    route: [{destination: {host: web}}]
`;
    const out = findings(shadowedRules, { 'vs.yaml': vs });
    expectFindings(out, ['SLU4001 warning 8:5']);
    assert.match(out[0]?.message ?? '', /http\[0\] before it has no match/);
  });
  it('reports prefix / before other rules, identical matches and narrower prefixes', () => {
    const vs = `${head}  - name: everything
    match: [{uri: {prefix: /}}]
    route: [{destination: {host: web}}]
  - name: api
    match: [{uri: {prefix: /api}}]
    route: [{destination: {host: web}}]
`;
    expectFindings(findings(shadowedRules, { 'vs.yaml': vs }), ['SLU4001 warning 10:5']);
    const vs2 = `${head}  - match: [{uri: {prefix: /a}}]
    route: [{destination: {host: web}}]
  - match: [{uri: {prefix: /a/b}}, {uri: {exact: /a/c}}]
    route: [{destination: {host: web}}]
  - match: [{uri: {prefix: /a}}]
    route: [{destination: {host: web}}]
`;
    expectFindings(findings(shadowedRules, { 'vs.yaml': vs2 }), ['SLU4001 warning 9:5', 'SLU4001 warning 11:5']);
  });
  it('leaves rules with a more specific earlier match alone', () => {
    const vs = `${head}  - match: [{uri: {prefix: /api/v2}}]
    route: [{destination: {host: web}}]
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: web}}]
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: web}}]
  - route: [{destination: {host: web}}]
`;
    expectFindings(findings(shadowedRules, { 'vs.yaml': vs }), []);
  });
});

describe('shadowed-rules: ineffective match (SLU4002)', () => {
  it('reports one covered match of a rule whose other matches still work', () => {
    const vs = `${head}  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: web}}]
  - match:
    - uri: {exact: /api/users}
    - uri: {exact: /login}
    route: [{destination: {host: web}}]
`;
    expectFindings(findings(shadowedRules, { 'vs.yaml': vs }), ['SLU4002 info 10:7']);
  });
  it('reports a duplicate match within one rule', () => {
    const vs = `${head}  - match:
    - uri: {exact: /login}
    - uri: {exact: /login}
    route: [{destination: {host: web}}]
`;
    expectFindings(findings(shadowedRules, { 'vs.yaml': vs }), ['SLU4002 info 9:7']);
  });
});
