/**
 * Diagnostics of listener translation (SLU7040–SLU7059): what a listener cannot carry, and
 * what sluice decided instead. Every one points at the policy node it is about; none is an
 * error, because each has a defined, fail-closed outcome that is written in its hint.
 */
import { defineCode } from '../../diagnostics/index.ts';

export const TCP_PORT_SHARED = defineCode({
  code: 'SLU7040',
  stage: 'translate',
  severity: 'warning',
  title: 'Several TCP services share an outbound port',
  hint: 'Sidecars tell opaque TCP services on one port apart by destination IP, and a policy repository has no cluster IPs, so sluice sends no outbound listener for this port: connections to it go through the passthrough listener to their original destination. Give each TCP service its own port, or declare the protocol TLS/HTTPS so connections are told apart by SNI.',
});

export const PORT_PROTOCOL_CONFLICT = defineCode({
  code: 'SLU7041',
  stage: 'translate',
  severity: 'warning',
  title: 'HTTP and TCP services share an outbound port',
  hint: 'The outbound listener of a port is either HTTP (routes by Host header) or TCP. This port carries HTTP services, so it gets an HTTP listener and this TCP service is not reachable through it. Move the TCP service to another port, or declare it HTTP if it is.',
  istio: 'IST0177 (ConflictingPortProtocols)',
});

export const CUSTOM_WITHOUT_PROVIDER = defineCode({
  code: 'SLU7042',
  stage: 'translate',
  severity: 'warning',
  title: 'CUSTOM authorization has no extension provider',
  hint: 'A CUSTOM AuthorizationPolicy delegates the decision to an extension provider declared in Istio\'s MeshConfig, which a policy repository does not carry. As Istio does for an unknown provider, every request the policy\'s rules match is denied. Express the rule as ALLOW/DENY, or serve the authorizer through Envoy configuration sluice does not manage.',
});

export const AUTHZ_NOT_ENFORCED = defineCode({
  code: 'SLU7043',
  stage: 'translate',
  severity: 'warning',
  title: 'Authorization policy not applied by proxyless gRPC servers',
  hint: 'gRPC servers enforce ALLOW and DENY only: they reject the RBAC LOG action (AUDIT policies) and ignore shadow rules (policies annotated istio.io/dry-run). The policy is left out of the configuration sent to gRPC servers; Envoy sidecars still apply it.',
});

export const AUTHZ_ATTRIBUTE_UNSUPPORTED = defineCode({
  code: 'SLU7044',
  stage: 'translate',
  severity: 'warning',
  title: 'Authorization rule uses attributes this listener cannot evaluate',
  hint: 'As Istio does for HTTP attributes on TCP ports, sluice fails closed: an ALLOW rule that needs an attribute the listener cannot see (HTTP fields on a TCP port; JWT, SNI or filter-metadata attributes on a proxyless gRPC server) is left out, so it allows nothing; in a DENY rule only that attribute is left out, so the rule denies more. Split the rule per protocol, or declare the port\'s protocol.',
});

export const AUTHZ_VALUE_UNTRANSLATABLE = defineCode({
  code: 'SLU7045',
  stage: 'translate',
  severity: 'warning',
  title: 'Authorization value cannot be translated',
  hint: 'The value is not an IP address or CIDR range, a port number, or a key sluice can read, so it cannot become an RBAC matcher. sluice fails closed: an ALLOW rule with it is left out; in a DENY rule the field is left out, so the rule denies more. Fix the value.',
});

export const JWT_NOT_SUPPORTED_GRPC = defineCode({
  code: 'SLU7046',
  stage: 'translate',
  severity: 'warning',
  title: 'Proxyless gRPC servers do not validate JWTs',
  hint: 'gRPC xDS servers have no jwt_authn filter, so this RequestAuthentication is not applied to them: tokens are not checked, and authorization rules on request principals, audiences, presenters or claims never match (ALLOW rules with them are left out, DENY rules deny more). Validate tokens in the application, or put an Envoy sidecar in front of it.',
});

export const JWKS_MISSING = defineCode({
  code: 'SLU7047',
  stage: 'translate',
  severity: 'warning',
  title: 'JWT rule without jwks or jwksUri',
  hint: 'Istio finds the keys of such an issuer through OpenID discovery when it computes the configuration; sluice compiles without network access, so the provider gets an empty key set and every token from this issuer is rejected (requests without a token still pass to authorization). Set jwksUri or jwks.',
});

export const JWKS_HOST_UNKNOWN = defineCode({
  code: 'SLU7048',
  stage: 'translate',
  severity: 'warning',
  title: 'jwksUri host is not a known service',
  hint: 'Envoy fetches remote JWKS through a cluster; sluice names it outbound|PORT||HOST after the jwksUri, and only services in the registry get clusters. Without one the keys never load and every token from this issuer is rejected. Add a ServiceEntry for the jwksUri host and port (resolution DNS), or inline the keys with jwks.',
});

export const GRPC_PERMISSIVE_PLAINTEXT = defineCode({
  code: 'SLU7049',
  stage: 'translate',
  severity: 'info',
  title: 'PERMISSIVE mTLS is plaintext on proxyless gRPC servers',
  hint: 'A gRPC xDS server cannot accept TLS and plaintext on one port (it has no TLS detection), so PERMISSIVE serves plaintext, like DISABLE; clients that would send mTLS must not (auto mTLS uses TLS towards STRICT workloads only). Switching a running gRPC server from plaintext to TLS crashes @grpc/grpc-js-xds: when this workload moves to STRICT, restart its servers after the new configuration is served.',
});

export const GRPC_LISTENER_NAME_CONFLICT = defineCode({
  code: 'SLU7050',
  stage: 'translate',
  severity: 'warning',
  title: 'Two services claim the same gRPC target name',
  hint: 'A proxyless gRPC client asks for one listener per target (xds:///NAME:PORT), and this name:port reaches two services. The service whose host is exactly that name wins (else the first by name); this one is not reachable under that name. Use the fully qualified host in the target.',
});

export const WORKLOAD_PORT_UNRESOLVED = defineCode({
  code: 'SLU7051',
  stage: 'translate',
  severity: 'warning',
  title: 'Workload port cannot be resolved',
  hint: 'The service forwards to a named target port, and the workload declares no container or WorkloadEntry port of that name, so sluice cannot tell which port the workload listens on: the port gets no inbound filter chain or server listener. Name the container port, or give targetPort as a number.',
});

export const GRPC_SERVER_NO_ADDRESS = defineCode({
  code: 'SLU7052',
  stage: 'translate',
  severity: 'info',
  title: 'No server listener: the workload has no IP address in the policy',
  hint: 'A gRPC xDS server asks for its listener by the exact IP:port it bound. A WorkloadEntry with an IP address names it; pods get theirs at run time, so their server listeners come from the running control plane, not from the policy repository. Use a WorkloadEntry with an IP address to compile server listeners ahead of time.',
});

export const TCP_ROUTE_UNUSABLE = defineCode({
  code: 'SLU7053',
  stage: 'translate',
  severity: 'warning',
  title: 'TCP route has no destination with weight',
  hint: 'Every destination of this tcp/tls route has weight 0, so it cannot carry connections; sluice forwards the port to the service itself instead. Give at least one destination a weight above 0.',
});
