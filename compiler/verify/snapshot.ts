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
 */
import type { JsonObject, JsonPath, JsonValue } from '../xds/index.ts';
import { EXTENSION_TYPE_URLS, RESOURCE_TYPE_URLS, typeNameOf } from '../xds/index.ts';
import type { SnapshotResource, Violation } from './types.ts';

const T = RESOURCE_TYPE_URLS;
const HCM = typeNameOf(EXTENSION_TYPE_URLS.httpConnectionManager);
const AGGREGATE = typeNameOf(EXTENSION_TYPE_URLS.aggregateCluster);
const UINT32_MAX = 0xffffffff;

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value under a field's JSON name or proto name, with the key actually used. */
function field(o: JsonObject, camel: string, snake: string): [JsonValue | undefined, string] {
  if (o[camel] !== undefined) return [o[camel], camel];
  return [o[snake], snake];
}

function items(o: JsonObject, camel: string, snake: string): [JsonValue[], string] {
  const [v, key] = field(o, camel, snake);
  return [Array.isArray(v) ? v : [], key];
}

function nameKey(typeUrl: string): [string, string] {
  return typeUrl === T.clusterLoadAssignment ? ['clusterName', 'cluster_name'] : ['name', 'name'];
}

/** A number from JSON (wrappers such as UInt32Value appear as plain numbers or strings). */
function num(v: JsonValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
  return 0;
}

type NameSet = 'routes' | 'clusters' | 'assignments';

/**
 * What one resource asks of the snapshot, in the order its checks find it: a violation it
 * has whatever else is in the snapshot, or one it has unless `needs` names a resource there.
 * Facts depend on the resource alone, so they are kept for frozen resources (and frozen
 * virtual hosts) and a snapshot that differs from the last in a few resources checks only those.
 */
interface Fact {
  /** A thunk where the fact is usually satisfied: the path is only built when reported. */
  path: JsonPath | (() => JsonPath);
  rule: string;
  /** A thunk where the fact is usually satisfied: the message is only written when reported. */
  message: string | (() => string);
  needs?: { set: NameSet; name: string };
}

type Note = (fact: Fact) => void;

const resourceFacts = new WeakMap<object, { typeUrl: string; name: string; facts: Fact[] }>();
const virtualHostFacts = new WeakMap<object, { domains: { folded: string; written: string; index: number }[]; key: string; facts: Fact[] }>();

function factsOf(r: SnapshotResource & { json: JsonObject }): Fact[] {
  const frozen = Object.isFrozen(r.json);
  if (frozen) {
    const kept = resourceFacts.get(r.json);
    if (kept && kept.typeUrl === r.typeUrl && kept.name === r.name) return kept.facts;
  }
  const facts: Fact[] = [];
  const note: Note = (f) => facts.push(f);
  if (r.typeUrl === T.listener) checkListener(r.json, note);
  else if (r.typeUrl === T.routeConfiguration) checkRouteConfiguration(r.json, [], note);
  else if (r.typeUrl === T.cluster) checkCluster(r.json, r.name, note);
  if (frozen) resourceFacts.set(r.json, { typeUrl: r.typeUrl, name: r.name, facts });
  return facts;
}

/** Names the snapshot holds, for the facts that need one. */
type NameIndex = Record<NameSet, Set<string>>;

/** Duplicate-name and name-mismatch violations of resource `r`, given the names of the same type before it. */
function nameViolations(r: SnapshotResource, names: Set<string> | undefined, out: Violation[]): void {
  const resource = { typeUrl: r.typeUrl, name: r.name };
  const [camel, snake] = nameKey(r.typeUrl);
  const [own, key] = isObject(r.json) ? field(r.json, camel, snake) : [undefined, camel];
  if (names?.has(r.name)) {
    out.push({ resource, path: [key], rule: 'snapshot.duplicate_name', message: `two ${typeNameOf(r.typeUrl)} resources are named ${JSON.stringify(r.name)}` });
  }
  if (own !== undefined && own !== r.name) {
    out.push({ resource, path: [key], rule: 'snapshot.name_mismatch', message: `resource is served as ${JSON.stringify(r.name)} but its ${key} is ${JSON.stringify(own)}` });
  }
}

/** The facts of resource `r` the snapshot does not satisfy. */
function referenceViolations(r: SnapshotResource, index: NameIndex, out: Violation[]): void {
  if (!isObject(r.json)) return;
  for (const f of factsOf(r as SnapshotResource & { json: JsonObject })) {
    if (f.needs && index[f.needs.set].has(f.needs.name)) continue;
    out.push({ resource: { typeUrl: r.typeUrl, name: r.name }, path: typeof f.path === 'function' ? f.path() : f.path, rule: f.rule, message: typeof f.message === 'string' ? f.message : f.message() });
  }
}

function indexNames(resources: readonly SnapshotResource[], onEach?: (r: SnapshotResource, i: number, names: Set<string>) => void): NameIndex {
  const index: NameIndex = { routes: new Set(), clusters: new Set(), assignments: new Set() };
  const seen = new Map<string, Set<string>>();
  resources.forEach((r, i) => {
    let names = seen.get(r.typeUrl);
    if (names === undefined) seen.set(r.typeUrl, (names = new Set()));
    onEach?.(r, i, names);
    names.add(r.name);
    if (r.typeUrl === T.routeConfiguration) index.routes.add(r.name);
    else if (r.typeUrl === T.cluster) index.clusters.add(r.name);
    else if (r.typeUrl === T.clusterLoadAssignment) index.assignments.add(r.name);
  });
  return index;
}

export function checkSnapshot(resources: readonly SnapshotResource[]): Violation[] {
  const out: Violation[] = [];
  const index = indexNames(resources, (r, _, names) => nameViolations(r, names, out));
  for (const r of resources) referenceViolations(r, index, out);
  return out;
}

/**
 * `checkSnapshot` for one proxy class compiled again and again. When the resources are the
 * same types and names in the same order as last time (a policy edit changes contents far
 * more often than the set of resources), the names are the same, so only resources whose
 * JSON is not the same object as before are checked again; anything else is checked whole.
 */
export class SnapshotChecker {
  private last:
    | {
        resources: readonly SnapshotResource[];
        index: NameIndex;
        byResource: Map<number, Violation[]>;
        byName: Map<number, Violation[]>;
        byReference: Map<number, Violation[]>;
      }
    | undefined;

  /** `verifyOne`: the violations of one resource on its own (they come first, as in verifySnapshot). */
  check(resources: readonly SnapshotResource[], verifyOne: (r: SnapshotResource) => Violation[]): Violation[] {
    const last = this.last;
    const changed = last ? changedPositions(last.resources, resources) : undefined;
    if (!last || !changed) {
      const byResource = new Map<number, Violation[]>();
      const byName = new Map<number, Violation[]>();
      const byReference = new Map<number, Violation[]>();
      resources.forEach((r, i) => collect(byResource, i, (out) => out.push(...verifyOne(r))));
      const index = indexNames(resources, (r, i, names) => collect(byName, i, (out) => nameViolations(r, names, out)));
      resources.forEach((r, i) => collect(byReference, i, (out) => referenceViolations(r, index, out)));
      this.last = { resources, index, byResource, byName, byReference };
    } else {
      for (const i of changed) {
        const r = resources[i] as SnapshotResource;
        last.byResource.delete(i);
        collect(last.byResource, i, (out) => out.push(...verifyOne(r)));
        const before = last.byName.get(i)?.some((v) => v.rule === 'snapshot.duplicate_name');
        last.byName.delete(i);
        // the names are the same as before, so a duplicate stays one
        collect(last.byName, i, (out) => {
          if (before) nameViolations(r, new Set([r.name]), out);
          else nameViolations(r, undefined, out);
        });
        last.byReference.delete(i);
        collect(last.byReference, i, (out) => referenceViolations(r, last.index, out));
      }
      last.resources = resources;
    }
    const state = this.last as NonNullable<SnapshotChecker['last']>;
    return [...inOrder(state.byResource), ...inOrder(state.byName), ...inOrder(state.byReference)];
  }
}

/** Scratch list for `collect`: nearly every resource has no violation, so none gets its own list. */
const scratch: Violation[] = [];

function collect(into: Map<number, Violation[]>, i: number, find: (out: Violation[]) => void): void {
  find(scratch);
  if (scratch.length === 0) return;
  into.set(i, scratch.slice());
  scratch.length = 0;
}

function inOrder(byPosition: Map<number, Violation[]>): Violation[] {
  if (byPosition.size === 0) return [];
  return [...byPosition.keys()].sort((a, b) => a - b).flatMap((i) => byPosition.get(i) as Violation[]);
}

/** Positions whose JSON changed, when types and names are as before; undefined when they are not. */
function changedPositions(before: readonly SnapshotResource[], after: readonly SnapshotResource[]): number[] | undefined {
  if (before.length !== after.length) return undefined;
  const changed: number[] = [];
  for (let i = 0; i < after.length; i++) {
    const a = before[i] as SnapshotResource;
    const b = after[i] as SnapshotResource;
    if (a.typeUrl !== b.typeUrl || a.name !== b.name) return undefined;
    if (a.json !== b.json) changed.push(i);
  }
  return changed;
}

function checkListener(listener: JsonObject, note: Note): void {
  const hcm = (config: JsonValue | undefined, path: JsonPath): void => {
    if (!isObject(config) || typeof config['@type'] !== 'string' || typeNameOf(config['@type']) !== HCM) return;
    checkHcm(config, path, note);
  };
  const filters = (chain: JsonValue | undefined, path: JsonPath): void => {
    if (!isObject(chain)) return;
    const [list, key] = items(chain, 'filters', 'filters');
    list.forEach((f, i) => {
      if (!isObject(f)) return;
      const [tc, tcKey] = field(f, 'typedConfig', 'typed_config');
      hcm(tc, [...path, key, i, tcKey]);
    });
  };
  const [chains, chainsKey] = items(listener, 'filterChains', 'filter_chains');
  chains.forEach((c, i) => filters(c, [chainsKey, i]));
  const [def, defKey] = field(listener, 'defaultFilterChain', 'default_filter_chain');
  filters(def, [defKey]);
  const [api, apiKey] = field(listener, 'apiListener', 'api_listener');
  if (isObject(api)) {
    const [inner, innerKey] = field(api, 'apiListener', 'api_listener');
    hcm(inner, [apiKey, innerKey]);
  }
}

function checkHcm(hcm: JsonObject, path: JsonPath, note: Note): void {
  const [rds, rdsKey] = field(hcm, 'rds', 'rds');
  if (isObject(rds)) {
    const [name, nameKey] = field(rds, 'routeConfigName', 'route_config_name');
    if (typeof name === 'string') {
      note({ path: [...path, rdsKey, nameKey], rule: 'snapshot.rds_missing', message: () => `route configuration ${JSON.stringify(name)} is not in the snapshot`, needs: { set: 'routes', name } });
    }
  }
  const [inline, inlineKey] = field(hcm, 'routeConfig', 'route_config');
  if (isObject(inline)) checkRouteConfiguration(inline, [...path, inlineKey], note);
}

/** A virtual host's domains and the facts of its routes (paths relative to the virtual host). */
function virtualHostOf(vh: JsonObject): { domains: { folded: string; written: string; index: number }[]; key: string; facts: Fact[] } {
  const frozen = Object.isFrozen(vh);
  if (frozen) {
    const kept = virtualHostFacts.get(vh);
    if (kept) return kept;
  }
  const [ds, dsKey] = items(vh, 'domains', 'domains');
  const domains: { folded: string; written: string; index: number }[] = [];
  ds.forEach((d, i) => {
    if (typeof d === 'string') domains.push({ folded: d.toLowerCase(), written: d, index: i });
  });
  const facts: Fact[] = [];
  const [routes, routesKey] = items(vh, 'routes', 'routes');
  routes.forEach((route, j) => {
    if (!isObject(route)) return;
    const [action, actionKey] = field(route, 'route', 'route');
    if (isObject(action)) checkRouteAction(action, [routesKey, j, actionKey], (f) => facts.push(f));
  });
  const found = { domains, key: dsKey, facts };
  if (frozen) virtualHostFacts.set(vh, found);
  return found;
}

function checkRouteConfiguration(rc: JsonObject, path: JsonPath, note: Note): void {
  const domains = new Map<string, string>();
  const [hosts, hostsKey] = items(rc, 'virtualHosts', 'virtual_hosts');
  hosts.forEach((vh, h) => {
    if (!isObject(vh)) return;
    const vhPath = [...path, hostsKey, h];
    const vhName = typeof vh['name'] === 'string' ? vh['name'] : `#${h}`;
    const host = virtualHostOf(vh);
    for (const d of host.domains) {
      const first = domains.get(d.folded);
      if (first !== undefined) {
        note({ path: [...vhPath, host.key, d.index], rule: 'snapshot.duplicate_domain', message: `domain ${JSON.stringify(d.written)} is already used by virtual host ${first}` });
      } else {
        domains.set(d.folded, JSON.stringify(vhName));
      }
    }
    for (const f of host.facts) {
      const rest = f.path;
      note({ ...f, path: () => [...vhPath, ...(typeof rest === 'function' ? rest() : rest)] });
    }
  });
}

function checkRouteAction(action: JsonObject, path: JsonPath, note: Note): void {
  const cluster = action['cluster'];
  if (typeof cluster === 'string') {
    note({ path: [...path, 'cluster'], rule: 'snapshot.cluster_missing', message: () => `cluster ${JSON.stringify(cluster)} is not in the snapshot`, needs: { set: 'clusters', name: cluster } });
  }
  const [wc, wcKey] = field(action, 'weightedClusters', 'weighted_clusters');
  if (!isObject(wc)) return;
  const wcPath = [...path, wcKey];
  const [clusters, clustersKey] = items(wc, 'clusters', 'clusters');
  let total = 0;
  clusters.forEach((c, k) => {
    if (!isObject(c)) return;
    total += num(c['weight']);
    const name = c['name'];
    if (typeof name === 'string') {
      note({ path: [...wcPath, clustersKey, k, 'name'], rule: 'snapshot.cluster_missing', message: () => `cluster ${JSON.stringify(name)} is not in the snapshot`, needs: { set: 'clusters', name } });
    }
  });
  if (clusters.length === 0) return; // repeated.min_items reports it
  const [declared, declaredKey] = field(wc, 'totalWeight', 'total_weight');
  if (total === 0) {
    note({ path: wcPath, rule: 'snapshot.weight_total', message: 'the weights of weightedClusters sum to 0: no cluster can be picked' });
  } else if (total > UINT32_MAX) {
    note({ path: wcPath, rule: 'snapshot.weight_total', message: `the weights of weightedClusters sum to ${total}, more than ${UINT32_MAX}` });
  } else if (declared !== undefined && num(declared) !== total) {
    note({ path: [...wcPath, declaredKey], rule: 'snapshot.weight_total', message: `totalWeight is ${num(declared)} but the weights sum to ${total}` });
  }
}

function checkCluster(cluster: JsonObject, name: string, note: Note): void {
  const type = cluster['type'];
  if (type === 'EDS' || type === 3) {
    const [eds, edsKey] = field(cluster, 'edsClusterConfig', 'eds_cluster_config');
    const [service, serviceKey] = isObject(eds) ? field(eds, 'serviceName', 'service_name') : [undefined, 'serviceName'];
    const wanted = typeof service === 'string' && service !== '' ? service : name;
    const path = wanted !== name || (typeof service === 'string' && service !== '') ? [edsKey, serviceKey] : isObject(eds) ? [edsKey] : ['name'];
    note({ path, rule: 'snapshot.eds_missing', message: () => `no ClusterLoadAssignment named ${JSON.stringify(wanted)} in the snapshot`, needs: { set: 'assignments', name: wanted } });
  }
  const [ct, ctKey] = field(cluster, 'clusterType', 'cluster_type');
  if (isObject(ct)) {
    const [tc, tcKey] = field(ct, 'typedConfig', 'typed_config');
    if (isObject(tc) && typeof tc['@type'] === 'string' && typeNameOf(tc['@type']) === AGGREGATE) {
      const [members, membersKey] = items(tc, 'clusters', 'clusters');
      members.forEach((m, i) => {
        if (typeof m === 'string') {
          note({ path: [ctKey, tcKey, membersKey, i], rule: 'snapshot.cluster_missing', message: () => `aggregate member cluster ${JSON.stringify(m)} is not in the snapshot`, needs: { set: 'clusters', name: m } });
        }
      });
    }
  }
}
