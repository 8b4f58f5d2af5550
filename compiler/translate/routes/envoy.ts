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
import { SourceRecorder } from './sources.ts';
import { virtualHostRoutes } from './vhost.ts';

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

function domainsFor(hosts: readonly HostOnPort[], fromNamespace: string): string[][] {
  const reserved = new Set<string>();
  for (const h of hosts) {
    reserved.add(h.service.hostname.toLowerCase());
    reserved.add(`${h.service.hostname}:${h.port.number}`.toLowerCase());
  }
  const used = new Set<string>();
  return hosts.map((h) => {
    const out: string[] = [];
    const own = h.service.hostname.toLowerCase();
    for (const name of serviceNames(h.service, fromNamespace)) {
      const lower = name.toLowerCase();
      for (const domain of [name, `${name}:${h.port.number}`]) {
        const key = lower === name ? domain : domain.toLowerCase();
        if (used.has(key)) continue;
        if (lower !== own && reserved.has(key)) continue;
        used.add(key);
        out.push(domain);
      }
    }
    return out;
  });
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
      const start = sources.entries.length;
      const { routes, policy } = virtualHostRoutes(rc, selector, h.service, h.port, path);
      const vhostOrigin = policy ? { doc: policy.doc, path: policy.path } : { doc: h.service.doc, path: h.service.path };
      // the virtual host entry goes before its routes' entries (readability of the map only)
      sources.entries.splice(start, 0, { path, origin: vhostOrigin }, { path: ['virtualHosts', i, 'domains'], origin: { doc: h.service.doc, path: h.service.path } });
      virtualHosts.push({ name: h.name, domains: domains[i] ?? [], routes, includeRequestAttemptCount: true });
    });
    const name = outboundRouteName(port);
    const json: JsonObject = { name, virtualHosts, validateClusters: false };
    if (rc.directResponseBody) json.maxDirectResponseBodySizeBytes = MAX_DIRECT_RESPONSE_BODY_BYTES;
    out.push({ typeUrl: RESOURCE_TYPE_URLS.routeConfiguration, name, json, sources: sources.entries });
  }
  return out;
}

export { visibleServices };
