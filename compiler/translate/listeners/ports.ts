/**
 * Ports: how a service port is carried (HTTP through route configuration, or opaque TCP),
 * and which port a workload listens on behind a service port.
 */
import type { Protocol, Service, ServicePort, Workload } from '../../model/index.ts';
import { isRoutedPort } from '../routes/index.ts';

const HTTP_LIKE: ReadonlySet<Protocol> = new Set<Protocol>(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);
/** Protocols whose connections carry the destination host in the TLS SNI. */
const TLS_LIKE: ReadonlySet<Protocol> = new Set<Protocol>(['HTTPS', 'TLS']);

/**
 * Does this port get route configuration (`outboundRouteName(port)`, `grpcRouteName`)?
 * The routes translator decides (HTTP, HTTP2, GRPC, GRPC-WEB, and UNKNOWN, which Istio
 * sniffs); listeners use its predicate so that every RDS name they point at exists.
 */
export { isRoutedPort };

/** Is the port proxied at all? Kubernetes UDP (and SCTP) ports are UNKNOWN in the model and never are. */
export function isProxiedPort(service: Service, port: ServicePort): boolean {
  return port.protocol !== 'UNKNOWN' || isRoutedPort(service, port);
}

/** UNKNOWN: the listener sniffs HTTP and forwards anything else as TCP. */
export function isSniffedPort(port: ServicePort): boolean {
  return port.protocol === 'UNKNOWN';
}

export function isTlsPort(port: ServicePort): boolean {
  return TLS_LIKE.has(port.protocol);
}

/** Is inbound traffic of this protocol handled as HTTP (HTTP connection manager, L7 authorization)? */
export function isInboundHttp(protocol: Protocol): boolean {
  return HTTP_LIKE.has(protocol);
}

/**
 * The port a workload listens on behind a service port: the WorkloadEntry's port of the same
 * name, else `targetPort` (a number, or the name of a container port), else the service port.
 * undefined when a named targetPort names no port of the workload.
 */
export function workloadPort(port: ServicePort, workload: Workload | undefined): number | undefined {
  if (workload?.kind === 'WorkloadEntry' && port.name !== undefined) {
    const own = workload.ports[port.name];
    if (own !== undefined) return own;
  }
  const target = port.targetPort;
  if (target === undefined) return port.number;
  if (typeof target === 'number') return target;
  if (/^[0-9]+$/.test(target)) return Number(target);
  return workload?.ports[target];
}
