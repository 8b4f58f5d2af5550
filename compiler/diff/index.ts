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
  for (const [side, model] of [['base', base], ['head', head]] as const) {
    for (const entry of routeTable(model).values()) slotFor(slots, entry.context, entry.host, entry.port)[side] = entry;
  }
  const clusterPairs = new Map<string, { slot: Slot; pair: { base?: ClusterInfo; head?: ClusterInfo } }>();
  for (const [side, model] of [['base', base], ['head', head]] as const) {
    for (const info of clusterTable(model).values()) {
      let found = clusterPairs.get(info.key);
      if (!found) {
        const slot = slotFor(slots, MESH, info.host, info.port);
        found = { slot, pair: {} };
        slot.clusters.push(found.pair);
        clusterPairs.set(info.key, found);
      }
      found.pair[side] = info;
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
