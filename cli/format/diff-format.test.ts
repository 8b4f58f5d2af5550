import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { diffPolicies } from '../../compiler/diff/index.ts';
import { validateSources } from '../../compiler/index.ts';
import { formatDiffHuman } from './diff-human.ts';
import { formatDiffJson } from './diff-json.ts';
import { formatDiffMarkdown } from './diff-markdown.ts';
import type { DiffReport } from './diff-report.ts';

const bookinfo = fileURLToPath(new URL('../../../shared/conformance/istio-bookinfo/', import.meta.url));
const read = (f: string) => readFileSync(bookinfo + f, 'utf8');

const ratingsAllow = (principals: string[], operation = '') => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ratings, namespace: default}
spec:
  selector: {matchLabels: {app: ratings}}
  rules:
  - from: [{source: {principals: [${principals.map((p) => JSON.stringify(p)).join(', ')}]}}]
${operation}`;

function report(base: Record<string, string>, head: Record<string, string>): DiffReport {
  const platform = { 'bookinfo.yaml': read('platform/bookinfo.yaml'), 'dr.yaml': read('networking/destination-rule-all.yaml') };
  const side = (files: Record<string, string>, prefix: string) =>
    validateSources(Object.entries({ ...platform, ...files }).map(([path, content]) => ({ path: `${prefix}/${path}`, content })));
  const b = side(base, 'base');
  const h = side(head, 'head');
  return {
    diff: diffPolicies(b.model, h.model),
    base: { label: 'base', documentCount: b.documentCount, errors: [] },
    head: { label: 'head', documentCount: h.documentCount, errors: [] },
  };
}

const access = report(
  { 'authz.yaml': ratingsAllow(['cluster.local/ns/default/sa/bookinfo-reviews']) },
  {
    'authz.yaml': ratingsAllow(
      ['cluster.local/ns/default/sa/bookinfo-reviews', 'cluster.local/ns/default/sa/bookinfo-productpage'],
      '    to: [{operation: {methods: [GET, HEAD], paths: ["/ratings/*"]}}]\n',
    ),
  },
);

describe('diff formats', () => {
  it('human: who can call whom, per service', () => {
    assert.equal(
      formatDiffHuman(access, { color: false }),
      `who can call whom
  ratings.default.svc.cluster.local  head/authz.yaml:5
    allowed callers  cluster.local/ns/default/sa/bookinfo-reviews → cluster.local/ns/default/sa/bookinfo-productpage (GET|HEAD /ratings/*), cluster.local/ns/default/sa/bookinfo-reviews (GET|HEAD /ratings/*)

access changed for 1 service
`,
    );
  });

  it('markdown: an access table with pipes and asterisks escaped, locations linked when a linker is given', () => {
    const link = (l: { file: string; line: number }) => `https://github.com/o/r/blob/abc/${l.file}#L${l.line}`;
    assert.equal(
      formatDiffMarkdown(access, { color: false, link }),
      `**sluice diff**: access changed for 1 service

**Who can call whom**

| service or workload | | before | after |
|---|---|---|---|
| \`ratings.default.svc.cluster.local\` · [head/authz.yaml:5](https://github.com/o/r/blob/abc/head/authz.yaml#L5) | allowed callers | cluster.local/ns/default/sa/bookinfo-reviews | cluster.local/ns/default/sa/bookinfo-productpage (GET\\|HEAD /ratings/\\*), cluster.local/ns/default/sa/bookinfo-reviews (GET\\|HEAD /ratings/\\*) |
`,
    );
  });

  it('human: clusters that changed alike are one line; colour only when asked', () => {
    const mtls = report({}, { 'dr.yaml': read('networking/destination-rule-all-mtls.yaml') });
    const plain = formatDiffHuman(mtls, { color: false });
    assert.match(plain, /^reviews\.default\.svc\.cluster\.local:9080\n {2}~ clusters service-wide, v1, v2, v3 {2}TLS unset → ISTIO_MUTUAL {2}head\/dr\.yaml:22\n/m);
    assert.ok(!plain.includes('\u001b['));
    assert.ok(formatDiffHuman(mtls, { color: true }).includes('\u001b[1mreviews.default.svc.cluster.local:9080\u001b[22m'));
  });

  it('human and markdown warn about validation errors on a side; json lists them', () => {
    const withErrors: DiffReport = {
      ...access,
      head: { label: 'head', documentCount: 3, errors: [{ code: 'SLU1001', severity: 'error', message: 'bad YAML', file: 'head/x.yaml', line: 2, col: 3, endLine: 2, endCol: 4, path: '' }] },
    };
    assert.match(formatDiffHuman(withErrors, { color: false }), /^! head head has 1 validation error \(first: head\/x\.yaml:2:3 SLU1001 bad YAML\); the diff covers what could be read$/m);
    assert.match(formatDiffMarkdown(withErrors, { color: false }), /^> \[!WARNING\]\n> head head has 1 validation error/m);
    const json = JSON.parse(formatDiffJson(withErrors)) as { head: { errors: unknown[] } };
    assert.deepEqual(json.head.errors, [{ code: 'SLU1001', message: 'bad YAML', file: 'head/x.yaml', line: 2, col: 3 }]);
  });

  it('human: control characters from the policy are made visible, never sent to the terminal', () => {
    const vs = (value: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {x-user: {exact: ${JSON.stringify(value)}}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`;
    const out = formatDiffHuman(report({ 'vs.yaml': vs('a') }, { 'vs.yaml': vs('\u001b[2Jb') }), { color: false });
    assert.ok(!out.includes('\u001b'));
    assert.ok(out.includes('headers x-user exact "\\u001b[2Jb"') || out.includes('\u241b'), out);
  });
});
