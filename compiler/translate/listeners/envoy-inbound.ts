/**
 * The Envoy sidecar inbound listener `virtualInbound` (0.0.0.0:15006, where iptables
 * redirects inbound connections): filter chains per port the workload serves (the
 * targetPort of each Service selecting it) and per mTLS mode of that port:
 *
 * - STRICT: one chain for TLS (`transportProtocol: tls`), client certificate required;
 * - PERMISSIVE: that chain and a plaintext one (`transportProtocol: raw_buffer`);
 * - DISABLE: one plaintext chain.
 *
 * HTTP ports get an HttpConnectionManager with jwt_authn (RequestAuthentication), RBAC
 * (AuthorizationPolicy, CUSTOM/AUDIT/DENY/ALLOW) and the router, and an inline route to
 * the inbound cluster `inbound|PORT||` (`clusterName('inbound', port, undefined, '')`,
 * which forwards to the application on 127.0.0.1:PORT). Other ports get network RBAC and
 * tcp_proxy to the same cluster.
 */
import type { Origin, Protocol, ServicePort, Workload } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { clusterName, INBOUND_LISTENER_NAME } from '../naming.ts';
import type { JsonPathSegment, Resource, SourceMapEntry, TranslateContext } from '../types.ts';
import { WORKLOAD_PORT_UNRESOLVED } from './codes.ts';
import { ENVOY_MTLS_HTTP, ENVOY_MTLS_TCP, ORIGINAL_DST, ROUTER, TLS_INSPECTOR, httpConnectionManager, socketAddress, tcpProxy } from './filters.ts';
import { buildJwtFilter } from './jwt.ts';
import { decideMode, peerAuthenticationLevels } from './peer-authentication.ts';
import type { PeerAuthenticationDecision } from './peer-authentication.ts';
import { isInboundHttp, isProxiedPort, workloadPort } from './ports.ts';
import { buildRbacFilters } from './rbac/filters.ts';
import { classWorkloads, servicesSelecting } from './registry.ts';
import { authorizationPoliciesFor, requestAuthenticationsFor } from './selection.ts';
import { place } from './sources.ts';
import type { RelativeSource, Reporter } from './sources.ts';

export const INBOUND_PORT = 15006;

/** The cluster an inbound port forwards to (the application on 127.0.0.1:port). */
export function inboundClusterName(port: number): string {
  return clusterName('inbound', port, undefined, '');
}

export interface InboundPort {
  port: number;
  protocol: Protocol;
  /** The service port node that declares it. */
  origin: Origin;
}

/**
 * The ports a workload serves: each port of each Service selecting it, resolved to the
 * workload's port (first declaration of a port wins), sorted.
 */
export function inboundPorts(ctx: TranslateContext, workloads: readonly Workload[], reporter: Reporter): InboundPort[] {
  const byPort = new Map<number, InboundPort>();
  const candidates: (Workload | undefined)[] = workloads.length > 0 ? [...workloads] : [undefined];
  for (const service of servicesSelecting(ctx.model, ctx.proxy)) {
    for (const port of service.ports) {
      if (!isProxiedPort(service, port)) continue;
      const origin = { doc: service.doc, path: port.path };
      for (const workload of candidates) {
        const number = workloadPort(port, workload);
        if (number === undefined) {
          reportUnresolved(reporter, service.name, port, origin, workload);
          continue;
        }
        if (!byPort.has(number)) byPort.set(number, { port: number, protocol: port.protocol, origin });
      }
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

function reportUnresolved(reporter: Reporter, service: string, port: ServicePort, origin: Origin, workload: Workload | undefined): void {
  const who = workload ? `${workload.kind} ${workload.namespace}/${workload.name}` : 'no workload in the policy repository';
  reporter.at(
    WORKLOAD_PORT_UNRESOLVED,
    origin,
    `port ${port.number} of ${service} forwards to targetPort "${String(port.targetPort)}", which ${who} does not declare: the port gets no inbound filter chain`,
    [...port.path, 'targetPort'],
  );
}

interface Filters {
  list: JsonObject[];
  sources: RelativeSource[][];
}

function inboundHcm(port: number, filters: Filters): JsonObject {
  const cluster = inboundClusterName(port);
  return httpConnectionManager({
    statPrefix: `inbound_0.0.0.0_${port}`,
    routeConfig: {
      name: cluster,
      validateClusters: false,
      virtualHosts: [
        {
          name: `inbound|http|${port}`,
          domains: ['*'],
          routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: '0s', maxStreamDuration: { grpcTimeoutHeaderMax: '0s' } } }],
        },
      ],
    },
    httpFilters: filters.list,
    forwardClientCertDetails: 'APPEND_FORWARD',
    setCurrentClientCertDetails: { subject: true, uri: true, dns: true },
  });
}

interface ChainPlan {
  json: JsonObject;
  port: InboundPort;
  decision: PeerAuthenticationDecision;
  /** Where the filters the `sources` of `filters` are relative to start, relative to the chain. */
  filtersAt: readonly JsonPathSegment[];
  filters: Filters;
}

export function envoyInboundListener(ctx: TranslateContext, reporter: Reporter): Resource | undefined {
  const workloads = classWorkloads(ctx.model, ctx.proxy);
  const ports = inboundPorts(ctx, workloads, reporter);
  if (ports.length === 0) return undefined;

  const policies = authorizationPoliciesFor(ctx.model, ctx.proxy.namespace, ctx.proxy.labels);
  let httpFilters: Filters | undefined;
  let tcpFilters: Filters | undefined;
  const http = (): Filters => {
    if (httpFilters) return httpFilters;
    const jwt = buildJwtFilter(requestAuthenticationsFor(ctx.model, ctx.proxy.namespace, ctx.proxy.labels), ctx.index, reporter);
    const rbac = buildRbacFilters(policies, 'http', reporter);
    httpFilters = {
      list: [...(jwt ? [jwt.filter] : []), ...rbac.filters, ROUTER],
      sources: [...(jwt ? [jwt.sources] : []), ...rbac.sources, []],
    };
    return httpFilters;
  };
  const tcp = (): Filters => {
    if (tcpFilters) return tcpFilters;
    const rbac = buildRbacFilters(policies, 'tcp', reporter);
    tcpFilters = { list: rbac.filters, sources: rbac.sources };
    return tcpFilters;
  };

  const levels = peerAuthenticationLevels(ctx.model, ctx.proxy.namespace, ctx.proxy.labels);
  const chains: ChainPlan[] = [];
  for (const p of ports) {
    const decision = decideMode(levels, p.port);
    const isHttp = isInboundHttp(p.protocol);
    const filters = isHttp ? http() : tcp();
    const cluster = inboundClusterName(p.port);
    const networkFilters = isHttp ? [inboundHcm(p.port, filters)] : [...filters.list, tcpProxy(cluster, { cluster })];
    const filtersAt: JsonPathSegment[] = isHttp ? ['filters', 0, 'typedConfig', 'httpFilters'] : ['filters'];
    const tls = isHttp ? ENVOY_MTLS_HTTP : ENVOY_MTLS_TCP;
    const plan = (json: JsonObject): ChainPlan => ({ json, port: p, decision, filtersAt, filters });
    if (decision.mode !== 'DISABLE') {
      chains.push(plan({ name: `inbound|${p.port}|mtls`, filterChainMatch: { destinationPort: p.port, transportProtocol: 'tls' }, transportSocket: tls, filters: networkFilters }));
    }
    if (decision.mode === 'PERMISSIVE') {
      chains.push(plan({ name: `inbound|${p.port}|plaintext`, filterChainMatch: { destinationPort: p.port, transportProtocol: 'raw_buffer' }, filters: networkFilters }));
    }
    if (decision.mode === 'DISABLE') {
      chains.push(plan({ name: `inbound|${p.port}|plaintext`, filterChainMatch: { destinationPort: p.port }, filters: networkFilters }));
    }
  }

  const sources: SourceMapEntry[] = [{ path: [], origin: workloads[0] ? { doc: workloads[0].doc, path: workloads[0].path } : (ports[0] as InboundPort).origin }];
  chains.forEach((c, i) => {
    sources.push({ path: ['filterChains', i], origin: c.port.origin });
    if (c.decision.origin) {
      sources.push({ path: ['filterChains', i, 'filterChainMatch'], origin: c.decision.origin });
      if (c.json.transportSocket) sources.push({ path: ['filterChains', i, 'transportSocket'], origin: c.decision.origin });
    }
    c.filters.sources.forEach((relative, k) => place(sources, ['filterChains', i, ...c.filtersAt, k], relative));
  });

  const json: JsonObject = {
    name: INBOUND_LISTENER_NAME,
    address: socketAddress('0.0.0.0', INBOUND_PORT),
    trafficDirection: 'INBOUND',
    listenerFilters: chains.some((c) => c.json.transportSocket) ? [ORIGINAL_DST, TLS_INSPECTOR] : [ORIGINAL_DST],
    filterChains: chains.map((c) => c.json),
  };
  return { typeUrl: RESOURCE_TYPE_URLS.listener, name: INBOUND_LISTENER_NAME, json, sources };
}
