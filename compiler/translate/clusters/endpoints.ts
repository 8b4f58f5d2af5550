/**
 * The endpoints of one service port, as a proxy can use them: address, port, weight,
 * locality and health, each keeping the policy node it came from.
 *
 * - Port: the endpoint's port named like the service port (WorkloadEntry `ports: {grpc:
 *   50051}`, an EndpointSlice's ports), else the service's numeric targetPort, else the
 *   endpoint's port named by a string targetPort, else the service port number.
 * - Health: static endpoints (ServiceEntry, WorkloadEntry) are HEALTHY; EndpointSlice
 *   endpoints are HEALTHY when `ready: true`, UNKNOWN when readiness is not stated, and left
 *   out when not ready or terminating (as Istio does by default).
 * - EDS endpoints must be IP literals; a host name is left out with a diagnostic.
 * - Kubernetes workloads without addresses (Deployments) contribute nothing: sluice knows
 *   such a service's endpoints only from EndpointSlices or WorkloadEntries.
 */
import { isIP } from 'node:net';
import type { Endpoint, Origin, Service, ServicePort } from '../../model/index.ts';
import { ENDPOINT_NOT_IP, ENDPOINT_WITHOUT_PORT } from './codes.ts';
import type { Findings } from './findings.ts';
import { EMPTY_LOCALITY, parseLocality } from './locality.ts';
import type { Locality } from './locality.ts';

export interface ServedEndpoint {
  /** The endpoint's policy node (a WorkloadEntry, a ServiceEntry endpoint, a slice endpoint; the service for a DNS host). */
  origin: Origin;
  labels: Readonly<Record<string, string>>;
  endpoint?: Endpoint;
  address: string;
  port: number;
  weight: number;
  locality: Locality;
  health: 'HEALTHY' | 'UNKNOWN';
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** The port an endpoint serves a service port on, or undefined when it declares none for it. */
export function endpointPort(endpoint: Endpoint, port: ServicePort): number | undefined {
  const named = endpoint.ports[port.name ?? ''];
  if (named !== undefined) return named;
  if (endpoint.source === 'EndpointSlice') return undefined;
  const target = port.targetPort;
  if (typeof target === 'number') return target;
  if (typeof target === 'string') return endpoint.ports[target] ?? endpoint.workload?.ports[target];
  return port.number;
}

/** Where a field of an endpoint sits below its origin (a WorkloadEntry's fields are under `spec`). */
function fieldOf(endpoint: Endpoint, field: 'address' | 'ports'): readonly (string | number)[] {
  if (endpoint.source === 'WorkloadEntry') return ['spec', field];
  if (endpoint.source === 'EndpointSlice') return field === 'address' ? ['addresses', 0] : [];
  return [field];
}

function health(endpoint: Endpoint): 'HEALTHY' | 'UNKNOWN' | undefined {
  if (endpoint.source !== 'EndpointSlice') return 'HEALTHY';
  if (endpoint.ready === false || endpoint.terminating === true) return undefined;
  return endpoint.ready === true ? 'HEALTHY' : 'UNKNOWN';
}

function localityOf(endpoint: Endpoint): Locality {
  if (endpoint.locality !== undefined && endpoint.locality !== '') return parseLocality(endpoint.locality);
  if (endpoint.zone !== undefined) return { region: '', zone: endpoint.zone, subZone: '' };
  return EMPTY_LOCALITY;
}

/**
 * Endpoints of `service` for `port`. With `ipOnly` (EDS), host names are reported and left
 * out; without it (DNS clusters) they are kept for the proxy to resolve.
 */
export function servedEndpoints(service: Service, port: ServicePort, findings: Findings, ipOnly: boolean): ServedEndpoint[] {
  const out: ServedEndpoint[] = [];
  for (const endpoint of service.endpoints) {
    const status = health(endpoint);
    if (status === undefined) continue;
    if (ipOnly && isIP(endpoint.address) === 0) {
      findings.at(
        ENDPOINT_NOT_IP,
        endpoint,
        `endpoint address "${endpoint.address}" of ${service.hostname} is not an IP address; it is left out of the endpoints (resolution ${service.resolution})`,
        fieldOf(endpoint, 'address'),
      );
      continue;
    }
    const served = endpointPort(endpoint, port);
    if (served === undefined) {
      if (endpoint.source !== 'EndpointSlice') {
        findings.at(
          ENDPOINT_WITHOUT_PORT,
          endpoint,
          `endpoint ${endpoint.address} declares no port "${String(port.targetPort ?? port.name)}" for port ${port.number} of ${service.hostname}; it is left out of that port's cluster`,
          fieldOf(endpoint, 'ports'),
        );
      }
      continue;
    }
    out.push({
      origin: endpoint,
      labels: endpoint.labels,
      endpoint,
      address: endpoint.address,
      port: served,
      weight: endpoint.weight !== undefined && endpoint.weight > 0 ? Math.min(Math.floor(endpoint.weight), 0xffffffff) : 1,
      locality: localityOf(endpoint),
      health: status,
    });
  }
  return out;
}

/**
 * A DNS service without endpoints is resolved by its own name: the ExternalName target, or
 * the host (not a wildcard), on the service's target port.
 */
export function hostEndpoint(service: Service, port: ServicePort): ServedEndpoint | undefined {
  const name = service.externalName ?? service.hostname;
  if (name.startsWith('*')) return undefined;
  const target = typeof port.targetPort === 'number' ? port.targetPort : port.number;
  return { origin: service, labels: NO_LABELS, address: name, port: target, weight: 1, locality: EMPTY_LOCALITY, health: 'HEALTHY' };
}
