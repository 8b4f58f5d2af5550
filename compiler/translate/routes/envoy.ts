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
import { resourceWithSourceList, SourceRecorder } from './sources.ts';
import { isReused, memoizedHostRoutes } from './host-memo.ts';
import type { HostMemo, HostState, RouteAssembly, RouteContextFactory, RoutesState, HostBuilder } from './host-memo.ts';
import { deepFreeze } from '../shared-part.ts';

export const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

interface HostOnPort {
  service: Service;
  port: ServicePort;
  name: string;
}


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

/** The virtual host `h` at position `i` of its port's configuration, with its own source-map entries. */
function envoyHost(rc: RouteContext, selector: RouteSelector, h: HostOnPort, i: number, domains: string[]): JsonObject {
  const path = ['virtualHosts', i];
  // the virtual host comes from its policy (known once its routes are built), its domains from the service
  rc.sources.add(path, h.service.doc, h.service.path);
  rc.sources.add(['virtualHosts', i, 'domains'], h.service.doc, h.service.path);
  const { routes, policy } = memoizedHostRoutes(rc, selector, h.service, h.port, path);
  if (policy) rc.sources.setOrigin(0, policy.doc, policy.path);
  return virtualHost(h.name, domains, routes);
}

/** One outbound port's RouteConfiguration: its virtual hosts, each with its source-map entries and direct-response flag. */
interface EnvoyUnit {
  port: number;
  name: string;
  hosts: readonly HostOnPort[];
  domains: readonly string[][];
  virtualHosts: JsonObject[];
  sources: SourceRecorder[];
  directResponseBody: boolean[];
  /** Its position among the stage's resources. */
  at: number;
}

function envoyResource(unit: EnvoyUnit): Resource {
  const json: JsonObject = { name: unit.name, virtualHosts: unit.virtualHosts, validateClusters: false };
  if (unit.directResponseBody.includes(true)) json.maxDirectResponseBodySizeBytes = MAX_DIRECT_RESPONSE_BODY_BYTES;
  return resourceWithSourceList({ typeUrl: RESOURCE_TYPE_URLS.routeConfiguration, name: unit.name, json }, unit.sources);
}

/** The envoy configurations of the last translation, patched virtual host by virtual host. */
class EnvoyAssembly implements RouteAssembly {
  constructor(private readonly units: readonly EnvoyUnit[]) {}

  freeze(state: RoutesState, host: number): void {
    const h = state.hosts[host] as HostState;
    deepFreeze((this.units[h.unit] as EnvoyUnit).virtualHosts[h.slot] as JsonObject);
  }

  patch(state: RoutesState, hosts: readonly number[], build: HostBuilder): { resources: Resource[]; assembly: RouteAssembly; changed: number[] } {
    const resources = state.resources.slice();
    const units = this.units.slice();
    const copied = new Set<number>();
    for (const index of hosts) {
      const h = state.hosts[index] as HostState;
      let unit = units[h.unit] as EnvoyUnit;
      if (!copied.has(h.unit)) {
        copied.add(h.unit);
        units[h.unit] = unit = { ...unit, virtualHosts: unit.virtualHosts.slice(), sources: unit.sources.slice(), directResponseBody: unit.directResponseBody.slice() };
      }
      const rc = build.contextFor(unit.port, new SourceRecorder());
      const made = unit;
      made.virtualHosts[h.slot] = build.host(index, () => envoyHost(rc, build.selector, made.hosts[h.slot] as HostOnPort, h.slot, made.domains[h.slot] ?? []));
      made.sources[h.slot] = rc.sources;
      made.directResponseBody[h.slot] = rc.directResponseBody;
    }
    const changed: number[] = [];
    for (const u of copied) {
      const unit = units[u] as EnvoyUnit;
      resources[unit.at] = envoyResource(unit);
      changed.push(unit.at);
    }
    return { resources, assembly: new EnvoyAssembly(units), changed };
  }
}

export function envoyRouteConfigurations(
  services: readonly Service[],
  fromNamespace: string,
  selector: RouteSelector,
  contextFor: RouteContextFactory,
  memo?: HostMemo,
): { resources: Resource[]; assembly: RouteAssembly } {
  const out: Resource[] = [];
  const units: EnvoyUnit[] = [];
  for (const [port, hosts] of servicesByPort(services)) {
    const domains = domainsFor(hosts, fromNamespace);
    const unit: EnvoyUnit = { port, name: outboundRouteName(port), hosts, domains, virtualHosts: [], sources: [], directResponseBody: [], at: out.length };
    hosts.forEach((h, i) => {
      const rc = contextFor(port, new SourceRecorder());
      const build = () => envoyHost(rc, selector, h, i, domains[i] ?? []);
      unit.virtualHosts.push(memo ? memo.host(rc.report, units.length, i, build) : build());
      unit.sources.push(rc.sources);
      unit.directResponseBody.push(rc.directResponseBody);
    });
    units.push(unit);
    out.push(envoyResource(unit));
  }
  return { resources: out, assembly: new EnvoyAssembly(units) };
}

export { visibleServices };
