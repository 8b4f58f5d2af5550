/**
 * Builds the Cluster (and, for EDS, the ClusterLoadAssignment) of one service port, for the
 * service as a whole or for one subset, from the traffic policy in effect.
 *
 * Discovery type by resolution — Envoy: STATIC → EDS over ADS, DNS → STRICT_DNS,
 * DNS_ROUND_ROBIN → LOGICAL_DNS (endpoints inline; V4_PREFERRED, the record's TTL, else
 * 60 s), NONE → ORIGINAL_DST. gRPC: STATIC →
 * EDS, DNS and DNS_ROUND_ROBIN → LOGICAL_DNS (one host), NONE → EDS with the endpoints
 * sluice knows (diagnosed when there are none); a DNS cluster left without a host to resolve
 * becomes an EDS cluster with no endpoints, which gRPC accepts.
 */
import { matchesSelector } from '../../model/index.ts';
import type { Origin, Service, ServicePort } from '../../model/index.ts';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { clusterName } from '../naming.ts';
import type { Flavor, Resource, SourceMapEntry, TranslateContext } from '../types.ts';
import { assignmentJson, localityEndpointsJson, withoutDuplicates } from './assignment.ts';
import { DNS_CLUSTER_WITHOUT_HOST, LOCALITY_NEEDS_PROXY_LOCALITY, MIXED_MTLS_MODES, POLICY_NOT_TRANSLATED, RESOLUTION_UNSUPPORTED } from './codes.ts';
import { applyConnectionPool } from './connection-pool.ts';
import { mapSource, type ClusterDraft } from './draft.ts';
import { hostEndpoint, servedEndpoints, type ServedEndpoint } from './endpoints.ts';
import { Findings } from './findings.ts';
import { isRecord, memo, sharedPart, subPart } from './json.ts';
import { applyLoadBalancer } from './load-balancer.ts';
import { distributes, localityGroups, proxyLocality, type Locality, type LocalityPolicy } from './locality.ts';
import { MtlsModes, type ModeDecision } from './mtls.ts';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from './names.ts';
import { applyOutlierDetection } from './outlier.ts';
import type { PolicyParts } from './policy.ts';
import type { AppliedRules, SubsetRule } from './rules.ts';
import { applyAutoMtls, applyStrictMtls, applyTls, istioSni, spiffeId, type TlsTarget } from './tls.ts';

const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
const ROOT: readonly string[] = Object.freeze([]);
const EDS_OVER_ADS = sharedPart({ ads: {}, resourceApiVersion: 'V3' });
/** Per service, across proxy classes: its identities, and its `istio` cluster metadata entry. */
const identityCache = new WeakMap<Service, string[]>();
const serviceMetadata = new WeakMap<object, Map<string, unknown>>();

/** The PeerAuthentication node that decided a mode: its `mtls`, or its port-level entry. */
function policyNode(decision: ModeDecision): Origin | undefined {
  const pa = decision.policy;
  if (!pa) return undefined;
  const port = decision.port;
  return { doc: pa.doc, path: port !== undefined ? ['spec', 'portLevelMtls', port] : ['spec', 'mtls'] };
}

type DiscoveryType = 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';

export interface ClusterRequest {
  host: string;
  port: ServicePort;
  service: Service;
  rules: AppliedRules | undefined;
  policy: PolicyParts;
  subset?: SubsetRule;
}

export class ClusterBuilder {
  readonly findings: Findings;
  private readonly flavor: Flavor;
  private readonly mtls: MtlsModes;
  private readonly locality: Locality | undefined;
  private endpointCache: { key: ServicePort; service: Service; ipOnly: boolean; list: ServedEndpoint[] } | undefined;

  private readonly built: ((resource: Resource) => void) | undefined;

  constructor(private readonly ctx: TranslateContext) {
    this.built = ctx.options.built;
    this.findings = new Findings(ctx);
    this.flavor = ctx.proxy.flavor;
    this.mtls = new MtlsModes(ctx.model);
    this.locality = proxyLocality(ctx.proxy.labels);
  }

  /** The Cluster (into `clusters`) and, for EDS clusters, its ClusterLoadAssignment (into `assignments`). */
  build(request: ClusterRequest, clusters: Resource[], assignments: Resource[]): void {
    const { host, port, service, policy, subset } = request;
    const name = clusterName('outbound', port.number, subset?.subset.name, host);
    const draft: ClusterDraft = { name, host, flavor: this.flavor, json: { name }, sources: [{ path: ROOT, origin: service }], findings: this.findings };
    if (subset) mapSource(draft, ['name'], { doc: subset.rule.doc, path: subset.subset.path });
    this.notTranslated(draft, policy);

    let type = this.discoveryType(service, port);
    const endpoints = type === 'ORIGINAL_DST' ? [] : this.endpointsOf(draft, service, port, type, subset);
    if (type !== 'EDS' && type !== 'ORIGINAL_DST' && endpoints.length === 0 && this.flavor === 'grpc') type = 'EDS';
    draft.json.type = type;
    if (type === 'EDS') draft.json.edsClusterConfig = { edsConfig: EDS_OVER_ADS, serviceName: name };
    else if (this.flavor === 'envoy' && (type === 'STRICT_DNS' || type === 'LOGICAL_DNS')) {
      // as Istio: re-resolve at the record's TTL (else every 60 s); IPv4 first, IPv6 when there is no A record
      draft.json.dnsLookupFamily = 'V4_PREFERRED';
      draft.json.dnsRefreshRate = '60s';
      draft.json.respectDnsTtl = true;
    }

    const h2 = applyConnectionPool(draft, policy.connectionPool, port.protocol);
    applyOutlierDetection(draft, policy.outlierDetection);
    const passthrough = applyLoadBalancer(draft, policy.loadBalancer);
    if (passthrough) type = 'ORIGINAL_DST';

    const localityPolicy = this.localityPolicy(draft, policy);
    const autoMtls = this.applyTransport(draft, request, h2, endpoints, type);
    const groups = localityGroups(endpoints, localityPolicy);
    const tlsMode = autoMtls ? (e: ServedEndpoint) => this.acceptsIstioMtls(e, service) : undefined;

    if (this.flavor === 'envoy') this.metadata(draft, request);
    if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
      draft.json.loadAssignment = { clusterName: name, endpoints: localityEndpointsJson(groups, ['loadAssignment', 'endpoints'], draft.sources, tlsMode) };
    } else if (type === 'EDS') {
      const cla = assignmentJson(name, groups, service, tlsMode);
      if (subset) cla.sources.push({ path: ['clusterName'], origin: { doc: subset.rule.doc, path: subset.subset.path } });
      const assignment: Resource = { typeUrl: RESOURCE_TYPE_URLS.clusterLoadAssignment, name, json: cla.json as JsonObject, sources: cla.sources };
      assignments.push(assignment);
      this.built?.(assignment);
    }
    const cluster: Resource = { typeUrl: RESOURCE_TYPE_URLS.cluster, name, json: draft.json as JsonObject, sources: draft.sources };
    clusters.push(cluster);
    this.built?.(cluster);
  }

  private notTranslated(draft: ClusterDraft, policy: PolicyParts): void {
    for (const part of [policy.proxyProtocol, policy.tunnel]) {
      if (!part) continue;
      const field = part.path[part.path.length - 1];
      draft.findings.at(POLICY_NOT_TRANSLATED, part, `trafficPolicy.${String(field)} is not compiled by sluice yet; the clusters of ${draft.host} are built without it`);
    }
  }

  private resolutionOrigin(service: Service): Origin {
    if (service.source === 'serviceentry') return { doc: service.doc, path: ['spec', 'resolution'] };
    return { doc: service.doc, path: service.externalName !== undefined ? ['spec', 'type'] : ['spec', 'clusterIP'] };
  }

  private discoveryType(service: Service, port: ServicePort): DiscoveryType {
    const grpc = this.flavor === 'grpc';
    switch (service.resolution) {
      case 'STATIC':
        return 'EDS';
      case 'DNS':
        if (grpc) {
          this.findings.at(
            RESOLUTION_UNSUPPORTED,
            this.resolutionOrigin(service),
            `gRPC clients have no STRICT_DNS clusters; ${service.hostname} is sent to them as LOGICAL_DNS (one host name, its addresses tried in turn)`,
            [],
            { severity: 'info' },
          );
          return 'LOGICAL_DNS';
        }
        return 'STRICT_DNS';
      case 'DNS_ROUND_ROBIN':
        return 'LOGICAL_DNS';
      default:
        if (!grpc) return 'ORIGINAL_DST';
        if (service.endpoints.length === 0) {
          this.findings.at(
            RESOLUTION_UNSUPPORTED,
            this.resolutionOrigin(service),
            `gRPC clients cannot pass traffic through to the original destination; ${service.hostname}:${port.number} has no endpoints sluice knows, so gRPC clients get none`,
          );
        }
        return 'EDS';
    }
  }

  private served(service: Service, port: ServicePort, ipOnly: boolean): ServedEndpoint[] {
    const cached = this.endpointCache;
    if (cached && cached.key === port && cached.service === service && cached.ipOnly === ipOnly) return cached.list;
    const list = servedEndpoints(service, port, this.findings, ipOnly);
    this.endpointCache = { key: port, service, ipOnly, list };
    return list;
  }

  private endpointsOf(draft: ClusterDraft, service: Service, port: ServicePort, type: DiscoveryType, entry: SubsetRule | undefined): ServedEndpoint[] {
    const subset = entry?.subset;
    const dns = type === 'STRICT_DNS' || type === 'LOGICAL_DNS';
    let all = this.served(service, port, !dns);
    if (dns && service.endpoints.length === 0) {
      const own = hostEndpoint(service, port);
      all = own ? [own] : [];
    }
    const selected = subset && Object.keys(subset.labels).length > 0 ? all.filter((e) => matchesSelector(e.labels, subset.labels)) : all;
    let endpoints = withoutDuplicates(selected, draft.name, this.findings);
    if (dns) {
      const where: Origin = entry ? { doc: entry.rule.doc, path: entry.subset.path } : this.resolutionOrigin(service);
      if (endpoints.length === 0) {
        const why = subset ? `subset "${subset.name}" selects none of its endpoints` : 'it has no endpoints and its host is a wildcard';
        this.findings.at(DNS_CLUSTER_WITHOUT_HOST, where, `DNS cluster ${draft.name} has no host name to resolve: ${why}`);
      } else if (type === 'LOGICAL_DNS' && endpoints.length > 1) {
        endpoints.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
        const first = endpoints[0] as ServedEndpoint;
        this.findings.at(
          DNS_CLUSTER_WITHOUT_HOST,
          where,
          `LOGICAL_DNS cluster ${draft.name} resolves one host name; of its ${endpoints.length} endpoints only ${first.address}:${first.port} is used`,
        );
        endpoints = [first];
      }
    }
    return endpoints;
  }

  private localityPolicy(draft: ClusterDraft, policy: PolicyParts): LocalityPolicy | undefined {
    const setting = subPart(policy.loadBalancer, 'localityLbSetting');
    const outlier = policy.outlierDetection;
    if (!setting && !outlier) return undefined;
    if (!this.locality) {
      if (setting && setting.value.enabled !== false) {
        this.findings.at(LOCALITY_NEEDS_PROXY_LOCALITY, setting, `proxies of class ${this.ctx.proxy.key} carry no locality labels; localityLbSetting of ${draft.host} is not applied to them`);
      }
      return undefined;
    }
    const result: LocalityPolicy = { proxy: this.locality, proxyLabels: this.ctx.proxy.labels };
    if (setting) result.setting = setting;
    if (outlier) result.outlier = outlier;
    const failover = setting !== undefined && outlier !== undefined && (Array.isArray(setting.value.failover) || Array.isArray(setting.value.failoverPriority));
    if (this.flavor === 'envoy' && setting && setting.value.enabled !== false && (distributes(setting) || failover)) {
      const commonLb = (draft.json.commonLbConfig ??= {}) as Record<string, unknown>;
      commonLb.localityWeightedLbConfig = {};
      mapSource(draft, ['commonLbConfig', 'localityWeightedLbConfig'], setting);
    }
    return result;
  }

  /** SPIFFE identities of the service's workloads and endpoints, and a ServiceEntry's subjectAltNames; sorted. */
  private identities(service: Service): string[] {
    let ids = identityCache.get(service);
    if (!ids) {
      const set = new Set<string>();
      for (const w of service.workloads) if (w.serviceAccount) set.add(spiffeId(w.namespace, w.serviceAccount));
      for (const e of service.endpoints) if (e.workload?.serviceAccount) set.add(spiffeId(e.workload.namespace, e.workload.serviceAccount));
      if (service.source === 'serviceentry') {
        const spec = service.doc.data.spec;
        const sans = isRecord(spec) && Array.isArray(spec.subjectAltNames) ? spec.subjectAltNames : [];
        for (const s of sans) if (typeof s === 'string' && s !== '') set.add(s);
      }
      ids = sharedPart([...set].sort());
      identityCache.set(service, ids);
    }
    return ids;
  }

  private modeOf(e: ServedEndpoint, service: Service): ModeDecision {
    return this.mtls.forWorkload(e.endpoint?.workload, service.namespace, e.port);
  }

  /** Envoy auto mTLS: the endpoint has a sidecar (label) or only accepts mutual TLS (STRICT), and does not refuse it. */
  private acceptsIstioMtls(e: ServedEndpoint, service: Service): boolean {
    const mode = this.modeOf(e, service).mode;
    if (mode === 'DISABLE') return false;
    return mode === 'STRICT' || e.labels[TLS_MODE_LABEL] === 'istio';
  }

  /** TLS of the cluster; returns true when Envoy auto mTLS (endpoint metadata) is in effect. */
  private applyTransport(draft: ClusterDraft, request: ClusterRequest, h2: boolean, endpoints: readonly ServedEndpoint[], type: DiscoveryType): boolean {
    const { host, port, service, policy, subset } = request;
    const target: TlsTarget = { sni: istioSni(port.number, subset?.subset.name, host), hostname: host, identities: this.identities(service), h2 };
    if (policy.tls) {
      applyTls(draft, policy.tls, target);
      return false;
    }
    if (service.location === 'MESH_EXTERNAL' || type === 'ORIGINAL_DST') return false;
    if (this.flavor === 'envoy') {
      const namespaceMode = this.mtls.forNamespace(service.namespace);
      if (namespaceMode.mode === 'DISABLE') return false;
      applyAutoMtls(draft, target, policyNode(namespaceMode));
      return true;
    }
    if (this.mtls.empty) return false;
    const decisions = endpoints.length > 0 ? endpoints.map((e) => this.modeOf(e, service)) : [this.mtls.forNamespace(service.namespace)];
    const strict = decisions.find((d) => d.mode === 'STRICT');
    if (!strict) return false;
    const disabled = decisions.find((d) => d.mode === 'DISABLE');
    const disabledAt = disabled ? policyNode(disabled) : undefined;
    if (disabledAt) {
      this.findings.at(MIXED_MTLS_MODES, disabledAt, `some endpoints of ${draft.host} require mutual TLS and this policy disables it for others; gRPC clients use mutual TLS for all of them`);
    }
    applyStrictMtls(draft, target, policyNode(strict));
    return false;
  }

  private metadata(draft: ClusterDraft, request: ClusterRequest): void {
    const { service, rules, subset } = request;
    const services = memo(serviceMetadata, service, request.host, () => sharedPart([{ host: request.host, name: service.name, namespace: service.namespace }]));
    const istio: Record<string, unknown> = { services };
    const rule = subset?.rule ?? rules?.policy?.rule ?? rules?.rules[0];
    if (rule) istio.config = `/apis/networking.istio.io/v1/namespaces/${rule.namespace}/destination-rule/${rule.name}`;
    if (subset) istio.subset = subset.subset.name;
    draft.json.metadata = { filterMetadata: { istio } };
  }
}

/** Envoy's catch-all clusters, as Istio names them: traffic to nowhere and to the original destination. */
export function wellKnownClusters(): Resource[] {
  const blackHole = { name: BLACKHOLE_CLUSTER, type: 'STATIC', connectTimeout: '10s', lbPolicy: 'ROUND_ROBIN' };
  const passthrough = {
    name: PASSTHROUGH_CLUSTER,
    type: 'ORIGINAL_DST',
    connectTimeout: '10s',
    lbPolicy: 'CLUSTER_PROVIDED',
    circuitBreakers: { thresholds: [{ maxConnections: 0xffffffff, maxPendingRequests: 0xffffffff, maxRequests: 0xffffffff, maxRetries: 0xffffffff, trackRemaining: true }] },
    typedExtensionProtocolOptions: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        useDownstreamProtocolConfig: { httpProtocolOptions: {}, http2ProtocolOptions: {} },
      },
    },
  };
  const none: SourceMapEntry[] = [];
  return [
    { typeUrl: RESOURCE_TYPE_URLS.cluster, name: blackHole.name, json: blackHole as JsonObject, sources: none },
    { typeUrl: RESOURCE_TYPE_URLS.cluster, name: passthrough.name, json: passthrough as JsonObject, sources: [] },
  ];
}

