/**
 * Envoy sidecars: one RouteConfiguration per outbound port that has HTTP services, named
 * as the port (`outboundRouteName`), with one virtual host per service on that port
 * (`host:port`), sorted by name. Domains: every name of the service from the proxy's
 * namespace, each with and without `:port`; a domain already taken in the configuration
 * (another service's own hostname first, then earlier virtual hosts) is not repeated,
 * because Envoy rejects duplicate domains.
 */
import type { Service, ServicePort } from '../../model/index.ts';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import type { Resource } from '../types.ts';
import { hostPort, outboundRouteName } from '../naming.ts';
import type { RouteContext } from './route.ts';
import type { RouteSelector } from './select.ts';
import { isRoutedPort, serviceNames, visibleServices } from './services.ts';
import { resourceWithSources, SourceRecorder } from './sources.ts';
import { isReused, memoizedHostRoutes } from './host-memo.ts';

export const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

interface HostOnPort {
  service: Service;
  port: ServicePort;
  name: string;
}

export type RouteContextFactory = (listenPort: number, sources: SourceRecorder) => RouteContext;

/** Services by routed port (ports ascending, hosts by virtual host name). */
export function servicesByPort(services: readonly Service[]): Map<number, HostOnPort[]> {
  const byPort = new Map<number, HostOnPort[]>();
  for (const service of services) {
    for (const port of service.ports) {
      if (!isRoutedPort(service, port)) continue;
      let list = byPort.get(port.number);
      if (!list) byPort.set(port.number, (list = []));
      const name = hostPort(service.hostname, port.number);
      // a service listing one port number twice gets one virtual host
      if (list.length > 0 && list[list.length - 1]?.service === service) continue;
      list.push({ service, port, name });
    }
  }
  for (const list of byPort.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return new Map([...byPort].sort(([a], [b]) => a - b));
}

const UPPER = /[A-Z]/;

/** Envoy compares domains case-insensitively; names are nearly always lower case already. */
function lower(name: string): string {
  return UPPER.test(name) ? name.toLowerCase() : name;
}

function domainsFor(hosts: readonly HostOnPort[], fromNamespace: string): string[][] {
  // every service's own hostname is reserved for it, whatever comes first
  const reserved = new Set<string>();
  for (const h of hosts) reserved.add(lower(h.service.hostname));
  const used = new Set<string>();
  return hosts.map((h) => {
    const out: string[] = [];
    const own = lower(h.service.hostname);
    const suffix = `:${h.port.number}`;
    for (const name of serviceNames(h.service, fromNamespace)) {
      const key = lower(name);
      if (key !== own && reserved.has(key)) continue;
      if (!used.has(key)) {
        used.add(key);
        out.push(name);
      }
      const withPort = key + suffix;
      if (!used.has(withPort)) {
        used.add(withPort);
        out.push(name + suffix);
      }
    }
    return out;
  });
}

/** Virtual hosts of reused (frozen) routes, shared too, so that what is built from them is reused by identity. */
const sharedVirtualHosts = new WeakMap<readonly JsonObject[], JsonObject>();

function virtualHost(name: string, domains: string[], routes: JsonObject[]): JsonObject {
  if (!isReused(routes)) return { name, domains, routes, includeRequestAttemptCount: true };
  const kept = sharedVirtualHosts.get(routes);
  const keptDomains = kept?.domains as readonly string[] | undefined;
  if (kept && kept.name === name && keptDomains?.length === domains.length && keptDomains.every((d, i) => d === domains[i])) return kept;
  const made = Object.freeze({ name, domains: Object.freeze(domains) as string[], routes, includeRequestAttemptCount: true });
  sharedVirtualHosts.set(routes, made);
  return made;
}

export function envoyRouteConfigurations(services: readonly Service[], fromNamespace: string, selector: RouteSelector, contextFor: RouteContextFactory): Resource[] {
  const out: Resource[] = [];
  for (const [port, hosts] of servicesByPort(services)) {
    const sources = new SourceRecorder();
    const rc = contextFor(port, sources);
    const domains = domainsFor(hosts, fromNamespace);
    const virtualHosts: JsonObject[] = [];
    hosts.forEach((h, i) => {
      const path = ['virtualHosts', i];
      // the virtual host comes from its policy (known once its routes are built), its domains from the service
      const vhostEntry = sources.size;
      sources.add(path, h.service.doc, h.service.path);
      sources.add(['virtualHosts', i, 'domains'], h.service.doc, h.service.path);
      const { routes, policy } = memoizedHostRoutes(rc, selector, h.service, h.port, path);
      if (policy) sources.setOrigin(vhostEntry, policy.doc, policy.path);
      virtualHosts.push(virtualHost(h.name, domains[i] ?? [], routes));
    });
    const name = outboundRouteName(port);
    const json: JsonObject = { name, virtualHosts, validateClusters: false };
    if (rc.directResponseBody) json.maxDirectResponseBodySizeBytes = MAX_DIRECT_RESPONSE_BODY_BYTES;
    out.push(resourceWithSources({ typeUrl: RESOURCE_TYPE_URLS.routeConfiguration, name, json }, sources));
  }
  return out;
}

export { visibleServices };
