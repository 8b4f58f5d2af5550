import type { Diagnostic } from '../diagnostics/index.ts';
import type { PathSegment, PolicyDocument } from '../load/types.ts';

/**
 * The normalized policy model: every input document turned into typed objects with
 * references resolved. The model is built from schema-valid documents only, but its
 * builder never assumes more than the schema guarantees.
 *
 * Each object keeps its `doc` and the path of the node it came from, so any finding
 * about it can point back at file:line:col with `doc.locate(path)`.
 */

export type Labels = Readonly<Record<string, string>>;

export type Protocol =
  | 'HTTP'
  | 'HTTP2'
  | 'HTTPS'
  | 'GRPC'
  | 'GRPC-WEB'
  | 'TCP'
  | 'TLS'
  | 'MONGO'
  | 'REDIS'
  | 'MYSQL'
  | 'UNKNOWN';

export interface Origin {
  doc: PolicyDocument;
  path: readonly PathSegment[];
}

/** A workload instance source: a Deployment/StatefulSet/Pod template, or a WorkloadEntry. */
export interface Workload extends Origin {
  kind: 'Deployment' | 'StatefulSet' | 'Pod' | 'WorkloadEntry';
  name: string;
  namespace: string;
  /** Pod template labels (Deployment/StatefulSet), pod labels, or WorkloadEntry labels. */
  labels: Labels;
  serviceAccount?: string;
  /** WorkloadEntry address (IP or hostname); absent for Kubernetes workloads. */
  address?: string;
  /** Named ports (WorkloadEntry ports / container ports with a name). */
  ports: Readonly<Record<string, number>>;
  locality?: string;
  weight?: number;
  network?: string;
}

export interface ServicePort {
  name?: string;
  number: number;
  protocol: Protocol;
  /** Where the port forwards to on the workload (Service targetPort / ServiceEntry targetPort). */
  targetPort?: number | string;
  path: readonly PathSegment[];
}

/**
 * A concrete endpoint of a service: a WorkloadEntry, an inline ServiceEntry endpoint, or an
 * endpoint of a Kubernetes EndpointSlice (`discovery.k8s.io/v1`, labelled
 * `kubernetes.io/service-name`).
 */
export interface Endpoint extends Origin {
  address: string;
  labels: Labels;
  /**
   * Port name → port number overrides. For EndpointSlice endpoints: the slice's ports by name
   * (the Service port's name; `''` for the unnamed port of a single-port Service).
   */
  ports: Readonly<Record<string, number>>;
  locality?: string;
  weight?: number;
  workload?: Workload;
  /** Which kind of input declared it (absent in models assembled by hand). */
  source?: 'ServiceEntry' | 'WorkloadEntry' | 'EndpointSlice';
  /** EndpointSlice `zone` (topology.kubernetes.io/zone of the endpoint's node). */
  zone?: string;
  /**
   * EndpointSlice conditions as written; absent = not stated (Kubernetes reads a missing
   * `ready` as ready). Static endpoints carry none.
   */
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export type Resolution = 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'NONE';

export interface Service extends Origin {
  source: 'kubernetes' | 'serviceentry';
  /** Kubernetes Service name, or the ServiceEntry's name. */
  name: string;
  namespace: string;
  /** The fully qualified host: `reviews.default.svc.cluster.local` or the ServiceEntry host. */
  hostname: string;
  /** Every name that reaches this service from inside its namespace and outside, hostname included. */
  aliases: readonly string[];
  ports: readonly ServicePort[];
  /** Kubernetes selector or ServiceEntry workloadSelector; undefined = no selector. */
  selector?: Labels;
  /** Workloads in the service's namespace whose labels match the selector. */
  workloads: readonly Workload[];
  /**
   * Known endpoints: ServiceEntry endpoints, WorkloadEntries selected by the selector, and the
   * endpoints of the Service's EndpointSlices (Kubernetes Services).
   */
  endpoints: readonly Endpoint[];
  resolution: Resolution;
  location: 'MESH_INTERNAL' | 'MESH_EXTERNAL';
  exportTo: readonly string[];
  /** Kubernetes `type: ExternalName` Services: the DNS name the service aliases. */
  externalName?: string;
}

/** A host as written in a policy, with what it resolved to. */
export interface HostReference {
  /** As written: `reviews`, `reviews.default`, `*.example.com`. */
  written: string;
  /** Fully qualified in the context of the referring namespace (short names get `.NS.svc.cluster.local`). */
  fqdn: string;
  /** The service it names, when there is exactly one; undefined for wildcards and unknown hosts. */
  service?: Service;
  path: readonly PathSegment[];
}

export interface RouteDestination {
  host: HostReference;
  port?: number;
  subset?: string;
  /** As written; undefined when absent. Istio treats a lone destination with no weight as 100. */
  weight?: number;
  /** Resolved subset, when the destination names one that exists. */
  resolvedSubset?: Subset;
  path: readonly PathSegment[];
}

export interface HttpRoute {
  /** Index in `spec.http`. */
  index: number;
  name?: string;
  path: readonly PathSegment[];
  /** The raw `match` list (Istio HTTPMatchRequest objects); empty = matches everything. */
  matches: readonly Record<string, unknown>[];
  destinations: readonly RouteDestination[];
  /** The raw rule, for settings the model does not normalize (timeout, retries, fault, ...). */
  raw: Readonly<Record<string, unknown>>;
}

export interface TcpTlsRoute {
  protocol: 'tcp' | 'tls';
  index: number;
  path: readonly PathSegment[];
  matches: readonly Record<string, unknown>[];
  destinations: readonly RouteDestination[];
  raw: Readonly<Record<string, unknown>>;
}

export interface VirtualService extends Origin {
  /** 'VirtualService', or 'HTTPRoute'/'GRPCRoute' for Gateway API routes converted to this form. */
  sourceKind: 'VirtualService' | 'HTTPRoute' | 'GRPCRoute';
  name: string;
  namespace: string;
  hosts: readonly HostReference[];
  /** Gateways as written (`mesh` included when present or when the list is empty). */
  gateways: readonly string[];
  /** True when it applies to sidecars (gateways empty or containing `mesh`). */
  appliesToMesh: boolean;
  exportTo: readonly string[];
  http: readonly HttpRoute[];
  tcp: readonly TcpTlsRoute[];
  tls: readonly TcpTlsRoute[];
}

export interface Subset {
  name: string;
  labels: Labels;
  /** Workloads (of the DestinationRule's service) whose labels match. */
  workloads: readonly Workload[];
  /** Static endpoints of the service whose labels match. */
  endpoints: readonly Endpoint[];
  trafficPolicy?: Readonly<Record<string, unknown>>;
  path: readonly PathSegment[];
}

export interface DestinationRule extends Origin {
  name: string;
  namespace: string;
  host: HostReference;
  subsets: readonly Subset[];
  trafficPolicy?: Readonly<Record<string, unknown>>;
  exportTo: readonly string[];
  workloadSelector?: Labels;
}

export interface WorkloadSelection {
  /** undefined = no selector (namespace-wide, or mesh-wide in the root namespace). */
  selector?: Labels;
  /** Workloads in the policy's namespace (all namespaces for the root namespace) it applies to. */
  workloads: readonly Workload[];
  path: readonly PathSegment[];
}

export type MtlsMode = 'UNSET' | 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface PeerAuthentication extends Origin {
  name: string;
  namespace: string;
  scope: 'mesh' | 'namespace' | 'workload';
  selection: WorkloadSelection;
  mode: MtlsMode;
  portLevel: Readonly<Record<string, MtlsMode>>;
}

export type AuthorizationAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

export interface AuthorizationPolicy extends Origin {
  name: string;
  namespace: string;
  scope: 'mesh' | 'namespace' | 'workload';
  selection: WorkloadSelection;
  action: AuthorizationAction;
  /** `spec.rules` as written (undefined when the field is absent). */
  rules?: readonly Record<string, unknown>[];
  provider?: string;
}

export interface RequestAuthentication extends Origin {
  name: string;
  namespace: string;
  scope: 'mesh' | 'namespace' | 'workload';
  selection: WorkloadSelection;
  jwtRules: readonly Record<string, unknown>[];
}

export interface RolloutStep {
  index: number;
  kind: 'setWeight' | 'pause' | 'analysis' | 'setHeaderRoute' | 'setMirrorRoute';
  raw: Readonly<Record<string, unknown>>;
  path: readonly PathSegment[];
}

export interface Rollout extends Origin {
  name: string;
  namespace: string;
  virtualServiceName: string;
  /** Route by name or by index in `spec.http`, as written. */
  route?: string | number;
  stableSubset: string;
  canarySubset: string;
  steps: readonly RolloutStep[];
  /** The VirtualService it targets, when found in the rollout's namespace. */
  virtualService?: VirtualService;
  /** The HTTP route it targets, when found. */
  targetRoute?: HttpRoute;
  raw: Readonly<Record<string, unknown>>;
}

export interface AnalysisMetric {
  name: string;
  /** Provider names present on the metric (`prometheus`, `web`, `datadog`, ...). */
  providers: readonly string[];
  /** The Prometheus query, when the provider is prometheus. */
  query?: string;
  raw: Readonly<Record<string, unknown>>;
  path: readonly PathSegment[];
}

export interface AnalysisTemplate extends Origin {
  kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate';
  name: string;
  /** '' for ClusterAnalysisTemplate. */
  namespace: string;
  args: readonly { name: string; value?: string }[];
  metrics: readonly AnalysisMetric[];
}

export interface Gateway extends Origin {
  name: string;
  namespace: string;
  /** Which API defined it: Istio `networking.istio.io` Gateway or Gateway API `gateway.networking.k8s.io` Gateway. */
  api?: 'istio' | 'gateway-api';
}

/**
 * The whole policy. Lookups by host are by FQDN; the root namespace (mesh-wide policy)
 * is `istio-system`, as in Istio's default install.
 */
export interface PolicyModel {
  rootNamespace: string;
  /** Kubernetes cluster domain used to qualify short names (default `cluster.local`). */
  domainSuffix?: string;
  services: readonly Service[];
  workloads: readonly Workload[];
  virtualServices: readonly VirtualService[];
  destinationRules: readonly DestinationRule[];
  gateways: readonly Gateway[];
  peerAuthentications: readonly PeerAuthentication[];
  authorizationPolicies: readonly AuthorizationPolicy[];
  requestAuthentications: readonly RequestAuthentication[];
  rollouts: readonly Rollout[];
  analysisTemplates: readonly AnalysisTemplate[];
  /** Every service reachable by this FQDN (several when a Service and a ServiceEntry share a host). */
  servicesByHost: ReadonlyMap<string, readonly Service[]>;
  /** Documents the model was built from (schema-valid ones). */
  documents: readonly PolicyDocument[];
}

export interface ModelResult {
  model: PolicyModel;
  /** Problems found while resolving (none for a clean model; analyzers report the rest). */
  diagnostics: Diagnostic[];
}
