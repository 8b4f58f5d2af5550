// Who can call whom, before → after: AuthorizationPolicy and PeerAuthentication changes
// over bookinfo's workloads, and over namespaces where the repository declares none.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowTexts } from './authz.ts';
import { diffPolicies, isEmpty } from './index.ts';
import { model, scenario } from './test-support.ts';
import type { AccessChange, PolicyDiff } from './types.ts';

const platform = scenario('destination-rule-all.yaml');

function withPolicies(policies: Record<string, string>): Record<string, string> {
  return { ...platform, ...policies };
}

function policy(name: string, spec: string, namespace = 'default', kind = 'AuthorizationPolicy'): string {
  return `apiVersion: security.istio.io/v1
kind: ${kind}
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${spec}`;
}

const ratingsFromReviews = policy(
  'ratings-callers',
  `  selector:
    matchLabels:
      app: ratings
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/default/sa/bookinfo-reviews"]
`,
);

const ratingsFromReviewsAndProductpage = policy(
  'ratings-callers',
  `  selector:
    matchLabels:
      app: ratings
  action: ALLOW
  rules:
  - from:
    - source:
        principals:
        - cluster.local/ns/default/sa/bookinfo-reviews
        - cluster.local/ns/default/sa/bookinfo-productpage
    to:
    - operation:
        methods: ["GET"]
`,
);

/** `subject: allow before → after` lines. */
function allowLines(diff: PolicyDiff): string[] {
  return diff.access
    .filter((c) => c.access)
    .map((c: AccessChange) => `${c.subject.kind} ${c.subject.name}: ${allowTexts(c.access!.before).join(', ')} → ${allowTexts(c.access!.after).join(', ')}`);
}

describe('diffPolicies: authorization', () => {
  it('adding a caller (and narrowing to GET) shows the allowed callers of ratings before → after', () => {
    const diff = diffPolicies(model(withPolicies({ 'authz.yaml': ratingsFromReviews })), model(withPolicies({ 'authz.yaml': ratingsFromReviewsAndProductpage })));
    assert.deepEqual(allowLines(diff), [
      'service ratings.default.svc.cluster.local: cluster.local/ns/default/sa/bookinfo-reviews → cluster.local/ns/default/sa/bookinfo-productpage (GET), cluster.local/ns/default/sa/bookinfo-reviews (GET)',
    ]);
    const [change] = diff.access;
    assert.deepEqual(change?.subject.workloads, ['default/ratings-v1']);
    assert.deepEqual(change?.location, { side: 'head', file: 'authz.yaml', line: 7, col: 3 });
    assert.deepEqual(diff.services, []);
  });

  it('a first ALLOW policy limits a workload that anyone could call', () => {
    const diff = diffPolicies(model(platform), model(withPolicies({ 'authz.yaml': ratingsFromReviews })));
    assert.deepEqual(allowLines(diff), ['service ratings.default.svc.cluster.local: anyone → cluster.local/ns/default/sa/bookinfo-reviews']);
  });

  it('ALLOW without rules in the namespace: every service goes from anyone to no one', () => {
    const allowNothing = policy('allow-nothing', '  action: ALLOW\n');
    const diff = diffPolicies(model(platform), model(withPolicies({ 'allow-nothing.yaml': allowNothing })));
    assert.deepEqual(allowLines(diff), [
      'service details.default.svc.cluster.local: anyone → no one',
      'service productpage.default.svc.cluster.local: anyone → no one',
      'service ratings.default.svc.cluster.local: anyone → no one',
      'service reviews.default.svc.cluster.local: anyone → no one',
    ]);
    assert.deepEqual(diff.access.find((c) => c.subject.name.startsWith('reviews'))?.subject.workloads, ['default/reviews-v1', 'default/reviews-v2', 'default/reviews-v3']);
    // with the ratings ALLOW next to it, ratings keeps its caller: the rules of every ALLOW policy add up
    const both = diffPolicies(model(withPolicies({ 'authz.yaml': ratingsFromReviews })), model(withPolicies({ 'authz.yaml': ratingsFromReviews, 'allow-nothing.yaml': allowNothing })));
    assert.deepEqual(allowLines(both), [
      'service details.default.svc.cluster.local: anyone → no one',
      'service productpage.default.svc.cluster.local: anyone → no one',
      'service reviews.default.svc.cluster.local: anyone → no one',
    ]);
  });

  it('a DENY policy is reported as denied callers; the ALLOW side is unchanged', () => {
    const deny = policy(
      'deny-foo',
      `  selector:
    matchLabels:
      app: reviews
      version: v2
  action: DENY
  rules:
  - from:
    - source:
        namespaces: ["foo"]
        notPrincipals: ["cluster.local/ns/foo/sa/admin"]
    to:
    - operation:
        paths: ["/admin/*"]
    when:
    - key: request.headers[x-env]
      values: ["prod", "staging"]
`,
    );
    const diff = diffPolicies(model(platform), model(withPolicies({ 'deny.yaml': deny })));
    assert.equal(diff.access.length, 1);
    const [change] = diff.access;
    // only reviews-v2 is selected: the workload, not the service, is the subject
    assert.deepEqual(change?.subject, { kind: 'workload', name: 'default/reviews-v2', namespace: 'default', workloads: ['default/reviews-v2'] });
    assert.deepEqual(change?.access?.before.deny, []);
    assert.deepEqual(
      change?.access?.after.deny.map((g) => g.text),
      ['namespace foo except cluster.local/ns/foo/sa/admin (/admin/*, when request.headers[x-env] in [prod, staging])'],
    );
    assert.equal(change?.access?.after.allow, 'anyone');
  });

  it('PeerAuthentication STRICT for the namespace, PERMISSIVE on one port of ratings', () => {
    const strict = policy('default', '  mtls:\n    mode: STRICT\n', 'default', 'PeerAuthentication');
    const ratingsPort = policy(
      'ratings',
      '  selector:\n    matchLabels:\n      app: ratings\n  portLevelMtls:\n    9080:\n      mode: PERMISSIVE\n',
      'default',
      'PeerAuthentication',
    );
    const diff = diffPolicies(model(platform), model(withPolicies({ 'pa.yaml': `${strict}---\n${ratingsPort}` })));
    assert.deepEqual(
      diff.access.map((c) => `${c.subject.name}: ${c.mtls?.before.text} → ${c.mtls?.after.text}`),
      [
        'details.default.svc.cluster.local: PERMISSIVE (default) → STRICT',
        'productpage.default.svc.cluster.local: PERMISSIVE (default) → STRICT',
        'ratings.default.svc.cluster.local: PERMISSIVE (default) → STRICT, port 9080 PERMISSIVE',
        'reviews.default.svc.cluster.local: PERMISSIVE (default) → STRICT',
      ],
    );
    assert.ok(diff.access.every((c) => c.access === undefined));
  });

  it('without workloads in the repository, the policy scopes are the subjects', () => {
    const shopAllow = policy(
      'ratings',
      `  selector:
    matchLabels:
      app: ratings
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/shop/sa/reviews"]
`,
      'shop',
    );
    const shopAllowMore = shopAllow.replace('principals: ["cluster.local/ns/shop/sa/reviews"]', 'principals: ["cluster.local/ns/shop/sa/reviews", "cluster.local/ns/shop/sa/frontend"]');
    const diff = diffPolicies(model({ 'a.yaml': shopAllow }), model({ 'a.yaml': shopAllowMore }));
    assert.deepEqual(allowLines(diff), [
      'selector shop: app=ratings: cluster.local/ns/shop/sa/reviews → cluster.local/ns/shop/sa/frontend, cluster.local/ns/shop/sa/reviews',
    ]);
    // a mesh-wide deny-all in the root namespace, with no workloads anywhere
    const meshDenyAll = policy('deny-all', '  {}\n', 'istio-system');
    const mesh = diffPolicies(model({}), model({ 'mesh.yaml': meshDenyAll }));
    assert.deepEqual(allowLines(mesh), ['mesh mesh: anyone → no one']);
  });

  it('reordered policies and renamed files are no change', () => {
    const both = { 'a.yaml': ratingsFromReviewsAndProductpage.replace('- cluster.local/ns/default/sa/bookinfo-reviews\n        - cluster.local/ns/default/sa/bookinfo-productpage', '- cluster.local/ns/default/sa/bookinfo-productpage\n        - cluster.local/ns/default/sa/bookinfo-reviews') };
    assert.ok(isEmpty(diffPolicies(model(withPolicies({ 'authz.yaml': ratingsFromReviewsAndProductpage })), model(withPolicies(both)))));
  });
});
