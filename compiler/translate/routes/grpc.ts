/**
 * Proxyless gRPC: one RouteConfiguration per service and port, named `host:port`
 * (`grpcRouteName`), with a single virtual host. Its domain is `*`: a gRPC client picks the
 * virtual host by its channel's authority (the target `reviews:9080`, `reviews.default:9080`,
 * ..., or `grpc.default_authority`), and the configuration is only reached through the
 * api_listeners of this service's names, so one configuration serves every alias listener.
 * Wildcard ServiceEntry hosts are no channel target and get none.
 */
import type { Service, ServicePort } from '../../model/index.ts';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import type { Resource } from '../types.ts';
import { grpcRouteName, hostPort } from '../naming.ts';
import type { HostBuilder, HostMemo, HostState, RouteAssembly, RouteContextFactory, RoutesState } from './host-memo.ts';
import type { RouteContext } from './route.ts';
import { deepFreeze } from '../shared-part.ts';
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

/** The configuration of `service` on `port`, named `name`, with its source-map entries (in `rc.sources`). */
function grpcConfiguration(rc: RouteContext, selector: RouteSelector, service: Service, port: ServicePort, name: string): Resource {
  const sources = rc.sources;
  sources.add(VHOST, service.doc, service.path);
  sources.add(DOMAINS, service.doc, service.path);
  const { routes, policy } = memoizedHostRoutes(rc, selector, service, port, VHOST);
  // the configuration and its virtual host come from the policy that routes the service, if any
  if (policy) {
    sources.setOrigin(0, policy.doc, policy.path);
    sources.add(ROOT, policy.doc, policy.path);
  }
  return resourceWithSources({ typeUrl: RESOURCE_TYPE_URLS.routeConfiguration, name, json: configuration(name, hostPort(service.hostname, port.number), routes) }, sources);
}

/** Where each configuration of the last translation sits among the stage's resources (sorted by name), by the order it was made in. */
class GrpcAssembly implements RouteAssembly {
  constructor(private readonly at: readonly number[]) {}

  freeze(state: RoutesState, host: number): void {
    const h = state.hosts[host] as HostState;
    deepFreeze((state.resources[this.at[h.unit] as number] as Resource).json);
  }

  patch(state: RoutesState, hosts: readonly number[], build: HostBuilder): { resources: Resource[]; assembly: RouteAssembly; changed: number[] } {
    const resources = state.resources.slice();
    const changed: number[] = [];
    for (const index of hosts) {
      const h = state.hosts[index] as HostState;
      const at = this.at[h.unit] as number;
      const rc = build.contextFor(h.port.number, new SourceRecorder());
      resources[at] = build.host(index, () => grpcConfiguration(rc, build.selector, h.service, h.port, (resources[at] as Resource).name));
      changed.push(at);
    }
    return { resources, assembly: this, changed };
  }
}

export function grpcRouteConfigurations(services: readonly Service[], selector: RouteSelector, contextFor: RouteContextFactory, memo?: HostMemo): { resources: Resource[]; assembly: RouteAssembly } {
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
      const rc = contextFor(port.number, new SourceRecorder());
      const build = () => grpcConfiguration(rc, selector, service, port, name);
      const configuration = memo ? memo.host(rc.report, out.length, 0, build) : build();
      out.push(configuration);
      rc.ctx.options.built?.(configuration);
    }
  }
  const made = new Map(out.map((r, i) => [r, i]));
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const at = new Array<number>(out.length);
  out.forEach((r, i) => (at[made.get(r) as number] = i));
  return { resources: out, assembly: new GrpcAssembly(at) };
}
