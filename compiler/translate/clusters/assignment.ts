/**
 * ClusterLoadAssignment JSON: endpoints grouped by locality (locality always set, `{}` when
 * unknown), each locality weighted by the sum of its endpoints' weights (gRPC clients skip
 * localities without a weight), endpoints with their weight and health, no duplicate
 * address:port (gRPC clients reject the whole assignment). Envoy endpoints that accept
 * Istio mutual TLS carry `envoy.transport_socket_match: {tlsMode: istio}` for auto mTLS.
 */
import type { Origin } from '../../model/index.ts';
import type { SourceMapEntry } from '../types.ts';
import { DUPLICATE_ENDPOINT } from './codes.ts';
import type { ServedEndpoint } from './endpoints.ts';
import type { Findings } from './findings.ts';
import { localityJson } from './locality.ts';
import type { LocalityGroup } from './locality.ts';

type Json = Record<string, unknown>;

/** The endpoints without repeats of an address:port already listed (the first one stays). */
export function withoutDuplicates(endpoints: readonly ServedEndpoint[], cluster: string, findings: Findings): ServedEndpoint[] {
  if (endpoints.length < 2) return endpoints.slice();
  const seen = new Map<string, ServedEndpoint>();
  const out: ServedEndpoint[] = [];
  for (const e of endpoints) {
    const key = `${e.address}\u0000${e.port}`;
    const first = seen.get(key);
    if (first) {
      const where = first.origin.doc.locate(first.origin.path);
      findings.at(DUPLICATE_ENDPOINT, e.origin, `${e.address}:${e.port} is already an endpoint of ${cluster} (${where.file}:${where.line}); this one is left out`);
      continue;
    }
    seen.set(key, e);
    out.push(e);
  }
  return out;
}

export const TLS_MODE_MATCH = 'envoy.transport_socket_match';

/** `endpoints` of an assignment (also inline in DNS clusters); `base` is where they sit in the resource. */
export function localityEndpointsJson(
  groups: readonly LocalityGroup[],
  base: readonly (string | number)[],
  sources: SourceMapEntry[],
  istioMtls?: (e: ServedEndpoint) => boolean,
): Json[] {
  const out: Json[] = [];
  groups.forEach((group, i) => {
    const lbEndpoints = group.endpoints.map((e, j) => {
      const lb: Json = {
        endpoint: { address: { socketAddress: { address: e.address, portValue: e.port } } },
        healthStatus: e.health,
        loadBalancingWeight: e.weight,
      };
      if (istioMtls?.(e)) lb.metadata = { filterMetadata: { [TLS_MODE_MATCH]: { tlsMode: 'istio' } } };
      sources.push({ path: [...base, i, 'lbEndpoints', j], origin: e.origin });
      return lb;
    });
    const json: Json = { locality: localityJson(group.locality), lbEndpoints, loadBalancingWeight: Math.max(1, group.weight) };
    if (group.priority > 0) json.priority = group.priority;
    if (group.weightOrigin) sources.push({ path: [...base, i, 'loadBalancingWeight'], origin: group.weightOrigin });
    if (group.priorityOrigin && group.priority > 0) sources.push({ path: [...base, i, 'priority'], origin: group.priorityOrigin });
    out.push(json);
  });
  return out;
}

export function assignmentJson(
  name: string,
  groups: readonly LocalityGroup[],
  origin: Origin,
  istioMtls?: (e: ServedEndpoint) => boolean,
): { json: Json; sources: SourceMapEntry[] } {
  const sources: SourceMapEntry[] = [{ path: [], origin }];
  const endpoints = localityEndpointsJson(groups, ['endpoints'], sources, istioMtls);
  return { json: { clusterName: name, endpoints }, sources };
}
