/**
 * Snapshot consistency: what no single resource shows but a proxy rejects or waits on forever.
 *
 * - `snapshot.duplicate_name`: two resources of one type with the same name;
 * - `snapshot.name_mismatch`: a resource's own name differs from the name it is served under;
 * - `snapshot.rds_missing`: an HttpConnectionManager's `rds.routeConfigName` names no
 *   RouteConfiguration (the listener never warms; gRPC clients fail after ~15 s);
 * - `snapshot.eds_missing`: an EDS cluster has no ClusterLoadAssignment under its
 *   `edsClusterConfig.serviceName` (or its name) (the cluster never warms);
 * - `snapshot.cluster_missing`: a route's `cluster`, a `weightedClusters` entry, or an aggregate
 *   cluster's member names no Cluster;
 * - `snapshot.duplicate_domain`: a domain appears twice among the virtual hosts of one route
 *   configuration (Envoy compares domains case-insensitively and NACKs);
 * - `snapshot.weight_total`: the weights of `weightedClusters` sum to 0, past UINT32_MAX, or
 *   differ from `totalWeight` when that is set.
 *
 * Route configurations inline in an HttpConnectionManager (`routeConfig`) are checked like
 * RDS ones. JSON keys may be camelCase or proto names; paths use the key as written.
 *
 * The checks read the known shapes directly and allocate nothing for a reference that
 * resolves: a 10,000-service snapshot has some 100,000 references and nearly never a broken one.
 */
import type { JsonObject, JsonValue } from '../xds/index.ts';
import { EXTENSION_TYPE_URLS, RESOURCE_TYPE_URLS, typeNameOf } from '../xds/index.ts';
import { checkRouteConfiguration, RouteState } from './routes.ts';
import { isObject, keyOf, Sink } from './sink.ts';
import type { NameIndex } from './sink.ts';
import type { SnapshotResource, Violation } from './types.ts';

const T = RESOURCE_TYPE_URLS;
const HCM_URL = EXTENSION_TYPE_URLS.httpConnectionManager;
const HCM = typeNameOf(HCM_URL);
const AGGREGATE_URL = EXTENSION_TYPE_URLS.aggregateCluster;
const AGGREGATE = typeNameOf(AGGREGATE_URL);
const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * Route configurations with at least this many virtual hosts keep their state in a
 * SnapshotChecker, so that a changed one is checked again only in the virtual hosts that
 * changed; smaller ones are checked whole, which costs less than keeping the state.
 */
export const STATEFUL_VIRTUAL_HOSTS = 32;

function isType(config: JsonObject, url: string, typeName: string): boolean {
  const type = config['@type'];
  return typeof type === 'string' && (type === url || typeNameOf(type) === typeName);
}

// ---------------------------------------------------------------------------------------------
// names

/** Duplicate-name and name-mismatch violations of resource `r`. */
function nameViolations(r: SnapshotResource, duplicate: boolean, out: Violation[]): void {
  const json = r.json;
  const [camel, snake] = r.typeUrl === T.clusterLoadAssignment ? ['clusterName', 'cluster_name'] : ['name', 'name'];
  const key = isObject(json) ? keyOf(json, camel, snake) : camel;
  const own = isObject(json) ? json[key] : undefined;
  if (!duplicate && (own === undefined || own === r.name)) return;
  if (duplicate) {
    out.push({ resource: { typeUrl: r.typeUrl, name: r.name }, path: [key], rule: 'snapshot.duplicate_name', message: `two ${typeNameOf(r.typeUrl)} resources are named ${JSON.stringify(r.name)}` });
  }
  if (own !== undefined && own !== r.name) {
    out.push({ resource: { typeUrl: r.typeUrl, name: r.name }, path: [key], rule: 'snapshot.name_mismatch', message: `resource is served as ${JSON.stringify(r.name)} but its ${key} is ${JSON.stringify(own)}` });
  }
}

/** The names in the snapshot, by type, and the positions of resources named as one of their type before them. */
function indexNames(resources: readonly SnapshotResource[]): { index: NameIndex; duplicates: Set<number> } {
  const byType = new Map<string, Set<string>>();
  const duplicates = new Set<number>();
  let lastType: string | undefined;
  let names = new Set<string>();
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i] as SnapshotResource;
    if (r.typeUrl !== lastType) {
      lastType = r.typeUrl;
      let found = byType.get(r.typeUrl);
      if (found === undefined) byType.set(r.typeUrl, (found = new Set()));
      names = found;
    }
    if (names.has(r.name)) duplicates.add(i);
    else names.add(r.name);
  }
  const index = {
    routes: byType.get(T.routeConfiguration) ?? NO_NAMES,
    clusters: byType.get(T.cluster) ?? NO_NAMES,
    assignments: byType.get(T.clusterLoadAssignment) ?? NO_NAMES,
  };
  return { index, duplicates };
}

// ---------------------------------------------------------------------------------------------
// references

/** The reference violations of resource `r` (the sink's path is empty and its resource is `r`). */
function referenceViolations(r: SnapshotResource, index: NameIndex, sink: Sink): void {
  const json = r.json;
  if (!isObject(json)) return;
  if (r.typeUrl === T.listener) checkListener(json, index, sink);
  else if (r.typeUrl === T.routeConfiguration) checkRouteConfiguration(json, index, sink);
  else if (r.typeUrl === T.cluster) checkCluster(json, r.name, index, sink);
}

function checkListener(listener: JsonObject, index: NameIndex, sink: Sink): void {
  const chainsKey = keyOf(listener, 'filterChains', 'filter_chains');
  const chains = listener[chainsKey];
  if (Array.isArray(chains)) {
    for (let i = 0; i < chains.length; i++) {
      sink.path.push(chainsKey, i);
      checkFilterChain(chains[i], index, sink);
      sink.path.length -= 2;
    }
  }
  const defKey = keyOf(listener, 'defaultFilterChain', 'default_filter_chain');
  sink.path.push(defKey);
  checkFilterChain(listener[defKey], index, sink);
  sink.path.pop();
  const apiKey = keyOf(listener, 'apiListener', 'api_listener');
  const api = listener[apiKey];
  if (isObject(api)) {
    const innerKey = keyOf(api, 'apiListener', 'api_listener');
    sink.path.push(apiKey, innerKey);
    checkHcmConfig(api[innerKey], index, sink);
    sink.path.length -= 2;
  }
}

function checkFilterChain(chain: JsonValue | undefined, index: NameIndex, sink: Sink): void {
  if (!isObject(chain)) return;
  const filters = chain['filters'];
  if (!Array.isArray(filters)) return;
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i];
    if (!isObject(f)) continue;
    const tcKey = keyOf(f, 'typedConfig', 'typed_config');
    sink.path.push('filters', i, tcKey);
    checkHcmConfig(f[tcKey], index, sink);
    sink.path.length -= 3;
  }
}

function checkHcmConfig(config: JsonValue | undefined, index: NameIndex, sink: Sink): void {
  if (!isObject(config) || !isType(config, HCM_URL, HCM)) return;
  const rds = config['rds'];
  if (isObject(rds)) {
    const nameKey = keyOf(rds, 'routeConfigName', 'route_config_name');
    const name = rds[nameKey];
    if (typeof name === 'string' && !index.routes.has(name)) {
      sink.add('snapshot.rds_missing', `route configuration ${JSON.stringify(name)} is not in the snapshot`, ['rds', nameKey]);
    }
  }
  const inlineKey = keyOf(config, 'routeConfig', 'route_config');
  const inline = config[inlineKey];
  if (isObject(inline)) {
    sink.path.push(inlineKey);
    checkRouteConfiguration(inline, index, sink);
    sink.path.pop();
  }
}

function checkCluster(cluster: JsonObject, name: string, index: NameIndex, sink: Sink): void {
  const type = cluster['type'];
  if (type === 'EDS' || type === 3) {
    const edsKey = keyOf(cluster, 'edsClusterConfig', 'eds_cluster_config');
    const eds = cluster[edsKey];
    const serviceKey = isObject(eds) ? keyOf(eds, 'serviceName', 'service_name') : 'serviceName';
    const service = isObject(eds) ? eds[serviceKey] : undefined;
    const named = typeof service === 'string' && service !== '';
    const wanted = named ? service : name;
    if (!index.assignments.has(wanted)) {
      const path = wanted !== name || named ? [edsKey, serviceKey] : isObject(eds) ? [edsKey] : ['name'];
      sink.add('snapshot.eds_missing', `no ClusterLoadAssignment named ${JSON.stringify(wanted)} in the snapshot`, path);
    }
  }
  const ctKey = keyOf(cluster, 'clusterType', 'cluster_type');
  const ct = cluster[ctKey];
  if (!isObject(ct)) return;
  const tcKey = keyOf(ct, 'typedConfig', 'typed_config');
  const tc = ct[tcKey];
  if (!isObject(tc) || !isType(tc, AGGREGATE_URL, AGGREGATE)) return;
  const members = tc['clusters'];
  if (!Array.isArray(members)) return;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (typeof m === 'string' && !index.clusters.has(m)) {
      sink.add('snapshot.cluster_missing', `aggregate member cluster ${JSON.stringify(m)} is not in the snapshot`, [ctKey, tcKey, 'clusters', i]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// whole snapshots

/** Violations by position in the snapshot: of each resource alone, of names, of references. */
interface Found {
  byResource: Map<number, Violation[]>;
  byName: Map<number, Violation[]>;
  byReference: Map<number, Violation[]>;
}

function inOrder(byPosition: Map<number, Violation[]>): Violation[] {
  if (byPosition.size === 0) return [];
  return [...byPosition.keys()].sort((a, b) => a - b).flatMap((i) => byPosition.get(i) as Violation[]);
}

function listed(found: Found): Violation[] {
  return [...inOrder(found.byResource), ...inOrder(found.byName), ...inOrder(found.byReference)];
}

/** Moves what `scratch` holds to position `i` of `into` (nearly always nothing). */
function keep(scratch: Violation[], into: Map<number, Violation[]>, i: number): void {
  if (scratch.length === 0) {
    into.delete(i);
    return;
  }
  into.set(i, scratch.slice());
  scratch.length = 0;
}

/** All the checks of resource `r` at position `i`, replacing what `found` had for it. */
function checkAt(
  found: Found,
  i: number,
  r: SnapshotResource,
  duplicate: boolean,
  verifyOne: (r: SnapshotResource) => Violation[],
  sink: Sink,
  references: (sink: Sink) => void,
): void {
  const own = verifyOne(r);
  if (own.length > 0) found.byResource.set(i, own);
  else found.byResource.delete(i);
  nameViolations(r, duplicate, sink.out);
  keep(sink.out, found.byName, i);
  sink.resource = r;
  references(sink);
  keep(sink.out, found.byReference, i);
}

/**
 * Checks every resource of a snapshot: all of one resource's checks in turn, while its JSON
 * is in the processor's cache, the violations kept by position to be listed by kind.
 */
function checkWhole(
  resources: readonly SnapshotResource[],
  verifyOne: (r: SnapshotResource) => Violation[],
  references: (r: SnapshotResource, i: number, index: NameIndex, sink: Sink) => void,
): Found & { index: NameIndex; duplicates: Set<number> } {
  const { index, duplicates } = indexNames(resources);
  const found = { index, duplicates, byResource: new Map<number, Violation[]>(), byName: new Map<number, Violation[]>(), byReference: new Map<number, Violation[]>() };
  const sink = new Sink([]);
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i] as SnapshotResource;
    checkAt(found, i, r, duplicates.has(i), verifyOne, sink, (s) => references(r, i, index, s));
  }
  return found;
}

const NOTHING = (): Violation[] => [];

export function checkSnapshot(resources: readonly SnapshotResource[]): Violation[] {
  return verifyWhole(resources, NOTHING);
}

/** `verifyOne` of every resource, then the snapshot's consistency. */
export function verifyWhole(resources: readonly SnapshotResource[], verifyOne: (r: SnapshotResource) => Violation[]): Violation[] {
  return listed(checkWhole(resources, verifyOne, (r, _, index, sink) => referenceViolations(r, index, sink)));
}

function hostCount(r: SnapshotResource): number {
  if (r.typeUrl !== T.routeConfiguration || !isObject(r.json)) return 0;
  const hosts = r.json[keyOf(r.json, 'virtualHosts', 'virtual_hosts')];
  return Array.isArray(hosts) ? hosts.length : 0;
}

interface CheckerState extends Found {
  resources: readonly SnapshotResource[];
  index: NameIndex;
  /** Positions of resources named like an earlier one of their type (the names stay as they were). */
  duplicates: Set<number>;
  /** The large route configurations, by position. */
  routes: Map<number, RouteState>;
}

/**
 * `checkSnapshot` for one proxy class compiled again and again. When the resources are the
 * same types and names in the same order as last time (a policy edit changes contents far
 * more often than the set of resources), the names are the same, so only resources whose
 * JSON is not the same object as before are checked again; anything else is checked whole.
 * A large route configuration that changed is checked again in the virtual hosts that
 * changed only (routes.ts): the others are the same frozen objects as before.
 */
export class SnapshotChecker {
  private last: CheckerState | undefined;
  private readonly sink = new Sink([]);

  /** `verifyOne`: the violations of one resource on its own (they come first, as in verifySnapshot). */
  check(resources: readonly SnapshotResource[], verifyOne: (r: SnapshotResource) => Violation[]): Violation[] {
    const last = this.last;
    const changed = last ? changedPositions(last.resources, resources) : undefined;
    if (!last || !changed) {
      const routes = new Map<number, RouteState>();
      const found = checkWhole(resources, verifyOne, (r, i, index, sink) => references(routes, i, r, index, sink));
      this.last = { resources, routes, ...found };
      return listed(found);
    }
    for (const i of changed) {
      const r = resources[i] as SnapshotResource;
      // the names are the same as before, so a duplicate stays one
      checkAt(last, i, r, last.duplicates.has(i), verifyOne, this.sink, (sink) => references(last.routes, i, r, last.index, sink));
    }
    last.resources = resources;
    return listed(last);
  }
}

/** The reference violations of the resource at position `i`; large route configurations keep their state in `routes`. */
function references(routes: Map<number, RouteState>, i: number, r: SnapshotResource, index: NameIndex, sink: Sink): void {
  if (hostCount(r) < STATEFUL_VIRTUAL_HOSTS) {
    routes.delete(i);
    referenceViolations(r, index, sink);
    return;
  }
  const json = r.json as JsonObject;
  let route = routes.get(i);
  if (route === undefined) routes.set(i, (route = new RouteState(json, index)));
  else route.update(json, index);
  route.report(sink);
}

/** Positions whose JSON changed, when types and names are as before; undefined when they are not. */
function changedPositions(before: readonly SnapshotResource[], after: readonly SnapshotResource[]): number[] | undefined {
  if (before.length !== after.length) return undefined;
  const changed: number[] = [];
  for (let i = 0; i < after.length; i++) {
    const a = before[i] as SnapshotResource;
    const b = after[i] as SnapshotResource;
    if (a === b) continue;
    if (a.typeUrl !== b.typeUrl || a.name !== b.name) return undefined;
    if (a.json !== b.json) changed.push(i);
  }
  return changed;
}
