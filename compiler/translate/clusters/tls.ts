/**
 * DestinationRule `tls` (and auto mTLS) → the cluster's transport socket.
 *
 * Envoy, as Istio's cluster_tls.go, certificates over SDS:
 * - DISABLE: none (and no auto mTLS);
 * - SIMPLE / MUTUAL: UpstreamTlsContext with TLS 1.2–1.3, SNI (`sni`, else the service host),
 *   SANs (`subjectAltNames`, else the ServiceEntry's) as typed matchers, and the CA
 *   `file-root:<caCertificates|system>` (client certificate `file-cert:<cert>~<key>`) from the
 *   sidecar agent's SDS (`sds-grpc`), or with `credentialName` the secrets
 *   `kubernetes://NAME` and `kubernetes://NAME-cacert` over ADS; `insecureSkipVerify` drops
 *   the validation; h2 clusters advertise ALPN h2;
 * - ISTIO_MUTUAL: the workload certificate `default` and trust bundle `ROOTCA` from
 *   `sds-grpc`, SANs = the service's identities (spiffe://cluster.local/ns/NS/sa/SA), SNI
 *   `outbound_.PORT_.SUBSET_.HOST`, ALPN `istio` (+ h2);
 * - no tls, in-mesh service: Istio's auto mTLS, `transportSocketMatches` that use
 *   ISTIO_MUTUAL for endpoints labelled `tlsMode: istio` and plaintext for the rest.
 *
 * gRPC (@grpc/grpc-js-xds takes certificates only from bootstrap certificate providers):
 * ISTIO_MUTUAL → `tlsCertificateProviderInstance {default/default}` and a validation context
 * with `caCertificateProviderInstance {default/ROOTCA}` and `matchSubjectAltNames` (the field
 * gRPC reads). Without a DestinationRule tls, TLS is sent only when the destination's
 * endpoints are under a STRICT PeerAuthentication (a gRPC client has one transport per
 * cluster, no transport socket matches). SIMPLE and MUTUAL are diagnosed and not sent.
 */
import { isIP } from 'node:net';
import type { Origin } from '../../model/index.ts';
import { EXTENSION_TYPE_URLS } from '../../xds/index.ts';
import { CREDENTIAL_NAME_UNSERVED, MUTUAL_WITHOUT_CERTIFICATE, TLS_UNSUPPORTED } from './codes.ts';
import { mapSource, type ClusterDraft } from './draft.ts';
import { bool, sharedPart, text, type Part } from './json.ts';

export const TRUST_DOMAIN = 'cluster.local';
const SDS_CLUSTER = 'sds-grpc';

export function spiffeId(namespace: string, serviceAccount: string): string {
  return `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Istio's SNI for in-mesh TLS: `outbound_.9080_.v1_.reviews.default.svc.cluster.local`. */
export function istioSni(port: number, subset: string | undefined, host: string): string {
  return `outbound_.${port}_.${subset ?? ''}_.${host}`;
}

type Json = Record<string, unknown>;

const AGENT_SDS = sharedPart({
  apiConfigSource: { apiType: 'GRPC', transportApiVersion: 'V3', grpcServices: [{ envoyGrpc: { clusterName: SDS_CLUSTER } }], setNodeOnFirstMessageOnly: true },
  initialFetchTimeout: '0s',
  resourceApiVersion: 'V3',
});

function agentSecret(name: string): Json {
  return { name, sdsConfig: AGENT_SDS };
}

const WORKLOAD_CERTIFICATE = sharedPart([agentSecret('default')]);
const ROOT_CA = sharedPart(agentSecret('ROOTCA'));
const RAW_BUFFER_MATCH = sharedPart({
  name: 'tlsMode-disabled',
  match: {},
  transportSocket: { name: 'envoy.transport_sockets.raw_buffer', typedConfig: { '@type': EXTENSION_TYPE_URLS.rawBuffer } },
});
const GRPC_CERTIFICATE = sharedPart({ instanceName: 'default', certificateName: 'default' });
const GRPC_ROOT_CA = sharedPart({ instanceName: 'default', certificateName: 'ROOTCA' });
const ALPN_ISTIO = sharedPart(['istio']);
const ISTIO_MATCH = sharedPart({ tlsMode: 'istio' });
const ALPN_ISTIO_H2 = sharedPart(['istio', 'h2']);

function adsSecret(name: string): Json {
  return { name, sdsConfig: { ads: {}, resourceApiVersion: 'V3' } };
}

function sanType(san: string): string {
  if (san.includes('://')) return 'URI';
  if (isIP(san) !== 0) return 'IP_ADDRESS';
  if (san.includes('@')) return 'EMAIL';
  return 'DNS';
}

function typedSans(sans: readonly string[]): Json[] {
  return sans.map((san) => ({ sanType: sanType(san), matcher: { exact: san } }));
}

function tlsSocket(context: Json): Json {
  return { name: 'envoy.transport_sockets.tls', typedConfig: { '@type': EXTENSION_TYPE_URLS.upstreamTlsContext, ...context } };
}

const TLS_PARAMS = sharedPart({ tlsMinimumProtocolVersion: 'TLSv1_2', tlsMaximumProtocolVersion: 'TLSv1_3' });

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

export interface TlsTarget {
  /** Istio mTLS SNI for this cluster. */
  sni: string;
  /** The service host (SNI default for SIMPLE/MUTUAL when it is a name). */
  hostname: string;
  /** SPIFFE identities and ServiceEntry subjectAltNames of the destination, sorted. */
  identities: readonly string[];
  /** The cluster speaks HTTP/2 upstream. */
  h2: boolean;
}

/**
 * The ISTIO_MUTUAL CommonTlsContext for a set of SANs, shared (frozen) by every cluster of
 * the same destination: 30,000 clusters need not carry 30,000 copies.
 */
const commonContexts = new WeakMap<readonly string[], Map<string, Json>>();

function istioCommonContext(flavor: ClusterDraft['flavor'], sans: readonly string[], h2: boolean): Json {
  let byKind = commonContexts.get(sans);
  if (!byKind) commonContexts.set(sans, (byKind = new Map()));
  const key = `${flavor}/${h2}`;
  let common = byKind.get(key);
  if (!common) {
    if (flavor === 'grpc') {
      const validationContext: Json = { caCertificateProviderInstance: GRPC_ROOT_CA };
      if (sans.length > 0) validationContext.matchSubjectAltNames = sans.map((exact) => ({ exact }));
      common = { tlsCertificateProviderInstance: GRPC_CERTIFICATE, validationContext };
    } else {
      const defaultValidationContext: Json = sans.length > 0 ? { matchTypedSubjectAltNames: typedSans(sans) } : {};
      common = {
        tlsParams: TLS_PARAMS,
        tlsCertificateSdsSecretConfigs: WORKLOAD_CERTIFICATE,
        combinedValidationContext: { defaultValidationContext, validationContextSdsSecretConfig: ROOT_CA },
        alpnProtocols: h2 ? ALPN_ISTIO_H2 : ALPN_ISTIO,
      };
    }
    byKind.set(key, sharedPart(common));
  }
  return common;
}

/** ISTIO_MUTUAL UpstreamTlsContext for the flavor (gRPC ignores the SNI, so it gets none). */
export function istioMutualContext(flavor: ClusterDraft['flavor'], sans: readonly string[], sni: string, h2: boolean): Json {
  const commonTlsContext = istioCommonContext(flavor, sans, h2);
  return flavor === 'grpc' ? { commonTlsContext } : { commonTlsContext, sni };
}

function originatedContext(draft: ClusterDraft, tls: Part, target: TlsTarget, mutual: boolean): Json | undefined {
  const credential = text(tls.value.credentialName);
  const cert = text(tls.value.clientCertificate);
  const key = text(tls.value.privateKey);
  if (mutual && credential === undefined && (cert === undefined || key === undefined)) {
    draft.findings.at(MUTUAL_WITHOUT_CERTIFICATE, tls, `tls.mode MUTUAL needs clientCertificate and privateKey, or credentialName; the clusters of ${draft.host} are built without TLS`, ['mode']);
    return undefined;
  }
  const common: Json = { tlsParams: TLS_PARAMS };
  const sans = strings(tls.value.subjectAltNames) ?? [];
  const verify = bool(tls.value.insecureSkipVerify) !== true;
  const effectiveSans = sans.length > 0 ? sans : target.identities.filter((s) => !s.startsWith('spiffe://'));
  if (credential !== undefined) {
    draft.findings.at(CREDENTIAL_NAME_UNSERVED, tls, `the clusters of ${draft.host} ask for the secret kubernetes://${credential} over SDS, which sluice does not serve yet`, ['credentialName']);
    if (mutual) common.tlsCertificateSdsSecretConfigs = [adsSecret(`kubernetes://${credential}`)];
    if (verify) {
      common.combinedValidationContext = {
        defaultValidationContext: effectiveSans.length > 0 ? { matchTypedSubjectAltNames: typedSans(effectiveSans) } : {},
        validationContextSdsSecretConfig: adsSecret(`kubernetes://${credential}-cacert`),
      };
    }
  } else {
    if (mutual) common.tlsCertificateSdsSecretConfigs = [agentSecret(`file-cert:${cert ?? ''}~${key ?? ''}`)];
    if (verify) {
      common.combinedValidationContext = {
        defaultValidationContext: effectiveSans.length > 0 ? { matchTypedSubjectAltNames: typedSans(effectiveSans) } : {},
        validationContextSdsSecretConfig: agentSecret(`file-root:${text(tls.value.caCertificates) ?? 'system'}`),
      };
    }
  }
  if (target.h2) common.alpnProtocols = ['h2'];
  const context: Json = { commonTlsContext: common };
  const sni = text(tls.value.sni) ?? (target.hostname.startsWith('*') || isIP(target.hostname) !== 0 ? undefined : target.hostname);
  if (sni !== undefined) context.sni = sni;
  return context;
}

/** Applies a DestinationRule tls part. */
export function applyTls(draft: ClusterDraft, tls: Part, target: TlsTarget): void {
  const mode = typeof tls.value.mode === 'string' ? tls.value.mode : 'DISABLE';
  if (mode === 'DISABLE') return;
  if (mode === 'ISTIO_MUTUAL') {
    const sans = strings(tls.value.subjectAltNames) ?? [...target.identities];
    const context = istioMutualContext(draft.flavor, sans, text(tls.value.sni) ?? target.sni, target.h2);
    draft.json.transportSocket = tlsSocket(context);
    mapSource(draft, ['transportSocket'], tls);
    return;
  }
  if (mode !== 'SIMPLE' && mode !== 'MUTUAL') return;
  if (draft.flavor === 'grpc') {
    draft.findings.at(TLS_UNSUPPORTED, tls, `gRPC clients take certificates only from their bootstrap's certificate providers; tls.mode ${mode} of ${draft.host} is not sent to them`, ['mode']);
    return;
  }
  const context = originatedContext(draft, tls, target, mode === 'MUTUAL');
  if (!context) return;
  draft.json.transportSocket = tlsSocket(context);
  mapSource(draft, ['transportSocket'], tls);
}

/** gRPC: mutual TLS because the destination is under a STRICT PeerAuthentication. */
export function applyStrictMtls(draft: ClusterDraft, target: TlsTarget, policy: Origin | undefined): void {
  draft.json.transportSocket = tlsSocket(istioMutualContext(draft.flavor, target.identities, target.sni, target.h2));
  mapSource(draft, ['transportSocket'], policy);
}

/** Envoy: Istio's auto mTLS, by endpoint metadata `tlsMode: istio`. */
export function applyAutoMtls(draft: ClusterDraft, target: TlsTarget, policy: Origin | undefined): void {
  draft.json.transportSocketMatches = [
    { name: 'tlsMode-istio', match: ISTIO_MATCH, transportSocket: tlsSocket(istioMutualContext('envoy', target.identities, target.sni, target.h2)) },
    RAW_BUFFER_MATCH,
  ];
  mapSource(draft, ['transportSocketMatches'], policy);
}
