/**
 * The semantic diff: what a policy change does to traffic. `diffPolicies(base, head)`
 * compares two resolved models (not their text) and reports, per service port, the split
 * of default traffic, routes added/removed/changed and which requests now go elsewhere,
 * cluster settings per subset, and per workload who can call it and which mTLS mode it
 * accepts. Pure: no I/O, the models are not modified.
 */
import type { PolicyModel } from '../model/types.ts';
import { diffAccess } from './access.ts';
import { diffCluster } from './cluster-diff.ts';
import { clusterTable } from './clusters.ts';
import type { ClusterInfo } from './clusters.ts';
import { diffReroutes, diffRouteLists, diffTraffic } from './route-diff.ts';
import { compareEntries, entryKey, entryTitle, MESH, routeTable } from './route-table.ts';
import type { RouteEntry } from './route-table.ts';
import type { ClusterChange, PolicyDiff, ServiceDiff } from './types.ts';

export type * from './types.ts';
export { percentText, splitText } from './split.ts';

interface Slot {
  host: string;
  port?: number;
  context: string;
  base?: RouteEntry;
  head?: RouteEntry;
  clusters: { base?: ClusterInfo; head?: ClusterInfo }[];
}

function slotFor(slots: Map<string, Slot>, context: string, host: string, port: number | undefined): Slot {
  const key = entryKey(context, host, port);
  let slot = slots.get(key);
  if (!slot) {
    slot = { host, context, clusters: [] };
    if (port !== undefined) slot.port = port;
    slots.set(key, slot);
  }
  return slot;
}

function serviceDiff(slot: Slot): ServiceDiff | undefined {
  const routes = diffRouteLists(slot.base, slot.head);
  const traffic = slot.base && slot.head ? diffTraffic(slot.base, slot.head) : undefined;
  const rerouted = slot.base && slot.head ? diffReroutes(slot.base, slot.head) : [];
  const clusters: ClusterChange[] = [];
  for (const pair of slot.clusters) {
    const change = diffCluster(pair.base, pair.head);
    if (change) clusters.push(change);
  }
  if (!traffic && routes.length === 0 && rerouted.length === 0 && clusters.length === 0) return undefined;
  // key order is the JSON output's order
  const out: ServiceDiff = {
    title: entryTitle(slot),
    host: slot.host,
    ...(slot.port === undefined ? {} : { port: slot.port }),
    ...(slot.context === MESH ? {} : { gateway: slot.context }),
    ...(traffic ? { traffic } : {}),
    routes,
    rerouted,
    clusters,
  };
  return out;
}

export function diffPolicies(base: PolicyModel, head: PolicyModel): PolicyDiff {
  const slots = new Map<string, Slot>();
  const baseRoutes = routeTable(base);
  const headRoutes = routeTable(head);
  for (const [side, table, other] of [['base', baseRoutes, headRoutes], ['head', headRoutes, baseRoutes]] as const) {
    for (const entry of table.values()) {
      // same inputs on both sides: same routing, nothing to compare
      if (other.get(entry.key)?.fingerprint === entry.fingerprint) continue;
      slotFor(slots, entry.context, entry.host, entry.port)[side] = entry;
    }
  }
  const baseClusters = clusterTable(base);
  const headClusters = clusterTable(head);
  const clusterPairs = new Map<string, { base?: ClusterInfo; head?: ClusterInfo }>();
  for (const [side, table, other] of [['base', baseClusters, headClusters], ['head', headClusters, baseClusters]] as const) {
    for (const group of table.values()) {
      if (other.get(group.host)?.fingerprint === group.fingerprint) continue;
      for (const info of group.clusters) {
        let pair = clusterPairs.get(info.key);
        if (!pair) {
          clusterPairs.set(info.key, (pair = {}));
          slotFor(slots, MESH, info.host, info.port).clusters.push(pair);
        }
        pair[side] = info;
      }
    }
  }
  const services: ServiceDiff[] = [];
  for (const slot of [...slots.values()].sort(compareEntries)) {
    const diff = serviceDiff(slot);
    if (diff) services.push(diff);
  }
  return { services, access: diffAccess(base, head) };
}

export function isEmpty(diff: PolicyDiff): boolean {
  return diff.services.length === 0 && diff.access.length === 0;
}
