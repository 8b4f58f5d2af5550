/**
 * Diagnostic codes of the cluster and endpoint translation (SLU7020–SLU7039): policy a proxy
 * flavor cannot express, and endpoints that cannot be served. Never silent loss: whatever
 * the output leaves out or changes is reported at the policy node that asked for it.
 */
import { defineCode } from '../../diagnostics/index.ts';

export const LB_UNSUPPORTED = defineCode({
  code: 'SLU7020',
  stage: 'translate',
  severity: 'warning',
  title: 'Load balancer setting the proxy flavor cannot express',
  hint: 'Proxyless gRPC balances with ROUND_ROBIN or RING_HASH only and has no slow start; sluice sends ROUND_ROBIN (RING_HASH for MAGLEV) to gRPC clients. Use ROUND_ROBIN or consistentHash.ringHash for services that gRPC clients call.',
});

export const CONNECTION_POOL_UNSUPPORTED = defineCode({
  code: 'SLU7021',
  stage: 'translate',
  severity: 'warning',
  title: 'Connection pool setting the proxy flavor cannot express',
  hint: 'Proxyless gRPC honours only http.http2MaxRequests (the circuit breaker on requests in flight); connection limits, timeouts, keepalive and retry budgets are not sent to gRPC clients. Configure them on the gRPC channel, or remove them if only gRPC clients call this service.',
});

export const OUTLIER_UNSUPPORTED = defineCode({
  code: 'SLU7022',
  stage: 'translate',
  severity: 'warning',
  title: 'Outlier detection setting the proxy flavor cannot express',
  hint: 'Proxyless gRPC ejects endpoints by failure percentage only; it has no panic threshold and does not tell local-origin failures apart. The rest of outlierDetection is still sent.',
});

export const TLS_UNSUPPORTED = defineCode({
  code: 'SLU7023',
  stage: 'translate',
  severity: 'warning',
  title: 'TLS mode the proxy flavor cannot express',
  hint: 'Proxyless gRPC takes certificates only from certificate providers in its bootstrap: sluice sends ISTIO_MUTUAL (provider "default"), not SIMPLE or MUTUAL with files or credentialName. gRPC clients fall back to their channel credentials for this cluster.',
});

export const RESOLUTION_UNSUPPORTED = defineCode({
  code: 'SLU7024',
  stage: 'translate',
  severity: 'warning',
  title: 'Service resolution the proxy flavor cannot express',
  hint: 'Proxyless gRPC supports EDS and LOGICAL_DNS clusters only: DNS resolution is sent as LOGICAL_DNS with one host name, and passthrough (resolution NONE, loadBalancer PASSTHROUGH) as EDS with the endpoints sluice knows. Give the service static endpoints to reach it from gRPC clients.',
});

export const ENDPOINT_NOT_IP = defineCode({
  code: 'SLU7025',
  stage: 'translate',
  severity: 'warning',
  title: 'Endpoint address is not an IP address',
  hint: 'EDS endpoints must be IP addresses (Envoy does not resolve them, gRPC clients reject the whole assignment). Use an IP address, or resolution: DNS on the ServiceEntry for host names.',
});

export const DUPLICATE_ENDPOINT = defineCode({
  code: 'SLU7026',
  stage: 'translate',
  severity: 'warning',
  title: 'Two endpoints of one cluster have the same address and port',
  hint: 'The second one is left out of the cluster (gRPC clients reject an assignment with duplicate addresses). Remove one of them, or give them different ports.',
});

export const ENDPOINT_WITHOUT_PORT = defineCode({
  code: 'SLU7027',
  stage: 'translate',
  severity: 'warning',
  title: 'Endpoint has no port for the service port',
  hint: 'The service port forwards to a named target port that this endpoint does not declare, so the endpoint is left out of that port\'s cluster. Declare the port under the endpoint\'s `ports`, keyed by the name.',
});

export const LB_VALUE_ADJUSTED = defineCode({
  code: 'SLU7028',
  stage: 'translate',
  severity: 'warning',
  title: 'Load balancer value out of range for the proxy',
  hint: 'Envoy and gRPC accept a minimum ring size of at most 8,388,608 and a prime MAGLEV table size; sluice sends the closest accepted value (the largest ring, the default table size 65537).',
});

export const DNS_CLUSTER_WITHOUT_HOST = defineCode({
  code: 'SLU7029',
  stage: 'translate',
  severity: 'warning',
  title: 'DNS cluster without exactly one host to resolve',
  hint: 'A DNS cluster resolves the host names of its endpoints (or the service host). A wildcard host with no endpoints, or a subset that selects none of them, leaves nothing to resolve; LOGICAL_DNS resolves one host only and sluice sends the first.',
});

export const LOCALITY_NEEDS_PROXY_LOCALITY = defineCode({
  code: 'SLU7030',
  stage: 'translate',
  severity: 'info',
  title: 'Locality load balancing needs the proxy\'s locality',
  hint: 'distribute and failover are relative to where the client runs. sluice reads it from the proxy\'s labels (`istio-locality: region.zone.subzone`, or topology.kubernetes.io/region, topology.kubernetes.io/zone, topology.istio.io/subzone); proxies without them get no locality weights or priorities.',
});

export const CREDENTIAL_NAME_UNSERVED = defineCode({
  code: 'SLU7031',
  stage: 'translate',
  severity: 'warning',
  title: 'credentialName refers to a secret sluice does not serve',
  hint: 'The cluster asks for the certificate `kubernetes://NAME` over SDS (ADS), as Istio does; sluice serves no Secret resources yet, so Envoy waits for it and then fails the TLS handshake. Use caCertificates / clientCertificate / privateKey files for now.',
});

export const MIXED_MTLS_MODES = defineCode({
  code: 'SLU7032',
  stage: 'translate',
  severity: 'warning',
  title: 'Endpoints of one gRPC cluster need both mutual TLS and plaintext',
  hint: 'A gRPC client uses one transport per cluster. Some endpoints are under a STRICT PeerAuthentication and some under DISABLE; sluice sends mutual TLS, so the DISABLE endpoints will refuse the connection. Make the modes agree, or split the endpoints into subsets.',
});

export const DEPRECATED_IGNORED = defineCode({
  code: 'SLU7033',
  stage: 'translate',
  severity: 'warning',
  title: 'Deprecated DestinationRule field has no effect',
  hint: 'Istio ignores `outlierDetection.consecutiveErrors`; use consecutive5xxErrors or consecutiveGatewayErrors.',
});

export const MUTUAL_WITHOUT_CERTIFICATE = defineCode({
  code: 'SLU7034',
  stage: 'translate',
  severity: 'error',
  title: 'MUTUAL TLS without a client certificate',
  hint: 'tls.mode MUTUAL needs clientCertificate and privateKey (or credentialName). Like Istio, sluice builds the cluster without TLS, which the server will refuse.',
});

export const POLICY_NOT_TRANSLATED = defineCode({
  code: 'SLU7035',
  stage: 'translate',
  severity: 'warning',
  title: 'DestinationRule setting sluice does not translate',
  hint: 'sluice does not yet compile trafficPolicy.proxyProtocol or trafficPolicy.tunnel; the cluster is built without it.',
});
