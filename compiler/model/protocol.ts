/**
 * Istio's protocol selection. An explicit protocol (ServiceEntry `protocol`, Kubernetes
 * `appProtocol`) wins; otherwise the Kubernetes port name's prefix before the first `-`
 * (`http-web` → HTTP, `grpc-web-x` → GRPC-WEB); otherwise TCP for the well-known ports
 * sniffing would break (25, 53, 3306, 27017); otherwise UNKNOWN, which Istio treats as
 * "detect the protocol from the first bytes" (HTTP or TCP).
 */
import type { Protocol } from './types.ts';

const BY_NAME: Readonly<Record<string, Protocol>> = {
  http: 'HTTP',
  http_proxy: 'HTTP',
  http2: 'HTTP2',
  https: 'HTTPS',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-WEB',
  tcp: 'TCP',
  tls: 'TLS',
  mongo: 'MONGO',
  redis: 'REDIS',
  mysql: 'MYSQL',
};

const APP_PROTOCOL_ALIASES: Readonly<Record<string, Protocol>> = {
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};

const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

/** Istio `protocol.Parse`: case-insensitive; undefined for anything it does not know (UDP included). */
export function parseProtocol(name: string): Protocol | undefined {
  return BY_NAME[name.toLowerCase()];
}

export interface KubernetesPortInput {
  number: number;
  name?: string;
  /** Kubernetes transport protocol (TCP, UDP, SCTP). */
  protocol?: string;
  appProtocol?: string;
}

/** Kubernetes Service port → protocol (istio `kube.ConvertProtocol`). UDP ports, which sidecars do not proxy, are UNKNOWN. */
export function kubernetesPortProtocol(port: KubernetesPortInput): Protocol {
  if (port.protocol !== undefined && port.protocol.toUpperCase() === 'UDP') return 'UNKNOWN';
  let name = port.appProtocol ?? port.name ?? '';
  const alias = APP_PROTOCOL_ALIASES[name.toLowerCase()];
  if (alias) return alias;
  if (name.length >= 8 && name.slice(0, 8).toLowerCase() === 'grpc-web') return 'GRPC-WEB';
  const dash = name.indexOf('-');
  if (dash >= 0) name = name.slice(0, dash);
  const parsed = parseProtocol(name);
  if (parsed) return parsed;
  return WELL_KNOWN_TCP_PORTS.has(port.number) ? 'TCP' : 'UNKNOWN';
}

/** ServiceEntry / Gateway port `protocol` field. */
export function declaredProtocol(protocol: string | undefined): Protocol {
  if (protocol === undefined) return 'UNKNOWN';
  return parseProtocol(protocol) ?? 'UNKNOWN';
}

export function isHttpProtocol(protocol: Protocol): boolean {
  return protocol === 'HTTP' || protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-WEB';
}
