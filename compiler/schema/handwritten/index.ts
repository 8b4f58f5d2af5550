/**
 * The only hand-written schemas: Kubernetes core kinds used as the service registry, and
 * sluice's own Rollout. Everything else is generated from upstream CRDs.
 */
import type { JsonSchema } from '../convert.ts';
import { deploymentSchema, endpointSliceSchema, podSchema, serviceAccountSchema, serviceSchema, statefulSetSchema } from './k8s.ts';
import { rolloutSchema } from './rollout.ts';

export interface HandwrittenKind {
  group: string;
  version: string;
  kind: string;
  scope: 'Namespaced' | 'Cluster';
  schema: JsonSchema;
}

export const HANDWRITTEN: readonly HandwrittenKind[] = [
  { group: '', version: 'v1', kind: 'Service', scope: 'Namespaced', schema: serviceSchema },
  { group: '', version: 'v1', kind: 'ServiceAccount', scope: 'Namespaced', schema: serviceAccountSchema },
  { group: '', version: 'v1', kind: 'Pod', scope: 'Namespaced', schema: podSchema },
  { group: 'apps', version: 'v1', kind: 'Deployment', scope: 'Namespaced', schema: deploymentSchema },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', scope: 'Namespaced', schema: statefulSetSchema },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', scope: 'Namespaced', schema: endpointSliceSchema },
  { group: 'rollouts.sluice.dev', version: 'v1alpha1', kind: 'Rollout', scope: 'Namespaced', schema: rolloutSchema },
];
