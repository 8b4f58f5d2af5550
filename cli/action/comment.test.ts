// Golden tests of the pull-request comment, exactly as the action posts it (marker, links,
// footer), for bookinfo's reviews 90-10 → 50-v3 and for an AuthorizationPolicy change.
// UPDATE_GOLDEN=1 rewrites the files in fixtures/golden/review/ (review the diff!).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { diffPolicies, validateSources } from '../../compiler/index.ts';
import type { TreeAtRevision } from '../../gitops/index.ts';
import type { ReviewReport } from '../review/report.ts';
import { assembleReview } from '../review/report.ts';
import { renderComment } from './publish.ts';
import { read } from './testing.ts';

const GOLDEN = fileURLToPath(new URL('../../fixtures/golden/review/', import.meta.url));
const BASE_SHA = '1111111111111111111111111111111111111111';
const HEAD_SHA = '2222222222222222222222222222222222222222';
const target = { owner: 'acme', repo: 'mesh-policy', pullRequest: 7, headSha: HEAD_SHA, serverUrl: 'https://github.com', runUrl: 'https://github.com/acme/mesh-policy/actions/runs/42' };

function tree(files: Record<string, string>, sha: string): TreeAtRevision {
  const sources = Object.entries(files).map(([path, content]) => ({ path: `policies/${path}`, content }));
  return { commit: { sha, author: 'a', email: 'a@example.com', date: '2026-11-21T00:00:00Z', subject: 'change', message: 'change' }, sources, oversized: [] };
}

function review(base: Record<string, string>, head: Record<string, string>): ReviewReport {
  const side = (files: Record<string, string>, sha: string, revision: string) => {
    const t = tree(files, sha);
    return { revision, tree: t, validation: validateSources(t.sources) };
  };
  return assembleReview('policies', { base: side(base, BASE_SHA, 'main'), head: side(head, HEAD_SHA, 'HEAD') }, diffPolicies).report;
}

function golden(name: string, actual: string): void {
  const file = GOLDEN + name;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

const platform = { 'bookinfo.yaml': read('platform/bookinfo.yaml'), 'destination-rule-all.yaml': read('networking/destination-rule-all.yaml') };

const ratingsPolicy = (principals: string[], to = '') => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ratings-callers
  namespace: default
spec:
  selector:
    matchLabels:
      app: ratings
  action: ALLOW
  rules:
  - from:
    - source:
        principals: [${principals.map((p) => JSON.stringify(p)).join(', ')}]
${to}`;

describe('the pull-request comment', () => {
  it("bookinfo's reviews 90-10 → 50-v3: traffic table, diagram, the route, the findings", () => {
    const report = review(
      { ...platform, 'reviews.yaml': read('networking/virtual-service-reviews-90-10.yaml') },
      { ...platform, 'reviews.yaml': read('networking/virtual-service-reviews-50-v3.yaml') },
    );
    golden('comment-reviews-90-10-to-50-v3.md', renderComment(report, target, { failOn: 'error', version: '0.1.0' }).body);
  });

  it('an AuthorizationPolicy change: who can call ratings, before → after', () => {
    const base = { ...platform, 'reviews.yaml': read('networking/virtual-service-reviews-90-10.yaml'), 'ratings-authz.yaml': ratingsPolicy(['cluster.local/ns/default/sa/bookinfo-reviews']) };
    const head = {
      ...base,
      'ratings-authz.yaml': ratingsPolicy(['cluster.local/ns/default/sa/bookinfo-reviews', 'cluster.local/ns/default/sa/bookinfo-productpage'], '    to:\n    - operation:\n        methods: [GET]\n        paths: ["/ratings/*"]\n'),
    };
    golden('comment-authorization.md', renderComment(review(base, head), target, { failOn: 'error', version: '0.1.0' }).body);
  });

  it('a change with no effect on traffic and no findings is one line', () => {
    const files = { 'bookinfo.yaml': read('platform/bookinfo.yaml') };
    // the same resources, reordered and commented: no change in what the mesh does
    const reordered = read('platform/bookinfo.yaml').split(/^---$/m).reverse().join('---\n');
    const report = review(files, { 'platform.yaml': `# owned by the platform team\n${reordered}` });
    assert.deepEqual(report.diagnostics, []);
    assert.equal(report.head.documentCount, report.base.documentCount);
    const { body } = renderComment(report, target, { failOn: 'error', version: '0.1.0' });
    assert.equal(
      body,
      '<!-- sluice-review path=policies -->\n' +
        '✅ **sluice review** · `policies/`: no effect on traffic — routing, clusters and access are unchanged, and head has no findings (14 documents).\n\n' +
        '<sub>sluice 0.1.0 · 2222222 · [run and job summary](https://github.com/acme/mesh-policy/actions/runs/42)</sub>\n',
    );
  });
});
