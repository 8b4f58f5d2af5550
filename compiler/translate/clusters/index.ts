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
  return [...sortedByName(clusters), ...sortedByName(assignments)];
}

const compareNames = (a: Resource, b: Resource) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * `resources` in name order. Outbound names are `outbound|PORT|SUBSET|` and the host, and
 * they are made host by host in host order, so grouping them by that prefix and ordering the
 * few prefixes leaves each group in order already: 30,000 names need not be compared with
 * one another (a third of the clusters stage at 10,000 services). The result is checked, and
 * sorted the ordinary way if it is not in order after all.
 */
function sortedByName(resources: Resource[]): Resource[] {
  const groups = new Map<string, Resource[]>();
  for (const r of resources) {
    const cut = r.name.lastIndexOf('|');
    const prefix = cut < 0 ? r.name : r.name.slice(0, cut + 1);
    const group = groups.get(prefix);
    if (group) group.push(r);
    else groups.set(prefix, [r]);
  }
  const out: Resource[] = [];
  for (const prefix of [...groups.keys()].sort()) for (const r of groups.get(prefix) as Resource[]) out.push(r);
  for (let i = 1; i < out.length; i++) if ((out[i - 1] as Resource).name > (out[i] as Resource).name) return out.sort(compareNames);
  return out;
}
