/**
 * Small hand-written Envoy resources (proto3 JSON that encodes) and snapshots of them, for the
 * proxy tests: an EDS cluster, its endpoints, a gRPC api_listener with RDS, its routes.
 */
import { buildSnapshot, EntryCache, proxyClass } from '../../compiler/index.ts';
import type { ProxyClass, Resource, Snapshot } from '../../compiler/index.ts';
import { EXTENSION_TYPE_URLS as X, RESOURCE_TYPE_URLS as T } from '../../compiler/xds/index.ts';
import type { JsonObject } from '../../compiler/xds/index.ts';

const ads = { ads: {}, resourceApiVersion: 'V3' };

function resource(typeUrl: Resource['typeUrl'], name: string, json: JsonObject): Resource {
  return { typeUrl, name, json, sources: [] };
}

/** An EDS cluster over ADS; `connectTimeout` is there to make a second version of it. */
export function cluster(name: string, connectTimeout = '1s'): Resource {
  return resource(T.cluster, name, {
    name,
    type: 'EDS',
    edsClusterConfig: { edsConfig: ads, serviceName: name },
    connectTimeout,
    lbPolicy: 'ROUND_ROBIN',
  });
}

/** Endpoints of a cluster, one locality (weighted: gRPC ignores localities without a weight). */
export function endpoints(clusterName: string, addresses: readonly (readonly [string, number])[] = [['10.0.0.1', 8080]]): Resource {
  return resource(T.clusterLoadAssignment, clusterName, {
    clusterName,
    endpoints: [
      {
        locality: { region: 'r1', zone: 'z1' },
        loadBalancingWeight: 1,
        lbEndpoints: addresses.map(([address, portValue]) => ({ endpoint: { address: { socketAddress: { address, portValue } } }, healthStatus: 'HEALTHY' })),
      },
    ],
  });
}

/** A proxyless gRPC client listener (`host:port`) whose routes come over RDS. */
export function apiListener(name: string, routeConfigName = name): Resource {
  return resource(T.listener, name, {
    name,
    apiListener: {
      apiListener: {
        '@type': X.httpConnectionManager,
        statPrefix: name,
        rds: { configSource: ads, routeConfigName },
        httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': X.router } }],
      },
    },
  });
}

/** Routes for `domain`: everything to `clusterName`. */
export function routeConfig(name: string, domain: string, clusterName: string): Resource {
  return resource(T.routeConfiguration, name, {
    name,
    virtualHosts: [{ name: domain, domains: [domain], routes: [{ match: { prefix: '' }, route: { cluster: clusterName } }] }],
  });
}

/** A route grpc-js-xds rejects (it NACKs `direct_response`). */
export function directResponseRoute(name: string, domain: string): Resource {
  return resource(T.routeConfiguration, name, {
    name,
    virtualHosts: [{ name: domain, domains: [domain], routes: [{ match: { prefix: '' }, directResponse: { status: 503 } }] }],
  });
}

/** One service as the grpc flavor serves it: listener → routes → cluster → endpoints. */
export function grpcService(host: string, endpointAddresses: readonly (readonly [string, number])[] = [['10.0.0.1', 8080]]): Resource[] {
  const clusterName = `outbound|${host}`;
  return [apiListener(host), routeConfig(host, host, clusterName), cluster(clusterName), endpoints(clusterName, endpointAddresses)];
}

export const ENVOY_DEFAULT: ProxyClass = proxyClass('envoy', 'default');

const entries = new EntryCache();

/** A snapshot of `resources` for `proxy` (entries shared between calls, as the compiler does). */
export function snapshotOf(revision: string, resources: readonly Resource[], proxy: ProxyClass = ENVOY_DEFAULT): Snapshot {
  return buildSnapshot(revision, proxy, resources, entries);
}
