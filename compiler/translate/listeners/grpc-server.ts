/**
 * Proxyless gRPC server listeners. An xDS-enabled server that bound IP:PORT asks for
 * `grpcServerListenerName(IP, PORT)`, and serves only when the Listener's address is that
 * same IP:PORT. For each workload of the class with an IP address (a WorkloadEntry), and
 * each port a Service selecting it forwards to, sluice sends one listener with one filter
 * chain (no filter_chain_match: gRPC servers treat an empty match as never matching) whose
 * HttpConnectionManager has RBAC (ALLOW/DENY; CUSTOM denies) and the router, and an inline
 * route config whose every route is `non_forwarding_action`.
 *
 * mTLS: STRICT gets a DownstreamTlsContext with the bootstrap's certificate provider
 * instance `default` (certificate `default`, CA `ROOTCA`) and client certificates required.
 * gRPC servers cannot detect TLS, so PERMISSIVE is plaintext (as DISABLE). The decision
 * depends only on the PeerAuthentications selecting the workload (see peer-authentication.ts).
 */
import { isIP } from 'node:net';
import type { Origin, Workload } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { grpcServerListenerName } from '../naming.ts';
import type { Resource, SourceMapEntry, TranslateContext } from '../types.ts';
import { GRPC_PERMISSIVE_PLAINTEXT, GRPC_SERVER_NO_ADDRESS, JWT_NOT_SUPPORTED_GRPC, WORKLOAD_PORT_UNRESOLVED } from './codes.ts';
import { GRPC_MTLS, ROUTER, httpConnectionManager, socketAddress } from './filters.ts';
import { decideMode, peerAuthenticationLevels } from './peer-authentication.ts';
import type { PeerAuthenticationDecision } from './peer-authentication.ts';
import { isProxiedPort, workloadPort } from './ports.ts';
import { buildRbacFilters } from './rbac/filters.ts';
import { classWorkloads, servicesOf } from './registry.ts';
import { authorizationPoliciesFor, requestAuthenticationsFor } from './selection.ts';
import { place } from './sources.ts';
import type { RelativeSource, Reporter } from './sources.ts';

interface ServedPort {
  port: number;
  /** The service port node. */
  origin: Origin;
  /** The WorkloadEntry's port of that name, when it decided the port. */
  workloadPortOrigin?: Origin;
}

function servedPorts(ctx: TranslateContext, workload: Workload, reporter: Reporter): ServedPort[] {
  const byPort = new Map<number, ServedPort>();
  for (const service of servicesOf(ctx.model, workload)) {
    for (const port of service.ports) {
      if (!isProxiedPort(service, port)) continue;
      const origin = { doc: service.doc, path: port.path };
      const number = workloadPort(port, workload);
      if (number === undefined) {
        reporter.at(
          WORKLOAD_PORT_UNRESOLVED,
          origin,
          `port ${port.number} of ${service.name} forwards to targetPort "${String(port.targetPort)}", which ${workload.kind} ${workload.namespace}/${workload.name} does not declare: no server listener for it`,
          [...port.path, 'targetPort'],
        );
        continue;
      }
      if (byPort.has(number)) continue;
      const served: ServedPort = { port: number, origin };
      if (workload.kind === 'WorkloadEntry' && port.name !== undefined && workload.ports[port.name] === number) {
        served.workloadPortOrigin = { doc: workload.doc, path: ['spec', 'ports', port.name] };
      }
      byPort.set(number, served);
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

function serverHcm(port: number, httpFilters: JsonObject[]): JsonObject {
  return httpConnectionManager({
    statPrefix: `inbound_${port}`,
    routeConfig: {
      name: `inbound|${port}`,
      virtualHosts: [{ name: `inbound|grpc|${port}`, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, nonForwardingAction: {} }] }],
    },
    httpFilters,
  });
}

export function grpcServerListeners(ctx: TranslateContext, reporter: Reporter): Resource[] {
  const workloads = classWorkloads(ctx.model, ctx.proxy);
  const serving = workloads.filter((w) => servicesOf(ctx.model, w).length > 0);
  if (serving.length === 0) return [];

  const { namespace, labels } = ctx.proxy;
  for (const ra of requestAuthenticationsFor(ctx.model, namespace, labels)) {
    if (ra.jwtRules.length === 0) continue;
    reporter.at(JWT_NOT_SUPPORTED_GRPC, { doc: ra.doc, path: ['spec', 'jwtRules'] }, `RequestAuthentication ${ra.namespace}/${ra.name} is not applied by proxyless gRPC servers: tokens are not validated there`);
  }
  const rbac = buildRbacFilters(authorizationPoliciesFor(ctx.model, namespace, labels), 'grpc', reporter);
  const httpFilters = [...rbac.filters, ROUTER];
  const filterSources: RelativeSource[][] = [...rbac.sources, []];
  const levels = peerAuthenticationLevels(ctx.model, namespace, labels);

  const byName = new Map<string, Resource>();
  for (const workload of serving) {
    const address = workload.address;
    const workloadOrigin = { doc: workload.doc, path: workload.path };
    if (address === undefined || isIP(address) === 0) {
      const why = address === undefined ? 'has no address' : `has the address "${address}", not an IP`;
      reporter.at(GRPC_SERVER_NO_ADDRESS, workloadOrigin, `${workload.kind} ${workload.namespace}/${workload.name} ${why}: no gRPC server listener is compiled for it`);
      continue;
    }
    for (const served of servedPorts(ctx, workload, reporter)) {
      const name = grpcServerListenerName(address, served.port);
      if (byName.has(name)) continue;
      const decision = decideMode(levels, served.port);
      if (decision.mode === 'PERMISSIVE' && decision.origin) {
        reporter.at(GRPC_PERMISSIVE_PLAINTEXT, decision.origin, `port ${served.port} of ${workload.kind} ${workload.namespace}/${workload.name} is PERMISSIVE: its gRPC server listener is plaintext`);
      }
      byName.set(name, serverListener(name, address, served, decision, workloadOrigin, httpFilters, filterSources));
    }
  }
  return [...byName.values()];
}

function serverListener(
  name: string,
  address: string,
  served: ServedPort,
  decision: PeerAuthenticationDecision,
  workloadOrigin: Origin,
  httpFilters: JsonObject[],
  filterSources: RelativeSource[][],
): Resource {
  const chain: JsonObject = { name: `inbound|${served.port}`, filters: [serverHcm(served.port, httpFilters)] };
  if (decision.mode === 'STRICT') chain.transportSocket = GRPC_MTLS;
  const json: JsonObject = {
    name,
    address: socketAddress(address, served.port),
    trafficDirection: 'INBOUND',
    filterChains: [chain],
  };
  const sources: SourceMapEntry[] = [
    { path: [], origin: workloadOrigin },
    { path: ['address'], origin: { doc: workloadOrigin.doc, path: ['spec', 'address'] } },
    { path: ['filterChains', 0], origin: served.origin },
  ];
  if (served.workloadPortOrigin) sources.push({ path: ['address', 'socketAddress', 'portValue'], origin: served.workloadPortOrigin });
  if (decision.origin && chain.transportSocket) sources.push({ path: ['filterChains', 0, 'transportSocket'], origin: decision.origin });
  filterSources.forEach((relative, k) => place(sources, ['filterChains', 0, 'filters', 0, 'typedConfig', 'httpFilters', k], relative));
  return { typeUrl: RESOURCE_TYPE_URLS.listener, name, json, sources };
}
