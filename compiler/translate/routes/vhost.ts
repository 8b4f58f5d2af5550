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

export function virtualHostRoutes(rc: RouteContext, selector: RouteSelector, service: Service, port: ServicePort, vhostPath: readonly JsonPathSegment[]): VirtualHostRoutes {
  const claimed = selector.routesFor(service, port.number);
  if (claimed) {
    const routes: JsonObject[] = [];
    for (const entry of claimed.entries) {
      const built = buildRoute(rc, entry, at(vhostPath, 'routes', routes.length));
      if (!built) continue;
      routes.push(built.json);
      if (built.catchAll) break;
    }
    if (routes.length > 0) return { routes, policy: claimed.policy };
  }
  return { routes: [defaultRoute(rc, service, port, at(vhostPath, 'routes', 0))] };
}
