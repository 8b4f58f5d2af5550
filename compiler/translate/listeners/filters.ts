/**
 * Building blocks every listener shares: filter names, the ADS config source, the router,
 * fault and CORS filters, TLS transport sockets. Constant parts are built once and shared by
 * reference between resources (resources are never mutated after translation).
 */
import type { JsonObject } from '../../xds/index.ts';
import { EXTENSION_TYPE_URLS as X } from '../../xds/index.ts';
import { deepFreeze } from '../shared-part.ts';

export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';
export const NETWORK_RBAC_FILTER = 'envoy.filters.network.rbac';
export const ROUTER_FILTER = 'envoy.filters.http.router';
/** Route-level fault configs (`typedPerFilterConfig`) are keyed by this name. */
export const FAULT_FILTER = 'envoy.filters.http.fault';
/** Route-level CORS policies (`typedPerFilterConfig`) are keyed by this name. */
export const CORS_FILTER = 'envoy.filters.http.cors';
export const JWT_FILTER = 'envoy.filters.http.jwt_authn';
export const RBAC_FILTER = 'envoy.filters.http.rbac';
export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';

/** RDS / SDS over the ADS stream. */
export const ADS_SOURCE: JsonObject = deepFreeze({ ads: {}, resourceApiVersion: 'V3' }) as JsonObject;

export const ROUTER: JsonObject = deepFreeze({ name: ROUTER_FILTER, typedConfig: { '@type': X.router } }) as JsonObject;
export const FAULT: JsonObject = deepFreeze({ name: FAULT_FILTER, typedConfig: { '@type': X.fault } }) as JsonObject;
export const CORS: JsonObject = deepFreeze({ name: CORS_FILTER, typedConfig: { '@type': X.cors } }) as JsonObject;

export const TLS_INSPECTOR: JsonObject = deepFreeze({
  name: 'envoy.filters.listener.tls_inspector',
  typedConfig: { '@type': X.tlsInspector },
}) as JsonObject;
export const HTTP_INSPECTOR: JsonObject = deepFreeze({
  name: 'envoy.filters.listener.http_inspector',
  typedConfig: { '@type': X.httpInspector },
}) as JsonObject;
export const ORIGINAL_DST: JsonObject = deepFreeze({
  name: 'envoy.filters.listener.original_dst',
  typedConfig: { '@type': X.originalDst },
}) as JsonObject;

/** Application protocols http_inspector reports for plaintext HTTP (Istio's sniffing chains). */
export const SNIFFED_HTTP = deepFreeze(['http/1.1', 'h2c']) as readonly string[];

export function httpConnectionManager(config: JsonObject): JsonObject {
  return { name: HCM_FILTER, typedConfig: { '@type': X.httpConnectionManager, ...config } };
}

export function tcpProxy(statPrefix: string, route: JsonObject): JsonObject {
  return { name: TCP_PROXY_FILTER, typedConfig: { '@type': X.tcpProxy, statPrefix, ...route } };
}

/**
 * SDS from the node's local agent, as Istio sidecars get their certificates: the cluster
 * `sds-grpc` is in the sidecar's bootstrap (istio-agent's), not in the snapshot.
 */
const AGENT_SDS: JsonObject = {
  apiConfigSource: {
    apiType: 'GRPC',
    transportApiVersion: 'V3',
    grpcServices: [{ envoyGrpc: { clusterName: 'sds-grpc' } }],
    setNodeOnFirstMessageOnly: true,
  },
  initialFetchTimeout: '0s',
  resourceApiVersion: 'V3',
};

function envoyTls(alpn: readonly string[] | undefined): JsonObject {
  const common: JsonObject = {
    tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: AGENT_SDS }],
    combinedValidationContext: {
      defaultValidationContext: {},
      validationContextSdsSecretConfig: { name: 'ROOTCA', sdsConfig: AGENT_SDS },
    },
  };
  if (alpn) common.alpnProtocols = [...alpn];
  return {
    name: TLS_TRANSPORT_SOCKET,
    typedConfig: { '@type': X.downstreamTlsContext, commonTlsContext: common, requireClientCertificate: true },
  };
}

/** Envoy sidecar inbound mTLS: workload certificate `default` and CA `ROOTCA` over SDS, client certificate required. */
export const ENVOY_MTLS_HTTP: JsonObject = envoyTls(['h2', 'http/1.1']);
export const ENVOY_MTLS_TCP: JsonObject = envoyTls(undefined);

/**
 * Proxyless gRPC server mTLS: certificates from the bootstrap's certificate provider
 * instance `default` (the file_watcher plugin), as Istio's grpc generator names them.
 */
export const GRPC_MTLS: JsonObject = deepFreeze({
  name: TLS_TRANSPORT_SOCKET,
  typedConfig: {
    '@type': X.downstreamTlsContext,
    requireClientCertificate: true,
    commonTlsContext: {
      tlsCertificateProviderInstance: { instanceName: 'default', certificateName: 'default' },
      validationContext: { caCertificateProviderInstance: { instanceName: 'default', certificateName: 'ROOTCA' } },
    },
  },
}) as JsonObject;

/** An Envoy socket address. */
export function socketAddress(address: string, port: number): JsonObject {
  return { socketAddress: { address, portValue: port } };
}
