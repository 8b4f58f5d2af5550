/**
 * The service ports a proxy class can reach: every port of every service visible from its
 * namespace (exportTo), one entry per host and port. When several services share a host
 * (a Kubernetes Service and a ServiceEntry, or ServiceEntries in several namespaces), the
 * port comes from the first of: the proxy's own namespace, a Kubernetes Service, document
 * order — as Istio's SidecarScope prefers the proxy's namespace.
 */
import { isVisible } from '../../model/index.ts';
import type { Service, ServicePort } from '../../model/index.ts';
import type { TranslateContext } from '../types.ts';

export interface ServicePortEntry {
  host: string;
  port: ServicePort;
  service: Service;
}

function rank(service: Service, namespace: string): number {
  return (service.namespace === namespace ? 0 : 2) + (service.source === 'kubernetes' ? 0 : 1);
}

/** Visible service ports, sorted by host, then port number. */
export function visibleServicePorts(ctx: TranslateContext): ServicePortEntry[] {
  const namespace = ctx.proxy.namespace;
  const byHost = new Map<string, Service[]>();
  for (const service of ctx.model.services) {
    if (!isVisible(service.exportTo, service.namespace, namespace)) continue;
    const list = byHost.get(service.hostname);
    if (list) list.push(service);
    else byHost.set(service.hostname, [service]);
  }
  const hosts = [...byHost.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: ServicePortEntry[] = [];
  for (const host of hosts) {
    const services = byHost.get(host) ?? [];
    if (services.length > 1) services.sort((a, b) => rank(a, namespace) - rank(b, namespace));
    const ports = new Map<number, ServicePortEntry>();
    for (const service of services) {
      for (const port of service.ports) if (!ports.has(port.number)) ports.set(port.number, { host, port, service });
    }
    const entries = [...ports.values()];
    if (entries.length > 1) entries.sort((a, b) => a.port.number - b.port.number);
    for (const e of entries) out.push(e);
  }
  return out;
}
