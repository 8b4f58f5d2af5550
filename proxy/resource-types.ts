/**
 * What the protocol treats differently per resource type: which types carry their full set
 * in every state-of-the-world response, and the make-before-break order of pushes.
 */
import type { SnapshotEntry } from '../compiler/index.ts';
import { RESOURCE_TYPE_URLS as T } from '../compiler/xds/index.ts';

/**
 * SotW responses of these types carry every subscribed resource; a name left out is deleted
 * on the client. RDS and EDS responses may carry only some names.
 */
const FULL_STATE = new Set<string>([T.listener, T.cluster]);

export function isFullStateType(typeUrl: string): boolean {
  return FULL_STATE.has(typeUrl);
}

/**
 * Additions and updates go out dependencies first, so nothing ever points at what the client
 * does not have yet: secrets (used by clusters and listeners), clusters, their endpoints
 * (a cluster warms only when its ClusterLoadAssignment arrives), listeners, their routes.
 */
const UPSERT_ORDER: readonly string[] = [T.secret, T.cluster, T.clusterLoadAssignment, T.listener, T.routeConfiguration];

/**
 * Removals go out last, after everything new is in place, referrers before what they refer to:
 * a listener goes before its routes, routes before the clusters they name, clusters before
 * their endpoints.
 */
const REMOVAL_ORDER: readonly string[] = [T.listener, T.routeConfiguration, T.cluster, T.clusterLoadAssignment, T.secret];

function rankIn(order: readonly string[], typeUrl: string): number {
  const i = order.indexOf(typeUrl);
  return i < 0 ? order.length : i;
}

/** Type URLs sorted for pushing additions; unknown types last, by name. */
export function upsertOrder(typeUrls: Iterable<string>): string[] {
  return [...typeUrls].sort((a, b) => rankIn(UPSERT_ORDER, a) - rankIn(UPSERT_ORDER, b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Type URLs sorted for pushing removals. */
export function removalOrder(typeUrls: Iterable<string>): string[] {
  return [...typeUrls].sort((a, b) => rankIn(REMOVAL_ORDER, a) - rankIn(REMOVAL_ORDER, b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Make-before-break: every addition first (already in upsert order), then removals in removal order. */
export function pushOrder<P extends { typeUrl: string }>(upserts: readonly P[], removals: readonly P[]): P[] {
  return [...upserts, ...removalOrder(new Set(removals.map((p) => p.typeUrl))).flatMap((typeUrl) => removals.filter((p) => p.typeUrl === typeUrl))];
}

/** `type.googleapis.com/envoy.config.cluster.v3.Cluster` → `Cluster` (log lines, status). */
export function shortTypeName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

/**
 * The ClusterLoadAssignment name an EDS cluster asks for (`eds_cluster_config.service_name`,
 * else the cluster name); undefined for other clusters.
 *
 * A cluster that is added or changed warms only when a ClusterLoadAssignment for it arrives
 * afterwards, even if its endpoints did not change, so pushes resend those.
 */
export function edsNameOf(clusterEntry: SnapshotEntry): string | undefined {
  const json = clusterEntry.json;
  if (json.type !== 'EDS') return undefined;
  const config = json.edsClusterConfig;
  const serviceName = typeof config === 'object' && config !== null && !Array.isArray(config) ? config.serviceName : undefined;
  return typeof serviceName === 'string' && serviceName !== '' ? serviceName : clusterEntry.name;
}

export const CLUSTER_TYPE_URL: string = T.cluster;
export const ENDPOINTS_TYPE_URL: string = T.clusterLoadAssignment;
