/**
 * The routes of one virtual host (a service on a port), shared by both flavors: the
 * routes of the VirtualService (or Gateway API routes) that claims the host, in order, up to
 * the first route that matches everything (Envoy would never reach the rest; Istio stops
 * there too). Without a policy, or when the policy yields no route for this proxy and port
 * (every match is for other ports or callers), Istio's default route: everything to
 * `outbound|PORT||host`, no timeout, the default retry policy.
 */
import type { Service, ServicePort, VirtualService } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import type { JsonPathSegment } from '../types.ts';
import { clusterName } from '../naming.ts';
import { GRPC_UNSUPPORTED_SETTING } from './codes.ts';
import { unsupportedHashMessage } from './hash.ts';
import { MATCH_ALL } from './match.ts';
import { envoyRetryPolicy, grpcRetryPolicy } from './retry.ts';
import type { RouteContext } from './route.ts';
import { buildRoute } from './route.ts';
import { overlayFor } from './destinations.ts';
import type { RouteEntry, Rule } from './rules.ts';
import { ruleOrigin } from './rules.ts';
import { isRecord } from '../../model/index.ts';
import type { RouteSelector } from './select.ts';
import { at } from './sources.ts';

export const DEFAULT_ROUTE_NAME = 'default';

export interface VirtualHostRoutes {
  routes: JsonObject[];
  /** The policy the routes come from; undefined for the default route. */
  policy?: VirtualService;
}

export function defaultRoute(rc: RouteContext, service: Service, port: ServicePort, base: readonly JsonPathSegment[]): JsonObject {
  const action: JsonObject = { cluster: clusterName('outbound', port.number, undefined, service.hostname) };
  const hash = rc.hashes.forDestination(service.hostname, undefined, port.number);
  if (rc.flavor === 'grpc') {
    action.maxStreamDuration = { maxStreamDuration: '0s', grpcTimeoutHeaderMax: '0s' };
    const retry = grpcRetryPolicy(undefined).policy;
    if (retry) action.retryPolicy = retry;
    if (hash?.kind === 'header') {
      action.hashPolicy = [hash.policy];
      rc.sources.addOrigin(at(base, 'route', 'hashPolicy', 0), hash.origin);
    } else if (hash) {
      rc.report.once(GRPC_UNSUPPORTED_SETTING, hash.origin.doc, hash.origin.path, unsupportedHashMessage(hash));
    }
  } else {
    action.timeout = '0s';
    action.maxGrpcTimeout = '0s';
    action.retryPolicy = envoyRetryPolicy(undefined, false) as JsonObject;
    if (hash) {
      action.hashPolicy = [hash.policy];
      rc.sources.addOrigin(at(base, 'route', 'hashPolicy', 0), hash.origin);
    }
  }
  return { name: DEFAULT_ROUTE_NAME, match: MATCH_ALL, route: action };
}

/**
 * The rollout's header route (setHeaderRoute) for an entry of its target rule: the entry's
 * match plus the overlay's headers, all traffic to the rule's destination in the canary
 * subset. It is built like any route (a lone destination), so every flavor gets the same
 * translation; its index (-1) keeps the rule's own overlay (weights, mirror) off it.
 */
function headerRouteEntry(rc: RouteContext, entry: RouteEntry): RouteEntry | undefined {
  const { vs, http } = entry.rule.own;
  if (rc.overlays.size === 0 || entry.rule.root) return undefined;
  const overlay = overlayFor(rc.overlays, vs, http);
  const header = overlay?.headerRoute;
  if (!header || header.match.length === 0) return undefined;
  const destination = http.destinations.find((d) => d.subset === header.subset);
  if (!destination) return undefined;
  const raw: Record<string, unknown> = { ...(entry.match?.raw ?? {}) };
  delete raw.name;
  const headers: Record<string, unknown> = isRecord(raw.headers) ? { ...raw.headers } : {};
  for (const m of header.match) headers[m.headerName.toLowerCase()] = { ...m.headerValue };
  raw.headers = headers;
  const name = header.name ?? `${http.name ?? `route-${http.index}`}-canary-header`;
  const rule: Rule = { own: { vs, http: { ...http, index: -1, name, destinations: [{ ...destination, weight: 100 }], raw: { ...http.raw, mirror: undefined, mirrors: undefined } } }, name };
  const origin = entry.match?.origin ?? ruleOrigin(entry.rule);
  return { rule, match: { raw, origin } };
}

export function virtualHostRoutes(rc: RouteContext, selector: RouteSelector, service: Service, port: ServicePort, vhostPath: readonly JsonPathSegment[]): VirtualHostRoutes {
  const claimed = selector.routesFor(service, port.number);
  if (claimed) {
    const routes: JsonObject[] = [];
    for (const entry of claimed.entries) {
      const header = headerRouteEntry(rc, entry);
      if (header) {
        const built = buildRoute(rc, header, at(vhostPath, 'routes', routes.length));
        if (built) routes.push(built.json);
      }
      const built = buildRoute(rc, entry, at(vhostPath, 'routes', routes.length));
      if (!built) continue;
      routes.push(built.json);
      if (built.catchAll) break;
    }
    if (routes.length > 0) return { routes, policy: claimed.policy };
  }
  return { routes: [defaultRoute(rc, service, port, at(vhostPath, 'routes', 0))] };
}
