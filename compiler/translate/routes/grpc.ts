/**
 * Proxyless gRPC: one RouteConfiguration per service and port, named `host:port`
 * (`grpcRouteName`), with a single virtual host. Its domain is `*`: a gRPC client picks the
 * virtual host by its channel's authority (the target `reviews:9080`, `reviews.default:9080`,
 * ..., or `grpc.default_authority`), and the configuration is only reached through the
 * api_listeners of this service's names, so one configuration serves every alias listener.
 * Wildcard ServiceEntry hosts are no channel target and get none.
 */
import type { Service } from '../../model/index.ts';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import type { Resource } from '../types.ts';
import { grpcRouteName, hostPort } from '../naming.ts';
import type { RouteContextFactory } from './envoy.ts';
import type { RouteSelector } from './select.ts';
import { isRoutedPort } from './services.ts';
import { resourceWithSources, SourceRecorder } from './sources.ts';
import { isReused, memoizedHostRoutes } from './host-memo.ts';

export const GRPC_DOMAINS: readonly string[] = Object.freeze(['*']);
const ROOT: readonly string[] = Object.freeze([]);
const VHOST: readonly (string | number)[] = Object.freeze(['virtualHosts', 0]);
const DOMAINS: readonly (string | number)[] = Object.freeze(['virtualHosts', 0, 'domains']);

/** Configurations of reused (frozen) routes, shared too, so that what is built from them is reused by identity. */
const configurations = new WeakMap<readonly JsonObject[], JsonObject>();

function configuration(name: string, vhostName: string, routes: JsonObject[]): JsonObject {
  if (!isReused(routes)) return { name, virtualHosts: [{ name: vhostName, domains: [...GRPC_DOMAINS], routes }] };
  const kept = configurations.get(routes);
  if (kept && kept.name === name && (kept.virtualHosts as JsonObject[])[0]?.name === vhostName) return kept;
  const made = Object.freeze({ name, virtualHosts: Object.freeze([Object.freeze({ name: vhostName, domains: GRPC_DOMAINS as string[], routes })]) as unknown as JsonObject[] });
  configurations.set(routes, made);
  return made;
}

export function grpcRouteConfigurations(services: readonly Service[], selector: RouteSelector, contextFor: RouteContextFactory): Resource[] {
  const out: Resource[] = [];
  const names = new Set<string>();
  for (const service of services) {
    // a wildcard ServiceEntry host is no channel target: gRPC clients never ask for its routes
    if (service.hostname.startsWith('*')) continue;
    for (const port of service.ports) {
      if (!isRoutedPort(service, port)) continue;
      const name = grpcRouteName(service.hostname, port.number);
      if (names.has(name)) continue;
      names.add(name);
      const sources = new SourceRecorder();
      const rc = contextFor(port.number, sources);
      sources.add(VHOST, service.doc, service.path);
      sources.add(DOMAINS, service.doc, service.path);
      const { routes, policy } = memoizedHostRoutes(rc, selector, service, port, VHOST);
      // the configuration and its virtual host come from the policy that routes the service, if any
      if (policy) {
        sources.setOrigin(0, policy.doc, policy.path);
        sources.add(ROOT, policy.doc, policy.path);
      }
      out.push(resourceWithSources({ typeUrl: RESOURCE_TYPE_URLS.routeConfiguration, name, json: configuration(name, hostPort(service.hostname, port.number), routes) }, sources));
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
