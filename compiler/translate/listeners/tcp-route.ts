/**
 * Where an outbound TCP/TLS listener forwards: the service's own cluster, or the first
 * matching `tcp` (`tls` for TLS ports) route of a mesh VirtualService for the host, with
 * Istio's matching at generation time (port, sourceLabels, sourceNamespace, SNI hosts)
 * and weights (a lone destination without weight takes everything; weight 0 is dropped).
 */
import type { Origin, PolicyModel, RouteDestination, Service, ServicePort, TcpTlsRoute, VirtualService } from '../../model/index.ts';
import { hostMatches, isVisible } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { clusterName } from '../naming.ts';
import type { ProxyClass } from '../types.ts';
import { TCP_ROUTE_UNUSABLE } from './codes.ts';
import { selects } from './registry.ts';
import type { Reporter } from './sources.ts';

export interface TcpDestination {
  /** `cluster` or `weightedClusters`, for TcpProxy. */
  route: JsonObject;
  /** The route rule it came from, when a VirtualService decided. */
  origin?: Origin;
}

const byModel = new WeakMap<PolicyModel, VirtualService[]>();

/** Mesh VirtualServices that have tcp or tls routes (few), once per model. */
function tcpVirtualServices(model: PolicyModel): VirtualService[] {
  let list = byModel.get(model);
  if (!list) {
    list = model.virtualServices.filter((vs) => vs.appliesToMesh && (vs.tcp.length > 0 || vs.tls.length > 0));
    byModel.set(model, list);
  }
  return list;
}

function labelsOf(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function matches(route: TcpTlsRoute, host: string, port: number, proxy: ProxyClass): boolean {
  if (route.matches.length === 0) return true;
  return route.matches.some((m) => {
    if (typeof m.port === 'number' && m.port !== port) return false;
    const source = labelsOf(m.sourceLabels);
    if (source && !selects(source, proxy.labels)) return false;
    if (typeof m.sourceNamespace === 'string' && m.sourceNamespace !== proxy.namespace) return false;
    if (route.protocol === 'tls' && Array.isArray(m.sniHosts) && !m.sniHosts.some((sni) => typeof sni === 'string' && (hostMatches(sni, host) || hostMatches(host, sni)))) {
      return false;
    }
    return true;
  });
}

function destinationPort(d: RouteDestination, fallback: number): number {
  if (d.port !== undefined) return d.port;
  const ports = d.host.service?.ports;
  return ports && ports.length === 1 && ports[0] ? ports[0].number : fallback;
}

/** The tcp_proxy destination for a service port as seen from the proxy class. */
export function tcpDestination(service: Service, port: ServicePort, tls: boolean, model: PolicyModel, proxy: ProxyClass, reporter: Reporter): TcpDestination {
  const own = { route: { cluster: clusterName('outbound', port.number, undefined, service.hostname) } };
  for (const vs of tcpVirtualServices(model)) {
    if (!isVisible(vs.exportTo, vs.namespace, proxy.namespace)) continue;
    if (!vs.hosts.some((h) => hostMatches(h.fqdn, service.hostname))) continue;
    for (const route of tls ? vs.tls : vs.tcp) {
      if (!matches(route, service.hostname, port.number, proxy)) continue;
      const origin = { doc: vs.doc, path: route.path };
      const lone = route.destinations.length === 1;
      const weighted = route.destinations
        .map((d) => ({ name: clusterName('outbound', destinationPort(d, port.number), d.subset, d.host.fqdn), weight: d.weight ?? (lone ? 100 : 0) }))
        .filter((d) => d.weight > 0);
      if (weighted.length === 0) {
        reporter.at(TCP_ROUTE_UNUSABLE, origin, `${route.protocol}[${route.index}] of VirtualService ${vs.namespace}/${vs.name} has no destination with a weight above 0: port ${port.number} of ${service.hostname} is forwarded to the service itself`);
        return own;
      }
      if (weighted.length === 1) return { route: { cluster: (weighted[0] as { name: string }).name }, origin };
      return { route: { weightedClusters: { clusters: weighted } }, origin };
    }
  }
  return own;
}
