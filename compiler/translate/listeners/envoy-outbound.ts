/**
 * Envoy sidecar outbound listeners, one per port of the services the proxy can call, as
 * Istio's sidecar has them: `0.0.0.0_PORT`, not bound (the `virtualOutbound` listener hands
 * them connections by original destination), traffic direction OUTBOUND.
 *
 * - A port with HTTP services (see `isRoutedPort`): an HttpConnectionManager whose routes
 *   come over RDS as `outboundRouteName(port)`, with fault, CORS and router filters (route
 *   configs carry per-route fault and CORS settings for them). UNKNOWN protocols are
 *   sniffed as Istio does: HTTP through the routes, anything else to the port's TCP service
 *   when exactly one service with an UNKNOWN protocol uses the port.
 * - A port with TLS/HTTPS services only: one filter chain per host, chosen by SNI.
 * - A port with one opaque TCP service: tcp_proxy to its cluster (or to its VirtualService
 *   tcp route). Several TCP services on a port cannot be told apart without cluster IPs:
 *   no listener, and a diagnostic.
 */
import type { Origin, Service, ServicePort } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { outboundListenerName, outboundRouteName } from '../naming.ts';
import type { Resource, SourceMapEntry, TranslateContext } from '../types.ts';
import { PORT_PROTOCOL_CONFLICT, TCP_PORT_SHARED } from './codes.ts';
import { ADS_SOURCE, CORS, FAULT, HTTP_INSPECTOR, ROUTER, SNIFFED_HTTP, TLS_INSPECTOR, httpConnectionManager, socketAddress, tcpProxy } from './filters.ts';
import { isProxiedPort, isRoutedPort, isSniffedPort, isTlsPort } from './ports.ts';
import { visibleServices } from './registry.ts';
import type { Reporter } from './sources.ts';
import { tcpDestination } from './tcp-route.ts';

interface Entry {
  service: Service;
  port: ServicePort;
  origin: Origin;
}

interface PortGroup {
  http: Entry[];
  tls: Entry[];
  tcp: Entry[];
}

const OUTBOUND_HTTP_FILTERS: readonly JsonObject[] = Object.freeze([FAULT, CORS, ROUTER]);

function outboundHcm(port: number): JsonObject {
  return httpConnectionManager({
    statPrefix: `outbound_0.0.0.0_${port}`,
    rds: { configSource: ADS_SOURCE, routeConfigName: outboundRouteName(port) },
    httpFilters: OUTBOUND_HTTP_FILTERS as JsonObject[],
  });
}

/** Distinct hosts of entries, first entry of each, in order. */
function byHost(entries: readonly Entry[]): Entry[] {
  const seen = new Set<string>();
  const out: Entry[] = [];
  for (const e of entries) {
    if (seen.has(e.service.hostname)) continue;
    seen.add(e.service.hostname);
    out.push(e);
  }
  return out;
}

interface Chain {
  json: JsonObject;
  entry: Entry;
  routeOrigin?: Origin;
}

function tcpChain(ctx: TranslateContext, reporter: Reporter, entry: Entry, tls: boolean, match?: JsonObject): Chain {
  const destination = tcpDestination(entry.service, entry.port, tls, ctx.model, ctx.proxy, reporter);
  const statPrefix = typeof destination.route.cluster === 'string' ? destination.route.cluster : `outbound|${entry.port.number}||${entry.service.hostname}`;
  const json: JsonObject = { filters: [tcpProxy(statPrefix, destination.route)] };
  if (match) json.filterChainMatch = match;
  const chain: Chain = { json, entry };
  if (destination.origin) chain.routeOrigin = destination.origin;
  return chain;
}

function listener(port: number, chains: Chain[], listenerFilters: JsonObject[]): Resource {
  const name = outboundListenerName(port);
  const json: JsonObject = {
    name,
    address: socketAddress('0.0.0.0', port),
    trafficDirection: 'OUTBOUND',
    bindToPort: false,
    filterChains: chains.map((c) => c.json),
  };
  if (listenerFilters.length > 0) json.listenerFilters = listenerFilters;
  const first = (chains[0] as Chain).entry.origin;
  const sources: SourceMapEntry[] = [
    { path: [], origin: first },
    { path: ['address'], origin: first },
  ];
  chains.forEach((c, i) => {
    sources.push({ path: ['filterChains', i], origin: c.entry.origin });
    if (c.routeOrigin) sources.push({ path: ['filterChains', i, 'filters', 0, 'typedConfig'], origin: c.routeOrigin });
  });
  return { typeUrl: RESOURCE_TYPE_URLS.listener, name, json, sources };
}

function httpListener(ctx: TranslateContext, reporter: Reporter, port: number, group: PortGroup): Resource {
  for (const other of [...group.tls, ...group.tcp]) {
    const first = group.http[0] as Entry;
    reporter.at(
      PORT_PROTOCOL_CONFLICT,
      other.origin,
      `port ${port} of ${other.service.hostname} is ${other.port.protocol}, but ${first.service.hostname} uses port ${port} for ${first.port.protocol}: the port's outbound listener is HTTP and does not reach ${other.service.hostname}`,
    );
  }
  const sniffed = group.http.filter((e) => isSniffedPort(e.port));
  if (sniffed.length === 0) {
    return listener(port, [{ json: { filters: [outboundHcm(port)] }, entry: group.http[0] as Entry }], []);
  }
  // Istio's protocol sniffing: HTTP to the routes, the rest to the one TCP service there is
  const chains: Chain[] = [{ json: { filterChainMatch: { applicationProtocols: [...SNIFFED_HTTP] }, filters: [outboundHcm(port)] }, entry: group.http[0] as Entry }];
  const hosts = byHost(sniffed);
  if (hosts.length === 1) chains.push(tcpChain(ctx, reporter, hosts[0] as Entry, false));
  return listener(port, chains, [HTTP_INSPECTOR]);
}

function tcpListener(ctx: TranslateContext, reporter: Reporter, port: number, group: PortGroup): Resource | undefined {
  const chains: Chain[] = [];
  for (const entry of byHost(group.tls)) chains.push(tcpChain(ctx, reporter, entry, true, { serverNames: [entry.service.hostname] }));
  const tcpHosts = byHost(group.tcp);
  if (tcpHosts.length === 1) {
    chains.push(tcpChain(ctx, reporter, tcpHosts[0] as Entry, false));
  } else if (tcpHosts.length > 1) {
    const names = tcpHosts.map((e) => e.service.hostname);
    for (const entry of tcpHosts) {
      const others = names.filter((n) => n !== entry.service.hostname);
      reporter.at(
        TCP_PORT_SHARED,
        entry.origin,
        `${entry.service.hostname} shares TCP port ${port} with ${others.join(', ')}: sidecars get no outbound listener for port ${port}, and connections to it pass through to their original destination`,
      );
    }
  }
  if (chains.length === 0) return undefined;
  return listener(port, chains, group.tls.length > 0 ? [TLS_INSPECTOR] : []);
}

export function envoyOutboundListeners(ctx: TranslateContext, reporter: Reporter): Resource[] {
  const groups = new Map<number, PortGroup>();
  for (const service of visibleServices(ctx)) {
    for (const port of service.ports) {
      if (!isProxiedPort(service, port)) continue;
      let group = groups.get(port.number);
      if (!group) groups.set(port.number, (group = { http: [], tls: [], tcp: [] }));
      const entry: Entry = { service, port, origin: { doc: service.doc, path: port.path } };
      if (isRoutedPort(service, port)) group.http.push(entry);
      else if (isTlsPort(port)) group.tls.push(entry);
      else group.tcp.push(entry);
    }
  }
  const out: Resource[] = [];
  for (const port of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(port) as PortGroup;
    const made = group.http.length > 0 ? httpListener(ctx, reporter, port, group) : tcpListener(ctx, reporter, port, group);
    if (made) out.push(made);
  }
  return out;
}
