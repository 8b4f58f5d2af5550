// Promotion edits of a VirtualService's weights: only the weights change in the text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setRouteWeights } from './yaml-edit.ts';

const FILE = `# the shop's routes
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: shop}
spec: {hosts: [reviews]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop   # the team's namespace
spec:
  hosts: [reviews]
  http:
  - name: canary-header
    match: [{headers: {x-canary: {exact: "1"}}}]
    route:
    - destination: {host: reviews, subset: v2}
  - name: primary
    route:
    - destination: {host: reviews, subset: v1}
      weight: 90    # stable
    - destination:
        host: reviews
        subset: v2
      # no weight yet
`;

const target = { namespace: 'shop', virtualService: 'reviews', route: 'primary' };

describe('setRouteWeights', () => {
  it('replaces a weight in place and inserts a missing one under its destination; nothing else changes', () => {
    const r = setRouteWeights(FILE, target, { v1: 0, v2: 100 });
    assert.ok(r.ok);
    assert.equal(r.changed, true);
    const expected = FILE.replace('weight: 90    # stable', 'weight: 0    # stable').replace('        subset: v2\n      # no weight yet', '        subset: v2\n      weight: 100\n      # no weight yet');
    assert.equal(r.text, expected);
  });

  it('finds the route by index, and reports no change when the weights are already set', () => {
    const once = setRouteWeights(FILE, { ...target, route: 1 }, { v1: 100 });
    assert.ok(once.ok);
    assert.match(once.text, /weight: 100 {4}# stable/);
    const twice = setRouteWeights(once.text, target, { v1: 100 });
    assert.deepEqual(twice, { ok: true, text: once.text, changed: false });
  });

  it('re-serializes only a document whose route items are flow mappings (comments kept)', () => {
    const flow = `apiVersion: v1
kind: Other   # untouched
---
apiVersion: networking.istio.io/v1
kind: VirtualService   # the VS
metadata: {name: reviews, namespace: shop}
spec:
  http:
  - route: [{destination: {host: reviews, subset: v1}, weight: 100}, {destination: {host: reviews, subset: v2}}]
`;
    const r = setRouteWeights(flow, { namespace: 'shop', virtualService: 'reviews', route: 0 }, { v1: 50, v2: 50 });
    assert.ok(r.ok);
    assert.ok(r.text.startsWith('apiVersion: v1\nkind: Other   # untouched\n---\n'));
    assert.match(r.text, /kind: VirtualService # the VS/);
    assert.match(r.text, /subset: v1 }, weight: 50 }/);
    assert.match(r.text, /subset: v2 }, weight: 50 }/);
  });

  it('says what is missing: the VirtualService, the route, a subset', () => {
    assert.deepEqual(setRouteWeights(FILE, { ...target, virtualService: 'ratings' }, { v1: 1 }), { ok: false, message: 'no VirtualService shop/ratings in the file' });
    assert.deepEqual(setRouteWeights(FILE, { ...target, route: 'main' }, { v1: 1 }), { ok: false, message: 'the VirtualService has no HTTP route "main"' });
    assert.deepEqual(setRouteWeights(FILE, target, { v3: 1 }), { ok: false, message: 'HTTP route "primary" has no destination in subset v3' });
  });
});
