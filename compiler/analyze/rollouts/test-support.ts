/** Inline YAML building blocks for the rollout and analysis analyzer tests. */
export { diagnosticsOf, findings, only, yaml } from '../security/test-support.ts';

/**
 * The `reviews` service in namespace `shop` with subsets v1 and v2, and a VirtualService
 * `reviews` whose route `primary` sends everything to v1 (15 lines: append after the
 * documents under test).
 */
export const REVIEWS_MESH = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews.shop.svc.cluster.local]
  http:
  - name: primary
    route:
    - destination: {host: reviews.shop.svc.cluster.local, subset: v1}
`;

/** A Rollout in `shop`; `extra` is appended to its spec (two-space indented lines). */
export function rollout(name: string, target: string, extra = '', steps = '  - setWeight: 20\n  - setWeight: 100\n'): string {
  return `apiVersion: rollouts.sluice.dev/v1alpha1
kind: Rollout
metadata: {name: ${name}, namespace: shop}
spec:
  target: {${target}}
  stableSubset: v1
  canarySubset: v2
  steps:
${steps}${extra}`;
}

/** An AnalysisTemplate in `shop` with the given spec lines. */
export function template(name: string, spec: string, kind = 'AnalysisTemplate'): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: ${kind}
metadata: {name: ${name}${kind === 'AnalysisTemplate' ? ', namespace: shop' : ''}}
spec:
${spec}`;
}
