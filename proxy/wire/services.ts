/**
 * gRPC service definitions of the discovery services, for @grpc/grpc-js.
 *
 * The method paths are those of the `.proto` files (envoy/service/{discovery,listener,route,
 * cluster,endpoint,secret}/v3/*.proto); a test checks them against the copies @grpc/grpc-js-xds
 * ships. The committed descriptor set holds the messages but not these services, and a
 * service definition is only paths and (de)serializers anyway.
 *
 * The server decodes requests with @bufbuild/protobuf and writes responses that are already
 * encoded (see messages.ts), so its response serializer hands the bytes through. The client
 * (proxy/testing) uses the same paths with its own serializers.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { RESOURCE_TYPE_URLS as T } from '../../compiler/xds/index.ts';
import { decodeDeltaDiscoveryRequest, decodeDiscoveryRequest } from './messages.ts';
import type { DeltaDiscoveryRequest, DiscoveryRequest } from './messages.ts';

export type Protocol = 'sotw' | 'delta';

/** One bidirectional discovery method. */
export interface DiscoveryMethod {
  /** `ads`, or the per-type service (`lds`, `rds`, `cds`, `eds`, `sds`). */
  service: string;
  /** Fully qualified gRPC service name. */
  serviceName: string;
  /** Method name as in the .proto. */
  method: string;
  path: string;
  protocol: Protocol;
  /** The resource type a per-type service serves; undefined for ADS (any type). */
  typeUrl: string | undefined;
}

const SERVICES: readonly { service: string; serviceName: string; sotw: string; delta: string; typeUrl: string | undefined }[] = [
  { service: 'ads', serviceName: 'envoy.service.discovery.v3.AggregatedDiscoveryService', sotw: 'StreamAggregatedResources', delta: 'DeltaAggregatedResources', typeUrl: undefined },
  { service: 'lds', serviceName: 'envoy.service.listener.v3.ListenerDiscoveryService', sotw: 'StreamListeners', delta: 'DeltaListeners', typeUrl: T.listener },
  { service: 'rds', serviceName: 'envoy.service.route.v3.RouteDiscoveryService', sotw: 'StreamRoutes', delta: 'DeltaRoutes', typeUrl: T.routeConfiguration },
  { service: 'cds', serviceName: 'envoy.service.cluster.v3.ClusterDiscoveryService', sotw: 'StreamClusters', delta: 'DeltaClusters', typeUrl: T.cluster },
  { service: 'eds', serviceName: 'envoy.service.endpoint.v3.EndpointDiscoveryService', sotw: 'StreamEndpoints', delta: 'DeltaEndpoints', typeUrl: T.clusterLoadAssignment },
  { service: 'sds', serviceName: 'envoy.service.secret.v3.SecretDiscoveryService', sotw: 'StreamSecrets', delta: 'DeltaSecrets', typeUrl: T.secret },
];

/** Every streaming discovery method sluice serves. */
export const DISCOVERY_METHODS: readonly DiscoveryMethod[] = SERVICES.flatMap((s) => [
  { service: s.service, serviceName: s.serviceName, method: s.sotw, path: `/${s.serviceName}/${s.sotw}`, protocol: 'sotw' as const, typeUrl: s.typeUrl },
  { service: s.service, serviceName: s.serviceName, method: s.delta, path: `/${s.serviceName}/${s.delta}`, protocol: 'delta' as const, typeUrl: s.typeUrl },
]);

export function discoveryMethod(service: string, protocol: Protocol): DiscoveryMethod {
  const found = DISCOVERY_METHODS.find((m) => m.service === service && m.protocol === protocol);
  if (!found) throw new Error(`unknown discovery service ${service}`);
  return found;
}

const passBytes = (value: Buffer): Buffer => value;

function serverMethod(method: DiscoveryMethod): MethodDefinition<DiscoveryRequest | DeltaDiscoveryRequest, Buffer> {
  return {
    path: method.path,
    requestStream: true,
    responseStream: true,
    requestSerialize: () => {
      throw new Error('the server never sends requests');
    },
    requestDeserialize: method.protocol === 'sotw' ? decodeDiscoveryRequest : decodeDeltaDiscoveryRequest,
    responseSerialize: passBytes,
    responseDeserialize: passBytes,
    originalName: method.method.charAt(0).toLowerCase() + method.method.slice(1),
  };
}

/** The grpc-js service definitions, by fully qualified service name. */
export function serverServiceDefinitions(): Map<string, { methods: DiscoveryMethod[]; definition: ServiceDefinition }> {
  const out = new Map<string, { methods: DiscoveryMethod[]; definition: ServiceDefinition }>();
  for (const method of DISCOVERY_METHODS) {
    let service = out.get(method.serviceName);
    if (!service) out.set(method.serviceName, (service = { methods: [], definition: {} }));
    service.methods.push(method);
    (service.definition as Record<string, MethodDefinition<unknown, unknown>>)[method.method] = serverMethod(method) as MethodDefinition<unknown, unknown>;
  }
  return out;
}
