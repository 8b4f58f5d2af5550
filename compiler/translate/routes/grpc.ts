/**
 * Proxyless gRPC: one RouteConfiguration per service and port, named `host:port`
 * (`grpcRouteName`), with a single virtual host. Its domain is `*`: a gRPC client picks the
 * virtual host by its channel's authority (the target `reviews:9080`, `reviews.default:9080`,
 * ..., or `grpc.default_authority`), and the configuration is only reached through the
 * api_listeners of this service's names, so one configuration serves every alias listener.
 */
import type { Service } from '../../model/index.ts';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import type { Resource } from '../types.ts';
import { grpcRouteName, hostPort } from '../naming.ts';
import type { RouteContextFactory } from './envoy.ts';
import type { RouteSelector } from './select.ts';
import { isRoutedPort } from './services.ts';
import { SourceRecorder } from './sources.ts';
import { virtualHostRoutes } from './vhost.ts';

export const GRPC_DOMAINS: readonly string[] = Object.freeze(['*']);

export function grpcRouteConfigurations(services: readonly Service[], selector: RouteSelector, contextFor: RouteContextFactory): Resource[] {
  const out: Resource[] = [];
  const names = new Set<string>();
  for (const service of services) {
    for (const port of service.ports) {
      if (!isRoutedPort(service, port)) continue;
      const name = grpcRouteName(service.hostname, port.number);
      if (names.has(name)) continue;
      names.add(name);
      const sources = new SourceRecorder();
      const rc = contextFor(port.number, sources);
      const path = ['virtualHosts', 0];
      const { routes, policy } = virtualHostRoutes(rc, selector, service, port, path);
      const start = sources.entries.length;
      const vhostOrigin = policy ? { doc: policy.doc, path: policy.path } : { doc: service.doc, path: service.path };
      const head = [{ path, origin: vhostOrigin }, { path: ['virtualHosts', 0, 'domains'], origin: { doc: service.doc, path: service.path } }];
      if (policy) head.unshift({ path: [], origin: vhostOrigin });
      sources.entries.splice(start, 0, ...head);
      const virtualHost: JsonObject = { name: hostPort(service.hostname, port.number), domains: [...GRPC_DOMAINS], routes };
      out.push({ typeUrl: RESOURCE_TYPE_URLS.routeConfiguration, name, json: { name, virtualHosts: [virtualHost] }, sources: sources.entries });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
