/**
 * DestinationRule `connectionPool` (and the port's protocol) → circuit breakers, connect
 * timeout, TCP keepalive and HTTP protocol options.
 *
 * Envoy, as Istio: every cluster has one DEFAULT threshold whose limits default to
 * UINT32_MAX (Envoy's own defaults of 1024/3 surprise people), with `trackRemaining`;
 * tcp.maxConnections → maxConnections, http.http1MaxPendingRequests → maxPendingRequests,
 * http.http2MaxRequests → maxRequests, http.maxRetries → maxRetries (0 keeps the default,
 * as in Istio). connectTimeout is tcp.connectTimeout, else Istio's mesh default 10s.
 * tcp.tcpKeepalive → upstreamConnectionOptions.tcpKeepalive (whole seconds).
 * http.idleTimeout (else tcp.idleTimeout), http.maxRequestsPerConnection,
 * tcp.maxConnectionDuration and http.maxConcurrentStreams (HTTP/2 only) → the
 * HttpProtocolOptions extension, which also chooses the upstream protocol: HTTP/2 for
 * HTTP2/GRPC/GRPC-WEB ports or `h2UpgradePolicy: UPGRADE`, the client's protocol for
 * `useClientProtocol` and for ports of unknown protocol (sniffed), else HTTP/1.1.
 *
 * gRPC reads only the DEFAULT threshold's maxRequests (1024 when absent, so sluice sends
 * UINT32_MAX unless http2MaxRequests is set, as Envoy gets); every other setting is
 * diagnosed.
 */
import type { Origin, Protocol } from '../../model/index.ts';
import { EXTENSION_TYPE_URLS } from '../../xds/index.ts';
import { CONNECTION_POOL_UNSUPPORTED } from './codes.ts';
import { mapSource, UINT32_MAX, type ClusterDraft } from './draft.ts';
import { bool, count, duration, sharedPart, memo, seconds, subPart, type Part } from './json.ts';

export const DEFAULT_CONNECT_TIMEOUT = '10s';
const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function isHttp2(protocol: Protocol): boolean {
  return protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-WEB';
}

/** The positive value of `part.value[key]`, or undefined (Istio treats 0 as unset). */
function positive(part: Part | undefined, key: string): number | undefined {
  const n = count(part?.value[key]);
  return n !== undefined && n > 0 ? Math.min(n, UINT32_MAX) : undefined;
}

const GRPC_DEFAULT_BREAKERS = sharedPart({ thresholds: [{ maxRequests: UINT32_MAX }] });
const ENVOY_DEFAULT_BREAKERS = sharedPart({
  thresholds: [{ maxConnections: UINT32_MAX, maxPendingRequests: UINT32_MAX, maxRequests: UINT32_MAX, maxRetries: UINT32_MAX, trackRemaining: true }],
});
const H2_OPTIONS = sharedPart({ [HTTP_OPTIONS_KEY]: { '@type': EXTENSION_TYPE_URLS.httpProtocolOptions, explicitHttpConfig: { http2ProtocolOptions: {} } } });
const DOWNSTREAM_OPTIONS = sharedPart({
  [HTTP_OPTIONS_KEY]: { '@type': EXTENSION_TYPE_URLS.httpProtocolOptions, useDownstreamProtocolConfig: { httpProtocolOptions: {}, http2ProtocolOptions: {} } },
});

const grpcBreakers = new WeakMap<object, Map<string, unknown>>();

function grpcConnectionPool(draft: ClusterDraft, pool: Part | undefined): void {
  if (!pool) {
    draft.json.circuitBreakers = GRPC_DEFAULT_BREAKERS;
    return;
  }
  const http = subPart(pool, 'http');
  const maxRequests = positive(http, 'http2MaxRequests');
  if (maxRequests === undefined) draft.json.circuitBreakers = GRPC_DEFAULT_BREAKERS;
  else {
    draft.json.circuitBreakers = memo(grpcBreakers, pool.value, 'grpc', () => sharedPart({ thresholds: [{ maxRequests }] }));
    if (http) mapSource(draft, ['circuitBreakers'], { doc: http.doc, path: [...http.path, 'http2MaxRequests'] });
  }
  if (draft.findings.firstVisit(pool.value, 'grpc-connection-pool')) unsupportedByGrpc(draft, pool);
}

function unsupportedByGrpc(draft: ClusterDraft, pool: Part): void {
  const http = subPart(pool, 'http');
  const tcp = subPart(pool, 'tcp');
  const unsupported: [Part | undefined, string][] = [
    [tcp, 'maxConnections'],
    [tcp, 'connectTimeout'],
    [tcp, 'tcpKeepalive'],
    [tcp, 'maxConnectionDuration'],
    [tcp, 'idleTimeout'],
    [http, 'http1MaxPendingRequests'],
    [http, 'maxRetries'],
    [http, 'idleTimeout'],
    [http, 'maxRequestsPerConnection'],
    [http, 'maxConcurrentStreams'],
    [http, 'h2UpgradePolicy'],
    [http, 'useClientProtocol'],
  ];
  for (const [part, key] of unsupported) {
    if (!part || part.value[key] === undefined || part.value[key] === null) continue;
    const section = part === tcp ? 'tcp' : 'http';
    draft.findings.at(CONNECTION_POOL_UNSUPPORTED, part, `gRPC clients do not read connectionPool.${section}.${key}; the clusters of ${draft.host} are sent without it`, [key]);
  }
}

/** What a connection pool part (and the port protocol) sets on an Envoy cluster, with the nodes it came from. */
interface EnvoyPool {
  fields: Record<string, unknown>;
  sources: [readonly string[], Origin][];
  h2: boolean;
}

const envoyPools = new WeakMap<object, Map<string, EnvoyPool>>();

function envoyPool(pool: Part, protocol: Protocol): EnvoyPool {
  const http = subPart(pool, 'http');
  const tcp = subPart(pool, 'tcp');
  const fields: Record<string, unknown> = {};
  const sources: [readonly string[], Origin][] = [];

  const connectTimeout = duration(tcp?.value.connectTimeout);
  fields.connectTimeout = connectTimeout !== undefined && connectTimeout !== '0s' ? connectTimeout : DEFAULT_CONNECT_TIMEOUT;
  if (tcp && connectTimeout !== undefined) sources.push([['connectTimeout'], { doc: tcp.doc, path: [...tcp.path, 'connectTimeout'] }]);

  fields.circuitBreakers = {
    thresholds: [
      {
        maxConnections: positive(tcp, 'maxConnections') ?? UINT32_MAX,
        maxPendingRequests: positive(http, 'http1MaxPendingRequests') ?? UINT32_MAX,
        maxRequests: positive(http, 'http2MaxRequests') ?? UINT32_MAX,
        maxRetries: positive(http, 'maxRetries') ?? UINT32_MAX,
        trackRemaining: true,
      },
    ],
  };
  sources.push([['circuitBreakers'], pool]);

  const keepalive = subPart(tcp, 'tcpKeepalive');
  if (keepalive) {
    const tcpKeepalive: Record<string, number> = {};
    const probes = positive(keepalive, 'probes');
    if (probes !== undefined) tcpKeepalive.keepaliveProbes = probes;
    const time = seconds(keepalive.value.time);
    if (time !== undefined) tcpKeepalive.keepaliveTime = time;
    const interval = seconds(keepalive.value.interval);
    if (interval !== undefined) tcpKeepalive.keepaliveInterval = interval;
    fields.upstreamConnectionOptions = { tcpKeepalive };
    sources.push([['upstreamConnectionOptions'], keepalive]);
  }

  const common: Record<string, unknown> = {};
  const idle = duration(http?.value.idleTimeout) ?? duration(tcp?.value.idleTimeout);
  if (idle !== undefined) common.idleTimeout = idle;
  const perConnection = positive(http, 'maxRequestsPerConnection');
  if (perConnection !== undefined) common.maxRequestsPerConnection = perConnection;
  const lifetime = duration(tcp?.value.maxConnectionDuration);
  if (lifetime !== undefined) common.maxConnectionDuration = lifetime;

  const upgrade = http?.value.h2UpgradePolicy;
  const h2 = upgrade === 'UPGRADE' || isHttp2(protocol);
  const downstream = upgrade !== 'UPGRADE' && (bool(http?.value.useClientProtocol) === true || protocol === 'UNKNOWN');
  const options: Record<string, unknown> = { '@type': EXTENSION_TYPE_URLS.httpProtocolOptions };
  if (Object.keys(common).length > 0) options.commonHttpProtocolOptions = common;
  const streams = positive(http, 'maxConcurrentStreams');
  if (downstream) {
    options.useDownstreamProtocolConfig = { httpProtocolOptions: {}, http2ProtocolOptions: streams !== undefined ? { maxConcurrentStreams: streams } : {} };
  } else if (h2) {
    options.explicitHttpConfig = { http2ProtocolOptions: streams !== undefined ? { maxConcurrentStreams: streams } : {} };
  } else if (options.commonHttpProtocolOptions !== undefined) {
    options.explicitHttpConfig = { httpProtocolOptions: {} };
  }
  if (Object.keys(options).length > 1) {
    fields.typedExtensionProtocolOptions = { [HTTP_OPTIONS_KEY]: options };
    if (http && (options.commonHttpProtocolOptions !== undefined || upgrade !== undefined || http.value.useClientProtocol !== undefined)) {
      sources.push([['typedExtensionProtocolOptions'], http]);
    } else if (tcp && options.commonHttpProtocolOptions !== undefined) {
      sources.push([['typedExtensionProtocolOptions'], tcp]);
    }
  }
  // deep-frozen with `fields`: each value is copied into every cluster's JSON, a shared part
  return { fields: sharedPart(fields), sources, h2: h2 && !downstream };
}

/**
 * Applies the connection pool part and the port protocol. Returns whether the cluster speaks
 * HTTP/2 upstream (TLS advertises h2 then).
 */
export function applyConnectionPool(draft: ClusterDraft, pool: Part | undefined, protocol: Protocol): boolean {
  if (draft.flavor === 'grpc') {
    grpcConnectionPool(draft, pool);
    return true;
  }
  if (!pool) {
    // Istio's defaults, shared by every cluster without a connection pool
    draft.json.connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    draft.json.circuitBreakers = ENVOY_DEFAULT_BREAKERS;
    if (protocol === 'UNKNOWN') draft.json.typedExtensionProtocolOptions = DOWNSTREAM_OPTIONS;
    else if (isHttp2(protocol)) draft.json.typedExtensionProtocolOptions = H2_OPTIONS;
    return isHttp2(protocol) && protocol !== 'UNKNOWN';
  }
  const computed = memo(envoyPools, pool.value, protocol, () => envoyPool(pool, protocol));
  Object.assign(draft.json, computed.fields);
  for (const [path, origin] of computed.sources) mapSource(draft, path, origin);
  return computed.h2;
}
