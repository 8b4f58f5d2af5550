/**
 * Clusters and ClusterLoadAssignments: for every service port the proxy class can reach,
 * `outbound|PORT||HOST`, and `outbound|PORT|SUBSET|HOST` for each subset of the
 * DestinationRule in effect, with that rule's traffic policy; an EDS cluster's endpoints
 * are a ClusterLoadAssignment named like it. Envoy also gets Istio's BlackHoleCluster and
 * PassthroughCluster, and the inbound clusters `inbound|PORT||` of the ports its workload
 * serves (inbound.ts). Output is sorted by type, then name.
 *
 * What each policy field becomes, per flavor, is documented in the module that maps it:
 * connection-pool.ts, outlier.ts, load-balancer.ts, locality.ts, tls.ts, endpoints.ts,
 * builder.ts (discovery types); rules.ts and policy.ts say which policy is in effect.
 */
import type { Resource, TranslateContext } from '../types.ts';
import { ClusterBuilder, wellKnownClusters } from './builder.ts';
import { inboundClusters } from './inbound.ts';
import { servicePolicy, subsetPolicy } from './policy.ts';
import { appliedRules, type AppliedRules } from './rules.ts';
import { visibleServicePorts } from './services.ts';

export { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from './names.ts';

/** Clusters and ClusterLoadAssignments for every service port (and subset) the proxy class can reach. */
export function translateClusters(ctx: TranslateContext): Resource[] {
  const builder = new ClusterBuilder(ctx);
  const clusters: Resource[] = [];
  const assignments: Resource[] = [];
  let lastHost: string | undefined;
  let rules: AppliedRules | undefined;
  for (const { host, port, service } of visibleServicePorts(ctx)) {
    if (host !== lastHost) {
      rules = appliedRules(ctx, host);
      lastHost = host;
    }
    builder.build({ host, port, service, rules, policy: servicePolicy(rules, port.number) }, clusters, assignments);
    for (const subset of rules?.subsets ?? []) {
      builder.build({ host, port, service, rules, subset, policy: subsetPolicy(rules, subset, port.number) }, clusters, assignments);
    }
  }
  if (ctx.proxy.flavor === 'envoy') clusters.push(...wellKnownClusters(), ...inboundClusters(ctx, builder.findings));
  const byName = (a: Resource, b: Resource) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return [...clusters.sort(byName), ...assignments.sort(byName)];
}
