/**
 * Realistic Envoy resources as sluice emits them (Envoy proto3 JSON), for tests and
 * benchmarks: the reviews service of bookinfo with a v1/v2 canary, for an Envoy sidecar and
 * for proxyless gRPC. Together they form one consistent snapshot.
 *
 * They are canonical proto3 JSON (what decodeResource returns): fields at their default value
 * (enum zero values such as RBAC `ALLOW` or circuit-breaker priority `DEFAULT`) are left out,
 * so encode → decode gives them back unchanged.
 */
import type { JsonObject } from './codec.ts';
import { EXTENSION_TYPE_URLS as X, RESOURCE_TYPE_URLS as T } from './type-urls.ts';

const HOST = 'reviews.default.svc.cluster.local';
const ads = { ads: {}, resourceApiVersion: 'V3' };

export function clusterName(subset: string, host = HOST, port = 9080): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** Outbound sidecar listener on 0.0.0.0:9080 with an HttpConnectionManager that uses RDS over ADS. */
export function outboundListener(): JsonObject {
  return {
    name: '0.0.0.0_9080',
    address: { socketAddress: { address: '0.0.0.0', portValue: 9080 } },
    trafficDirection: 'OUTBOUND',
    bindToPort: false,
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: {
              '@type': X.httpConnectionManager,
              statPrefix: 'outbound_0.0.0.0_9080',
              rds: { configSource: ads, routeConfigName: '9080' },
              useRemoteAddress: false,
              streamIdleTimeout: '300s',
              normalizePath: true,
              httpFilters: [
                { name: 'envoy.filters.http.fault', typedConfig: { '@type': X.fault } },
                { name: 'envoy.filters.http.cors', typedConfig: { '@type': X.cors } },
                { name: 'envoy.filters.http.router', typedConfig: { '@type': X.router, suppressEnvoyHeaders: true } },
              ],
              accessLog: [
                {
                  name: 'envoy.access_loggers.stdout',
                  typedConfig: { '@type': X.stdoutAccessLog },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

/** Route configuration "9080": a weighted v1/v2 canary, a regex route, retries, fault and CORS. */
export function routeConfiguration(): JsonObject {
  return {
    name: '9080',
    validateClusters: false,
    virtualHosts: [
      {
        name: `${HOST}:9080`,
        domains: [`${HOST}:9080`, HOST, 'reviews', 'reviews:9080', 'reviews.default', 'reviews.default:9080'],
        routes: [
          {
            name: 'reviews-api',
            match: {
              safeRegex: { regex: '^/api/v[0-9]+/reviews/.*$' },
              headers: [{ name: 'x-canary', stringMatch: { exact: 'true' } }],
            },
            route: { cluster: clusterName('v2'), timeout: '3s' },
            typedPerFilterConfig: {
              'envoy.filters.http.fault': {
                '@type': X.fault,
                delay: { fixedDelay: '0.500s', percentage: { numerator: 10} },
              },
            },
          },
          {
            name: 'default',
            match: { prefix: '/' },
            route: {
              weightedClusters: {
                clusters: [
                  { name: clusterName('v1'), weight: 90 },
                  { name: clusterName('v2'), weight: 10 },
                ],
              },
              timeout: '0s',
              retryPolicy: { retryOn: 'connect-failure,refused-stream,unavailable', numRetries: 2, perTryTimeout: '1s' },
              maxStreamDuration: { grpcTimeoutHeaderMax: '0s' },
            },
            typedPerFilterConfig: {
              'envoy.filters.http.cors': {
                '@type': X.corsPolicy,
                allowOriginStringMatch: [{ exact: 'https://bookinfo.example.com' }],
                allowMethods: 'GET,POST',
                maxAge: '86400',
              },
            },
          },
        ],
      },
    ],
  };
}

/** EDS cluster over ADS with ring hash, circuit breakers, outlier detection, mTLS and HTTP/2. */
export function edsCluster(subset = 'v1'): JsonObject {
  const name = clusterName(subset);
  return {
    name,
    type: 'EDS',
    edsClusterConfig: { edsConfig: ads, serviceName: name },
    connectTimeout: '10s',
    lbPolicy: 'RING_HASH',
    ringHashLbConfig: { minimumRingSize: '1024', maximumRingSize: '8388608' },
    circuitBreakers: {
      thresholds: [{ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 100, maxRetries: 3 }],
    },
    outlierDetection: {
      consecutive5xx: 5,
      interval: '10s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 50,
      successRateMinimumHosts: 3,
      failurePercentageThreshold: 85,
    },
    commonLbConfig: { healthyPanicThreshold: {} },
    transportSocket: {
      name: 'envoy.transport_sockets.tls',
      typedConfig: {
        '@type': X.upstreamTlsContext,
        sni: `outbound_.9080_.${subset}_.${HOST}`,
        commonTlsContext: {
          tlsCertificateProviderInstance: { instanceName: 'default', certificateName: 'default' },
          validationContext: {
            caCertificateProviderInstance: { instanceName: 'default', certificateName: 'ROOTCA' },
            matchTypedSubjectAltNames: [
              { sanType: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' } },
            ],
          },
          alpnProtocols: ['istio-peer-exchange', 'istio'],
        },
      },
    },
    typedExtensionProtocolOptions: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': X.httpProtocolOptions,
        explicitHttpConfig: { http2ProtocolOptions: { maxConcurrentStreams: 1073741824 } },
      },
    },
  };
}

/** Endpoints for an EDS cluster, in two localities with priorities and weights. */
export function clusterLoadAssignment(subset = 'v1'): JsonObject {
  return {
    clusterName: clusterName(subset),
    endpoints: [
      {
        locality: { region: 'us-east1', zone: 'us-east1-b' },
        loadBalancingWeight: 2,
        lbEndpoints: [
          {
            endpoint: { address: { socketAddress: { address: '10.0.1.12', portValue: 9080 } } },
            healthStatus: 'HEALTHY',
            loadBalancingWeight: 1,
          },
          {
            endpoint: { address: { socketAddress: { address: '10.0.1.13', portValue: 9080 } } },
            healthStatus: 'HEALTHY',
            loadBalancingWeight: 1,
          },
        ],
      },
      {
        locality: { region: 'us-east1', zone: 'us-east1-c' },
        priority: 1,
        lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.2.7', portValue: 9080 } } } }],
      },
    ],
    policy: { overprovisioningFactor: 140 },
  };
}

/** The proxyless gRPC client listener for `xds:///reviews.default.svc.cluster.local:9080`. */
export function grpcApiListener(): JsonObject {
  return {
    name: `${HOST}:9080`,
    apiListener: {
      apiListener: {
        '@type': X.httpConnectionManager,
        statPrefix: `${HOST}:9080`,
        rds: { configSource: ads, routeConfigName: `${HOST}:9080` },
        httpFilters: [
          { name: 'envoy.filters.http.fault', typedConfig: { '@type': X.fault } },
          { name: 'envoy.filters.http.router', typedConfig: { '@type': X.router } },
        ],
      },
    },
  };
}

/** Route configuration for the gRPC api_listener. */
export function grpcRouteConfiguration(): JsonObject {
  return {
    name: `${HOST}:9080`,
    virtualHosts: [
      {
        name: `${HOST}:9080`,
        domains: [`${HOST}:9080`],
        routes: [
          {
            match: { prefix: '/' },
            route: {
              weightedClusters: { clusters: [{ name: clusterName('v1'), weight: 50 }, { name: clusterName('v2'), weight: 50 }] },
              maxStreamDuration: { maxStreamDuration: '5s', grpcTimeoutHeaderMax: '5s' },
              hashPolicy: [{ header: { headerName: 'x-user' } }],
            },
          },
        ],
      },
    ],
  };
}

/** An xDS-enabled gRPC server listener: mTLS required, RBAC, inline routes with non_forwarding_action. */
export function serverListener(): JsonObject {
  return {
    name: 'grpc/server?xds.resource.listening_address=127.0.0.1:50051',
    address: { socketAddress: { address: '127.0.0.1', portValue: 50051 } },
    filterChains: [
      {
        filterChainMatch: { transportProtocol: 'raw_buffer' },
        name: 'inbound-mtls',
        transportSocket: {
          name: 'envoy.transport_sockets.tls',
          typedConfig: {
            '@type': X.downstreamTlsContext,
            requireClientCertificate: true,
            commonTlsContext: {
              tlsCertificateProviderInstance: { instanceName: 'default', certificateName: 'default' },
              validationContext: { caCertificateProviderInstance: { instanceName: 'default', certificateName: 'ROOTCA' } },
            },
          },
        },
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: {
              '@type': X.httpConnectionManager,
              statPrefix: 'inbound_50051',
              routeConfig: {
                name: 'inbound|50051',
                virtualHosts: [{ name: 'inbound|http|50051', domains: ['*'], routes: [{ match: { prefix: '/' }, nonForwardingAction: {} }] }],
              },
              httpFilters: [
                {
                  name: 'envoy.filters.http.rbac',
                  typedConfig: {
                    '@type': X.rbac,
                    rules: {
                      policies: {
                        'ns[default]-policy[reviews-viewer]-rule[0]': {
                          permissions: [{ urlPath: { path: { prefix: '/reviews.Reviews/' } } }],
                          principals: [
                            { authenticated: { principalName: { exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage' } } },
                          ],
                        },
                      },
                    },
                  },
                },
                { name: 'envoy.filters.http.router', typedConfig: { '@type': X.router } },
              ],
            },
          },
        ],
      },
    ],
  };
}

export interface SampleResource {
  typeUrl: string;
  name: string;
  json: JsonObject;
}

/** One consistent snapshot holding every sample. */
export function sampleSnapshot(): SampleResource[] {
  const r = (typeUrl: string, name: string, json: JsonObject): SampleResource => ({ typeUrl, name, json });
  return [
    r(T.listener, '0.0.0.0_9080', outboundListener()),
    r(T.listener, `${HOST}:9080`, grpcApiListener()),
    r(T.listener, 'grpc/server?xds.resource.listening_address=127.0.0.1:50051', serverListener()),
    r(T.routeConfiguration, '9080', routeConfiguration()),
    r(T.routeConfiguration, `${HOST}:9080`, grpcRouteConfiguration()),
    r(T.cluster, clusterName('v1'), edsCluster('v1')),
    r(T.cluster, clusterName('v2'), edsCluster('v2')),
    r(T.clusterLoadAssignment, clusterName('v1'), clusterLoadAssignment('v1')),
    r(T.clusterLoadAssignment, clusterName('v2'), clusterLoadAssignment('v2')),
  ];
}
