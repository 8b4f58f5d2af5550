/**
 * Which services and ports get HTTP routes, and under which domains.
 *
 * Ports: HTTP, HTTP2, GRPC and GRPC-WEB, and UNKNOWN (a Kubernetes port whose name or
 * appProtocol gives no protocol): Istio sniffs those and routes what turns out to be HTTP
 * through the port's route configuration (`IsHTTPOrSniffed`), so they get routes too.
 * UDP ports (also UNKNOWN in the model) are never proxied and get none. The listeners use
 * the same predicate (`isRoutedPort`) so that every RDS name they point at exists.
 */
import type { Service, ServicePort } from '../../model/index.ts';
import { isVisible } from '../../model/index.ts';
import type { TranslateContext } from '../types.ts';

const HTTP_LIKE = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

function rawPortProtocol(service: Service, port: ServicePort): unknown {
  let node: unknown = service.doc.data;
  for (const segment of port.path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>).protocol : undefined;
}

/** Does this port carry HTTP (or possibly HTTP) traffic, so that it gets route configuration? */
export function isRoutedPort(service: Service, port: ServicePort): boolean {
  if (HTTP_LIKE.has(port.protocol)) return true;
  if (port.protocol !== 'UNKNOWN') return false;
  if (service.source !== 'kubernetes') return true;
  const transport = rawPortProtocol(service, port);
  return typeof transport !== 'string' || transport.toUpperCase() === 'TCP';
}

/**
 * The services a proxy of the class can call (exportTo), one per hostname: when a Kubernetes
 * Service and a ServiceEntry share a host, the Kubernetes Service (as the model resolves hosts).
 */
export function visibleServices(ctx: TranslateContext): Service[] {
  const from = ctx.proxy.namespace;
  const chosen = new Map<string, Service>();
  for (const service of ctx.model.services) {
    if (!isVisible(service.exportTo, service.namespace, from)) continue;
    const current = chosen.get(service.hostname);
    if (current === undefined || (current.source !== 'kubernetes' && service.source === 'kubernetes')) chosen.set(service.hostname, service);
  }
  return [...chosen.values()];
}

/**
 * The names that reach a service from the proxy's namespace, most qualified first:
 * `reviews.default.svc.cluster.local`, `reviews.default.svc`, `reviews.default`, and the
 * short name `reviews` only from the service's own namespace.
 */
export function serviceNames(service: Service, fromNamespace: string): string[] {
  const out: string[] = [];
  const aliases = service.aliases;
  for (let i = aliases.length - 1; i >= 0; i--) {
    const alias = aliases[i] as string;
    if (alias === service.hostname && i !== aliases.length - 1) continue;
    if (service.source === 'kubernetes' && alias === service.name && service.namespace !== fromNamespace) continue;
    out.push(alias);
  }
  if (!out.includes(service.hostname)) out.unshift(service.hostname);
  return out;
}
