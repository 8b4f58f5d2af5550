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
import { clusterName } from '../naming.ts';
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
  const groups = new OutboundGroups();
  let lastHost: string | undefined;
  let rules: AppliedRules | undefined;
  for (const { host, port, service } of visibleServicePorts(ctx)) {
    if (host !== lastHost) {
      rules = appliedRules(ctx, host);
      lastHost = host;
    }
    const whole = groups.of(port.number, '');
    builder.build({ host, port, service, rules, policy: servicePolicy(rules, port.number) }, whole.clusters, whole.assignments);
    for (const subset of rules?.subsets ?? []) {
      const group = groups.of(port.number, subset.subset.name);
      builder.build({ host, port, service, rules, subset, policy: subsetPolicy(rules, subset, port.number) }, group.clusters, group.assignments);
    }
  }
  const others = ctx.proxy.flavor === 'envoy' ? [...wellKnownClusters(), ...inboundClusters(ctx, builder.findings)] : [];
  return [...groups.inOrder('clusters', others), ...groups.inOrder('assignments', [])];
}

const compareNames = (a: Resource, b: Resource) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

interface Group {
  prefix: string;
  clusters: Resource[];
  assignments: Resource[];
}

/**
 * Outbound resources grouped by the start of their name, `outbound|PORT|SUBSET|`. They are
 * made host by host in host order, so each group is in name order already, and ordering the
 * few groups orders them all: 30,000 names need not be sorted (a fifth of the clusters
 * stage at 10,000 services). The result is checked, and sorted the ordinary way if it is not
 * in order after all.
 */
class OutboundGroups {
  private readonly byPort = new Map<number, Map<string, Group>>();

  of(port: number, subset: string): Group {
    let bySubset = this.byPort.get(port);
    if (!bySubset) this.byPort.set(port, (bySubset = new Map()));
    let group = bySubset.get(subset);
    if (!group) bySubset.set(subset, (group = { prefix: clusterName('outbound', port, subset, ''), clusters: [], assignments: [] }));
    return group;
  }

  /** The groups' `kind` in name order, with `others` (in any order) in their places. */
  inOrder(kind: 'clusters' | 'assignments', others: readonly Resource[]): Resource[] {
    const groups: { prefix: string; list: readonly Resource[] }[] = others.map((r) => ({ prefix: r.name, list: [r] }));
    for (const bySubset of this.byPort.values()) for (const g of bySubset.values()) groups.push({ prefix: g.prefix, list: g[kind] });
    groups.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
    const out: Resource[] = [];
    for (const g of groups) for (const r of g.list) out.push(r);
    for (let i = 1; i < out.length; i++) if ((out[i - 1] as Resource).name > (out[i] as Resource).name) return out.sort(compareNames);
    return out;
  }
}
