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

interface Index {
  routes: Set<string>;
  clusters: Set<string>;
  assignments: Set<string>;
}

export function checkSnapshot(resources: readonly SnapshotResource[]): Violation[] {
  const out: Violation[] = [];
  const index: Index = { routes: new Set(), clusters: new Set(), assignments: new Set() };
  const seen = new Map<string, Set<string>>();
  for (const r of resources) {
    const resource = { typeUrl: r.typeUrl, name: r.name };
    let names = seen.get(r.typeUrl);
    if (names === undefined) seen.set(r.typeUrl, (names = new Set()));
    const [camel, snake] = nameKey(r.typeUrl);
    const [own, key] = isObject(r.json) ? field(r.json, camel, snake) : [undefined, camel];
    if (names.has(r.name)) {
      out.push({ resource, path: [key], rule: 'snapshot.duplicate_name', message: `two ${typeNameOf(r.typeUrl)} resources are named ${JSON.stringify(r.name)}` });
    }
    names.add(r.name);
    if (own !== undefined && own !== r.name) {
      out.push({ resource, path: [key], rule: 'snapshot.name_mismatch', message: `resource is served as ${JSON.stringify(r.name)} but its ${key} is ${JSON.stringify(own)}` });
    }
    if (r.typeUrl === T.routeConfiguration) index.routes.add(r.name);
    else if (r.typeUrl === T.cluster) index.clusters.add(r.name);
    else if (r.typeUrl === T.clusterLoadAssignment) index.assignments.add(r.name);
  }

  for (const r of resources) {
    if (!isObject(r.json)) continue;
    const report = (path: JsonPath, rule: string, message: string): void => {
      out.push({ resource: { typeUrl: r.typeUrl, name: r.name }, path, rule, message });
    };
    if (r.typeUrl === T.listener) checkListener(r.json, index, report);
    else if (r.typeUrl === T.routeConfiguration) checkRouteConfiguration(r.json, [], index, report);
    else if (r.typeUrl === T.cluster) checkCluster(r.json, r.name, index, report);
  }
  return out;
}

type Report = (path: JsonPath, rule: string, message: string) => void;

function checkListener(listener: JsonObject, index: Index, report: Report): void {
  const hcm = (config: JsonValue | undefined, path: JsonPath): void => {
    if (!isObject(config) || typeof config['@type'] !== 'string' || typeNameOf(config['@type']) !== HCM) return;
    checkHcm(config, path, index, report);
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

function checkHcm(hcm: JsonObject, path: JsonPath, index: Index, report: Report): void {
  const [rds, rdsKey] = field(hcm, 'rds', 'rds');
  if (isObject(rds)) {
    const [name, nameKey] = field(rds, 'routeConfigName', 'route_config_name');
    if (typeof name === 'string' && !index.routes.has(name)) {
      report([...path, rdsKey, nameKey], 'snapshot.rds_missing', `route configuration ${JSON.stringify(name)} is not in the snapshot`);
    }
  }
  const [inline, inlineKey] = field(hcm, 'routeConfig', 'route_config');
  if (isObject(inline)) checkRouteConfiguration(inline, [...path, inlineKey], index, report);
}

function checkRouteConfiguration(rc: JsonObject, path: JsonPath, index: Index, report: Report): void {
  const domains = new Map<string, string>();
  const [hosts, hostsKey] = items(rc, 'virtualHosts', 'virtual_hosts');
  hosts.forEach((vh, h) => {
    if (!isObject(vh)) return;
    const vhPath = [...path, hostsKey, h];
    const vhName = typeof vh['name'] === 'string' ? vh['name'] : `#${h}`;
    const [ds, dsKey] = items(vh, 'domains', 'domains');
    ds.forEach((d, i) => {
      if (typeof d !== 'string') return;
      const folded = d.toLowerCase();
      const first = domains.get(folded);
      if (first !== undefined) {
        report([...vhPath, dsKey, i], 'snapshot.duplicate_domain', `domain ${JSON.stringify(d)} is already used by virtual host ${first}`);
      } else {
        domains.set(folded, JSON.stringify(vhName));
      }
    });
    const [routes, routesKey] = items(vh, 'routes', 'routes');
    routes.forEach((route, j) => {
      if (!isObject(route)) return;
      const [action, actionKey] = field(route, 'route', 'route');
      if (isObject(action)) checkRouteAction(action, [...vhPath, routesKey, j, actionKey], index, report);
    });
  });
}

function checkRouteAction(action: JsonObject, path: JsonPath, index: Index, report: Report): void {
  const cluster = action['cluster'];
  if (typeof cluster === 'string' && !index.clusters.has(cluster)) {
    report([...path, 'cluster'], 'snapshot.cluster_missing', `cluster ${JSON.stringify(cluster)} is not in the snapshot`);
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
    if (typeof name === 'string' && !index.clusters.has(name)) {
      report([...wcPath, clustersKey, k, 'name'], 'snapshot.cluster_missing', `cluster ${JSON.stringify(name)} is not in the snapshot`);
    }
  });
  if (clusters.length === 0) return; // repeated.min_items reports it
  const [declared, declaredKey] = field(wc, 'totalWeight', 'total_weight');
  if (total === 0) {
    report(wcPath, 'snapshot.weight_total', 'the weights of weightedClusters sum to 0: no cluster can be picked');
  } else if (total > UINT32_MAX) {
    report(wcPath, 'snapshot.weight_total', `the weights of weightedClusters sum to ${total}, more than ${UINT32_MAX}`);
  } else if (declared !== undefined && num(declared) !== total) {
    report([...wcPath, declaredKey], 'snapshot.weight_total', `totalWeight is ${num(declared)} but the weights sum to ${total}`);
  }
}

function checkCluster(cluster: JsonObject, name: string, index: Index, report: Report): void {
  const type = cluster['type'];
  if (type === 'EDS' || type === 3) {
    const [eds, edsKey] = field(cluster, 'edsClusterConfig', 'eds_cluster_config');
    const [service, serviceKey] = isObject(eds) ? field(eds, 'serviceName', 'service_name') : [undefined, 'serviceName'];
    const wanted = typeof service === 'string' && service !== '' ? service : name;
    if (!index.assignments.has(wanted)) {
      const path = wanted !== name || (typeof service === 'string' && service !== '') ? [edsKey, serviceKey] : isObject(eds) ? [edsKey] : ['name'];
      report(path, 'snapshot.eds_missing', `no ClusterLoadAssignment named ${JSON.stringify(wanted)} in the snapshot`);
    }
  }
  const [ct, ctKey] = field(cluster, 'clusterType', 'cluster_type');
  if (isObject(ct)) {
    const [tc, tcKey] = field(ct, 'typedConfig', 'typed_config');
    if (isObject(tc) && typeof tc['@type'] === 'string' && typeNameOf(tc['@type']) === AGGREGATE) {
      const [members, membersKey] = items(tc, 'clusters', 'clusters');
      members.forEach((m, i) => {
        if (typeof m === 'string' && !index.clusters.has(m)) {
          report([ctKey, tcKey, membersKey, i], 'snapshot.cluster_missing', `aggregate member cluster ${JSON.stringify(m)} is not in the snapshot`);
        }
      });
    }
  }
}
