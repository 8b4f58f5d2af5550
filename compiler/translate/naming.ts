/**
 * Resource names, as Istio spells them, so that people who read Istio config dumps can
 * read sluice's: clusters `outbound|9080|v1|reviews.default.svc.cluster.local`, virtual hosts
 * `host:port`, outbound listeners `0.0.0.0_9080` whose RDS is `9080`.
 */

export type Direction = 'outbound' | 'inbound';

/** `outbound|9080|v1|reviews.default.svc.cluster.local`; no subset: `outbound|9080||host`. */
export function clusterName(direction: Direction, port: number, subset: string | undefined, host: string): string {
  return `${direction}|${port}|${subset ?? ''}|${host}`;
}

export function parseClusterName(name: string): { direction: Direction; port: number; subset?: string; host: string } | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || (parts[0] !== 'outbound' && parts[0] !== 'inbound')) return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port)) return undefined;
  const subset = parts[2] === '' ? undefined : parts[2];
  return { direction: parts[0], port, ...(subset === undefined ? {} : { subset }), host: parts[3] as string };
}

/** Virtual host name, and the gRPC listener name: `reviews.default.svc.cluster.local:9080`. */
export function hostPort(host: string, port: number): string {
  return `${host}:${port}`;
}

/** Envoy sidecar outbound listener for a port. */
export function outboundListenerName(port: number): string {
  return `0.0.0.0_${port}`;
}

/** Envoy sidecar: the route configuration shared by every HTTP service on a port. */
export function outboundRouteName(port: number): string {
  return String(port);
}

/** Envoy sidecar inbound listener (one per proxy, filter chains per port and mTLS mode). */
export const INBOUND_LISTENER_NAME = 'virtualInbound';

/** Proxyless gRPC: route configuration of the api_listener `host:port` carries the same name. */
export function grpcRouteName(host: string, port: number): string {
  return hostPort(host, port);
}

/** Proxyless gRPC server listener for an xDS-enabled server bound to ip:port. */
export function grpcServerListenerName(ip: string, port: number): string {
  const address = ip.includes(':') ? `[${ip}]` : ip;
  return `grpc/server?xds.resource.listening_address=${address}:${port}`;
}
