/** The policy repository of the rollout end-to-end tests: reviews v1/v2 in namespace shop. */
import type { MeteredBackend } from '../../rollouts/testing/world.ts';

export const HOST = 'reviews.shop.svc.cluster.local';

/** Service, subsets, workloads (the backends' ports) and the route, with the weights given. */
export function meshYaml(backends: readonly MeteredBackend[], weights = { v1: 100, v2: 0 }): string {
  const docs = [
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: grpc, protocol: GRPC}
  workloadSelector:
    labels: {app: reviews}`,
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: ${HOST}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}`,
    `# reviews: v1 is stable, v2 the canary; rollouts change the weights below
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [${HOST}]
  http:
  - name: primary
    route:
    - destination: {host: ${HOST}, subset: v1}
      weight: ${weights.v1}  # stable
    - destination: {host: ${HOST}, subset: v2}
      weight: ${weights.v2}  # canary`,
    ...backends.map(
      (b) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ${b.name}, namespace: shop}
spec:
  address: 127.0.0.1
  ports: {grpc: ${b.port}}
  labels: {app: reviews, version: ${b.version}}
  serviceAccount: reviews`,
    ),
  ];
  return docs.join('\n---\n') + '\n';
}

/**
 * The success rate of a subset from the backends' go-grpc-prometheus metrics over 5 s, only
 * with at least 10 calls in the window (fewer: no data). The no-data budget is an argument.
 */
export const ANALYSIS_YAML = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
  namespace: shop
  annotations:
    sluice.dev/no-data-budget: "{{args.no-data-budget}}"
spec:
  args:
  - {name: service}
  - {name: namespace}
  - {name: subset}
  - {name: prometheus}
  - {name: no-data-budget, value: 20s}
  - {name: count, value: "3"}
  metrics:
  - name: success-rate
    interval: 1s
    count: "{{args.count}}"
    successCondition: result[0] >= 0.95
    provider:
      prometheus:
        address: "{{args.prometheus}}"
        query: >-
          sum(rate(grpc_server_handled_total{service="{{args.service}}",namespace="{{args.namespace}}",version="{{args.subset}}",grpc_code="OK"}[5s]))
          / sum(rate(grpc_server_handled_total{service="{{args.service}}",namespace="{{args.namespace}}",version="{{args.subset}}"}[5s]))
          and on() (sum(increase(grpc_server_handled_total{service="{{args.service}}",namespace="{{args.namespace}}",version="{{args.subset}}"}[5s])) >= 10)
`;

/** The Rollout of reviews; `name` changes the spec (a new rollout), `steps` are YAML list items indented by 2. */
export function rolloutYaml(steps: string, more = ''): string {
  return `apiVersion: rollouts.sluice.dev/v1alpha1
kind: Rollout
metadata: {name: reviews, namespace: shop}
spec:
  target: {virtualService: reviews, route: primary}
  stableSubset: v1
  canarySubset: v2
  steps:
${steps.trimEnd()}
${more.trimEnd()}
`;
}
