/**
 * Builds the policy model from loaded documents. Never throws: anything of the wrong
 * shape is skipped (the schema stage reports it). Linear in the number of documents:
 * selectors go through a label index, hosts through maps.
 */
import type { Diagnostic } from '../diagnostics/index.ts';
import type { PathSegment, PolicyDocument } from '../load/types.ts';
import { endpointSliceIndex } from './endpointslices.ts';
import { convertGatewayRoute, isGatewayApiRoute } from './gatewayapi.ts';
import { DEFAULT_DOMAIN_SUFFIX, DEFAULT_ROOT_NAMESPACE, isWildcardHost, kubernetesHostname, resolveHostName } from './hosts.ts';
import { arr, dig, isRecord, labelsOf, num, numStrict, rec, recordList, records, str, strings } from './json.ts';
import type { JsonRecord } from './json.ts';
import { ModelIndex, registerIndex } from './lookup.ts';
import { child, pathOf, ROOT_PATH } from './paths.ts';
import { declaredProtocol, kubernetesPortProtocol } from './protocol.ts';
import { matchesSelector, WorkloadIndex } from './selector.ts';
import type {
  AnalysisMetric,
  AnalysisTemplate,
  AuthorizationAction,
  AuthorizationPolicy,
  DestinationRule,
  Endpoint,
  Gateway,
  HostReference,
  HttpRoute,
  ModelResult,
  MtlsMode,
  PeerAuthentication,
  PolicyModel,
  RequestAuthentication,
  Resolution,
  Rollout,
  RolloutStep,
  RouteDestination,
  Service,
  ServicePort,
  Subset,
  TcpTlsRoute,
  VirtualService,
  Workload,
  WorkloadSelection,
} from './types.ts';

export interface BuildOptions {
  /** Namespace whose selector-less policies apply mesh-wide. Default `istio-system`. */
  rootNamespace?: string | undefined;
  /** Kubernetes cluster domain. Default `cluster.local`. */
  domainSuffix?: string | undefined;
}

export const ISTIO_NETWORKING = 'networking.istio.io';
export const ISTIO_SECURITY = 'security.istio.io';
export const GATEWAY_API = 'gateway.networking.k8s.io';
export const SLUICE_ROLLOUTS = 'rollouts.sluice.dev';
export const ARGO = 'argoproj.io';

/** What an incremental update (update.ts) needs from the build of a model besides the model. */
export interface BuildState {
  rootNamespace: string;
  domainSuffix: string;
  workloadIndex: WorkloadIndex;
  index: ModelIndex;
  routeContext: Parameters<typeof convertGatewayRoute>[1];
}

const buildStates = new WeakMap<PolicyModel, BuildState>();

export function buildStateOf(model: PolicyModel): BuildState | undefined {
  return buildStates.get(model);
}

export function registerBuildState(model: PolicyModel, state: BuildState): void {
  buildStates.set(model, state);
}

/** Points the destinations of `vs` that name a subset at it, through the DestinationRules that apply from the route's namespace. */
export function resolveSubsets(vs: VirtualService, index: Pick<ModelIndex, 'findSubset'>): void {
  for (const routes of [vs.http, vs.tcp, vs.tls]) {
    for (const route of routes) {
      for (const d of route.destinations) {
        if (d.subset === undefined) continue;
        const found = index.findSubset(vs.namespace, d.host.fqdn, d.subset);
        if (found) d.resolvedSubset = found.subset;
      }
    }
  }
}

function specOf(doc: PolicyDocument): JsonRecord {
  return rec(doc.data.spec) ?? {};
}

const NO_EXPORT: readonly string[] = Object.freeze([]);

function exportToOf(value: unknown): readonly string[] {
  return strings(value);
}

// ---------------------------------------------------------------------------- workloads

const ROOT: readonly PathSegment[] = ROOT_PATH;
const TEMPLATE: readonly PathSegment[] = pathOf('spec', 'template');
const SPEC = pathOf('spec');
const SPEC_HOSTS = pathOf('spec', 'hosts');
const SPEC_HTTP = pathOf('spec', 'http');
const SPEC_PORTS = pathOf('spec', 'ports');
const SPEC_SUBSETS = pathOf('spec', 'subsets');
const SPEC_ENDPOINTS = pathOf('spec', 'endpoints');
const SPEC_HOST = pathOf('spec', 'host');
const SPEC_SELECTOR = pathOf('spec', 'selector');

const NO_PORTS: Readonly<Record<string, number>> = Object.freeze({});

function containerPorts(podSpec: JsonRecord | undefined): Readonly<Record<string, number>> {
  let ports: Record<string, number> | undefined;
  for (const container of recordList(podSpec?.containers)) {
    for (const port of recordList(container.ports)) {
      const name = str(port.name);
      const number = num(port.containerPort);
      if (name !== undefined && number !== undefined) (ports ??= {})[name] = number;
    }
  }
  return ports ?? NO_PORTS;
}

function podWorkload(doc: PolicyDocument, kind: 'Deployment' | 'StatefulSet' | 'Pod'): Workload {
  const spec = specOf(doc);
  const template = kind === 'Pod' ? doc.data : rec(spec.template);
  const podSpec = kind === 'Pod' ? spec : rec(template?.spec);
  const labels = labelsOf(dig(template, 'metadata', 'labels'));
  const workload: Workload = {
    doc,
    path: kind === 'Pod' ? ROOT : TEMPLATE,
    kind,
    name: doc.name,
    namespace: doc.namespace,
    labels,
    serviceAccount: str(podSpec?.serviceAccountName) ?? str(podSpec?.serviceAccount) ?? 'default',
    ports: containerPorts(podSpec),
  };
  return workload;
}

function numberMap(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    const n = num(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

function workloadEntryFields(spec: JsonRecord): Pick<Workload, 'labels' | 'ports'> & Partial<Pick<Workload, 'address' | 'serviceAccount' | 'locality' | 'weight' | 'network'>> {
  const out: Pick<Workload, 'labels' | 'ports'> & Partial<Pick<Workload, 'address' | 'serviceAccount' | 'locality' | 'weight' | 'network'>> = {
    labels: labelsOf(spec.labels),
    ports: numberMap(spec.ports),
  };
  const address = str(spec.address);
  if (address !== undefined) out.address = address;
  const sa = str(spec.serviceAccount);
  if (sa !== undefined) out.serviceAccount = sa;
  const locality = str(spec.locality);
  if (locality !== undefined) out.locality = locality;
  const weight = num(spec.weight);
  if (weight !== undefined) out.weight = weight;
  const network = str(spec.network);
  if (network !== undefined) out.network = network;
  return out;
}

function workloadEntry(doc: PolicyDocument): Workload {
  return { doc, path: [], kind: 'WorkloadEntry', name: doc.name, namespace: doc.namespace, ...workloadEntryFields(specOf(doc)) };
}

const NO_ENDPOINTS: readonly Endpoint[] = Object.freeze([]);

function workloadEntryEndpoints(selected: readonly Workload[]): readonly Endpoint[] {
  let out: Endpoint[] | undefined;
  for (const w of selected) if (w.kind === 'WorkloadEntry') (out ??= []).push(endpointOfWorkloadEntry(w));
  return out ?? NO_ENDPOINTS;
}

function endpointOfWorkloadEntry(w: Workload): Endpoint {
  const e: Endpoint = { doc: w.doc, path: w.path, address: w.address ?? '', labels: w.labels, ports: w.ports, workload: w, source: 'WorkloadEntry' };
  if (w.locality !== undefined) e.locality = w.locality;
  if (w.weight !== undefined) e.weight = w.weight;
  return e;
}

// ----------------------------------------------------------------------------- services

function kubernetesService(doc: PolicyDocument, domainSuffix: string, workloads: WorkloadIndex, slices: ReadonlyMap<string, Endpoint[]>): Service {
  const spec = specOf(doc);
  const ports: ServicePort[] = [];
  for (const { item: port, index } of records(spec.ports)) {
    const number = num(port.port);
    if (number === undefined) continue;
    const name = str(port.name);
    const p: ServicePort = {
      number,
      protocol: kubernetesPortProtocol({ number, name, protocol: str(port.protocol), appProtocol: str(port.appProtocol) }),
      path: child(SPEC_PORTS, index),
    };
    if (name !== undefined) p.name = name;
    const target = port.targetPort;
    if (typeof target === 'number' || typeof target === 'string') p.targetPort = target;
    ports.push(p);
  }
  const type = str(spec.type);
  const selectorLabels = labelsOf(spec.selector);
  const hasSelector = type !== 'ExternalName' && Object.keys(selectorLabels).length > 0;
  const hostname = kubernetesHostname(doc.name, doc.namespace, domainSuffix);
  let resolution: Resolution = 'STATIC';
  if (type === 'ExternalName') resolution = 'DNS';
  else if (spec.clusterIP === 'None') resolution = 'NONE';
  const exportAnnotation = str(dig(doc.data, 'metadata', 'annotations', 'networking.istio.io/exportTo'));
  const selected = hasSelector ? workloads.select(doc.namespace, selectorLabels) : [];
  const fromEntries = workloadEntryEndpoints(selected);
  const fromSlices = slices.get(`${doc.namespace}/${doc.name}`);
  const service: Service = {
    doc,
    path: ROOT,
    source: 'kubernetes',
    name: doc.name,
    namespace: doc.namespace,
    hostname,
    aliases: [doc.name, `${doc.name}.${doc.namespace}`, `${doc.name}.${doc.namespace}.svc`, hostname],
    ports,
    workloads: selected,
    endpoints: fromSlices ? [...fromEntries, ...fromSlices] : fromEntries,
    resolution,
    location: 'MESH_INTERNAL',
    exportTo: exportAnnotation === undefined ? NO_EXPORT : exportAnnotation.split(',').map((s) => s.trim()).filter((s) => s !== ''),
  };
  if (hasSelector) service.selector = selectorLabels;
  const externalName = type === 'ExternalName' ? str(spec.externalName) : undefined;
  if (externalName !== undefined && externalName !== '') service.externalName = externalName;
  return service;
}

const RESOLUTIONS = new Set<Resolution>(['STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'NONE']);

function serviceEntryServices(doc: PolicyDocument, workloads: WorkloadIndex): Service[] {
  const spec = specOf(doc);
  const ports: ServicePort[] = [];
  for (const { item: port, index } of records(spec.ports)) {
    const number = num(port.number);
    if (number === undefined) continue;
    const p: ServicePort = { number, protocol: declaredProtocol(str(port.protocol)), path: child(SPEC_PORTS, index) };
    const name = str(port.name);
    if (name !== undefined) p.name = name;
    const target = num(port.targetPort);
    if (target !== undefined) p.targetPort = target;
    ports.push(p);
  }
  const resolutionRaw = str(spec.resolution);
  const resolution: Resolution = resolutionRaw !== undefined && RESOLUTIONS.has(resolutionRaw as Resolution) ? (resolutionRaw as Resolution) : 'NONE';
  const location = spec.location === 'MESH_INTERNAL' ? 'MESH_INTERNAL' : 'MESH_EXTERNAL';

  const endpoints: Endpoint[] = [];
  for (const { item: ep, index } of records(spec.endpoints)) {
    const fields = workloadEntryFields(ep);
    const e: Endpoint = { doc, path: child(SPEC_ENDPOINTS, index), address: fields.address ?? '', labels: fields.labels, ports: fields.ports, source: 'ServiceEntry' };
    if (fields.locality !== undefined) e.locality = fields.locality;
    if (fields.weight !== undefined) e.weight = fields.weight;
    endpoints.push(e);
  }
  const selectorRaw = rec(spec.workloadSelector);
  const selector = selectorRaw ? labelsOf(selectorRaw.labels) : undefined;
  const selected = selector ? workloads.select(doc.namespace, selector) : [];
  for (const w of selected) if (w.kind === 'WorkloadEntry') endpoints.push(endpointOfWorkloadEntry(w));

  const exportTo = exportToOf(spec.exportTo);
  const out: Service[] = [];
  arr(spec.hosts).forEach((host, index) => {
    if (typeof host !== 'string' || host === '') return;
    const service: Service = {
      doc,
      path: child(SPEC_HOSTS, index),
      source: 'serviceentry',
      name: doc.name,
      namespace: doc.namespace,
      hostname: host,
      aliases: [host],
      ports,
      workloads: selected,
      endpoints,
      resolution,
      location,
      exportTo,
    };
    if (selector) service.selector = selector;
    out.push(service);
  });
  return out;
}

// ------------------------------------------------------------------------------- routes

export interface Resolver {
  domainSuffix: string;
  index: ModelIndex;
  /** namespace → written host → resolved (fqdn, service); hosts repeat across routes, resolve each once. */
  cache: Map<string, Map<string, { fqdn: string; service: Service | undefined }>>;
}

function resolveCached(written: string, namespace: string, r: Resolver): { fqdn: string; service: Service | undefined } {
  let byHost = r.cache.get(namespace);
  if (!byHost) r.cache.set(namespace, (byHost = new Map()));
  let hit = byHost.get(written);
  if (!hit) {
    const fqdn = resolveHostName(written, namespace, r.domainSuffix);
    let service: Service | undefined;
    if (!isWildcardHost(fqdn)) {
      const services = r.index.servicesAt(fqdn);
      service = services.length === 1 ? services[0] : (services.find((s) => s.source === 'kubernetes') ?? services[0]);
    }
    hit = { fqdn, service };
    byHost.set(written, hit);
  }
  return hit;
}

function hostReference(written: string, namespace: string, path: readonly PathSegment[], r: Resolver): HostReference {
  const { fqdn, service } = resolveCached(written, namespace, r);
  const ref: HostReference = { written, fqdn, path };
  if (service) ref.service = service;
  return ref;
}

function extend(base: readonly PathSegment[], a: PathSegment, b?: PathSegment): readonly PathSegment[] {
  const path = child(base, a);
  return b === undefined ? path : child(path, b);
}

function destinationsOf(list: unknown, base: readonly PathSegment[], namespace: string, r: Resolver): RouteDestination[] {
  const out: RouteDestination[] = [];
  if (!Array.isArray(list)) return out;
  for (let index = 0; index < list.length; index++) {
    const item: unknown = list[index];
    if (!isRecord(item)) continue;
    const dest = item.destination;
    if (!isRecord(dest)) continue;
    const host = dest.host;
    if (typeof host !== 'string') continue;
    const path = extend(base, index);
    const d: RouteDestination = { host: hostReference(host, namespace, extend(path, 'destination', 'host'), r), path };
    const subset = dest.subset;
    if (typeof subset === 'string') d.subset = subset;
    const port = num(dig(dest, 'port', 'number'));
    if (port !== undefined) d.port = port;
    const weight = numStrict(item.weight);
    if (weight !== undefined) d.weight = weight;
    out.push(d);
  }
  return out;
}

function matchList(value: unknown): readonly Record<string, unknown>[] {
  return recordList(value);
}

const NO_HTTP: readonly HttpRoute[] = Object.freeze([]);
const NO_L4: readonly TcpTlsRoute[] = Object.freeze([]);
const MESH_ONLY: readonly string[] = Object.freeze(['mesh']);

export function virtualService(doc: PolicyDocument, r: Resolver): VirtualService {
  const spec = specOf(doc);
  const ns = doc.namespace;
  const hosts: HostReference[] = [];
  const hostList = arr(spec.hosts);
  for (let i = 0; i < hostList.length; i++) {
    const h = hostList[i];
    if (typeof h === 'string') hosts.push(hostReference(h, ns, child(SPEC_HOSTS, i), r));
  }
  const written = strings(spec.gateways);
  const gateways = written.length === 0 ? MESH_ONLY : written;
  let http: HttpRoute[] | undefined;
  const httpList = arr(spec.http);
  for (let index = 0; index < httpList.length; index++) {
    const item = httpList[index];
    if (!isRecord(item)) continue;
    const path = child(SPEC_HTTP, index);
    const route: HttpRoute = {
      index,
      path,
      matches: matchList(item.match),
      destinations: destinationsOf(item.route, extend(path, 'route'), ns, r),
      raw: item,
    };
    const name = item.name;
    if (typeof name === 'string') route.name = name;
    (http ??= []).push(route);
  }
  const l4 = (protocol: 'tcp' | 'tls'): readonly TcpTlsRoute[] => {
    const list = spec[protocol];
    if (!Array.isArray(list) || list.length === 0) return NO_L4;
    return records(list).map(({ item, index }) => {
      const path = pathOf('spec', protocol, index);
      return { protocol, index, path, matches: matchList(item.match), destinations: destinationsOf(item.route, extend(path, 'route'), ns, r), raw: item };
    });
  };
  return {
    doc,
    path: ROOT,
    sourceKind: 'VirtualService',
    name: doc.name,
    namespace: ns,
    hosts,
    gateways,
    appliesToMesh: gateways.includes('mesh'),
    exportTo: exportToOf(spec.exportTo),
    http: http ?? NO_HTTP,
    tcp: l4('tcp'),
    tls: l4('tls'),
  };
}

// ---------------------------------------------------------------------- destination rules

function unique<T>(items: T[]): T[] {
  return items.length < 2 ? items : Array.from(new Set(items));
}

function destinationRule(doc: PolicyDocument, r: Resolver): DestinationRule {
  const spec = specOf(doc);
  const ns = doc.namespace;
  const host = hostReference(str(spec.host) ?? '', ns, SPEC_HOST, r);
  const services = host.fqdn === '' ? [] : r.index.servicesMatching(host.fqdn);
  const subsets: Subset[] = [];
  for (const { item, index } of records(spec.subsets)) {
    const name = str(item.name);
    if (name === undefined) continue;
    const labels = labelsOf(item.labels);
    const workloads: Workload[] = [];
    const endpoints: Endpoint[] = [];
    for (const s of services) {
      for (const w of s.workloads) if (matchesSelector(w.labels, labels)) workloads.push(w);
      for (const e of s.endpoints) if (matchesSelector(e.labels, labels)) endpoints.push(e);
    }
    const subset: Subset = {
      name,
      labels,
      workloads: services.length > 1 ? unique(workloads) : workloads,
      endpoints: services.length > 1 ? unique(endpoints) : endpoints,
      path: child(SPEC_SUBSETS, index),
    };
    const tp = rec(item.trafficPolicy);
    if (tp) subset.trafficPolicy = tp;
    subsets.push(subset);
  }
  const rule: DestinationRule = { doc, path: ROOT, name: doc.name, namespace: ns, host, subsets, exportTo: exportToOf(spec.exportTo) };
  const tp = rec(spec.trafficPolicy);
  if (tp) rule.trafficPolicy = tp;
  const selector = rec(spec.workloadSelector);
  if (selector) rule.workloadSelector = labelsOf(selector.matchLabels);
  return rule;
}

// ----------------------------------------------------------------------------- security

function selection(doc: PolicyDocument, rootNamespace: string, workloads: WorkloadIndex): { scope: 'mesh' | 'namespace' | 'workload'; selection: WorkloadSelection } {
  const spec = specOf(doc);
  const selectorRaw = rec(spec.selector);
  const ns = doc.namespace;
  if (selectorRaw) {
    const selector = labelsOf(selectorRaw.matchLabels);
    return { scope: 'workload', selection: { selector, workloads: workloads.select(ns, selector), path: SPEC_SELECTOR } };
  }
  if (ns === rootNamespace) return { scope: 'mesh', selection: { workloads: workloads.all(), path: SPEC } };
  return { scope: 'namespace', selection: { workloads: workloads.inNamespace(ns), path: SPEC } };
}

const MTLS_MODES = new Set<MtlsMode>(['UNSET', 'STRICT', 'PERMISSIVE', 'DISABLE']);
function mtlsMode(value: unknown): MtlsMode {
  const mode = str(dig(value, 'mode'));
  return mode !== undefined && MTLS_MODES.has(mode as MtlsMode) ? (mode as MtlsMode) : 'UNSET';
}

export function peerAuthentication(doc: PolicyDocument, root: string, workloads: WorkloadIndex): PeerAuthentication {
  const spec = specOf(doc);
  const portLevel: Record<string, MtlsMode> = {};
  if (isRecord(spec.portLevelMtls)) {
    for (const [port, value] of Object.entries(spec.portLevelMtls)) portLevel[port] = mtlsMode(value);
  }
  return { doc, path: [], name: doc.name, namespace: doc.namespace, ...selection(doc, root, workloads), mode: mtlsMode(spec.mtls), portLevel };
}

const ACTIONS = new Set<AuthorizationAction>(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
export function authorizationPolicy(doc: PolicyDocument, root: string, workloads: WorkloadIndex): AuthorizationPolicy {
  const spec = specOf(doc);
  const actionRaw = str(spec.action);
  const policy: AuthorizationPolicy = {
    doc,
    path: [],
    name: doc.name,
    namespace: doc.namespace,
    ...selection(doc, root, workloads),
    action: actionRaw !== undefined && ACTIONS.has(actionRaw as AuthorizationAction) ? (actionRaw as AuthorizationAction) : 'ALLOW',
  };
  if (Array.isArray(spec.rules)) policy.rules = matchList(spec.rules);
  const provider = str(dig(spec, 'provider', 'name'));
  if (provider !== undefined) policy.provider = provider;
  return policy;
}

export function requestAuthentication(doc: PolicyDocument, root: string, workloads: WorkloadIndex): RequestAuthentication {
  const spec = specOf(doc);
  return { doc, path: [], name: doc.name, namespace: doc.namespace, ...selection(doc, root, workloads), jwtRules: matchList(spec.jwtRules) };
}

// ------------------------------------------------------------------------------ rollouts

const STEP_KINDS = ['setWeight', 'pause', 'analysis', 'setHeaderRoute', 'setMirrorRoute'] as const;

export function rollout(doc: PolicyDocument, index: ModelIndex): Rollout {
  const spec = specOf(doc);
  const target = rec(spec.target) ?? {};
  let vsName = str(target.virtualService) ?? str(dig(target, 'virtualService', 'name')) ?? '';
  let vsNamespace = doc.namespace;
  const slash = vsName.indexOf('/');
  if (slash >= 0) {
    vsNamespace = vsName.slice(0, slash);
    vsName = vsName.slice(slash + 1);
  }
  let route: string | number | undefined;
  const routeRaw = target.route;
  if (typeof routeRaw === 'string' || (typeof routeRaw === 'number' && Number.isInteger(routeRaw))) route = routeRaw;
  else if (isRecord(routeRaw)) route = str(routeRaw.name) ?? (Number.isInteger(routeRaw.index) ? (routeRaw.index as number) : undefined);

  const stepsRaw = Array.isArray(spec.steps) ? spec.steps : dig(spec, 'strategy', 'steps');
  const stepsBase: PathSegment[] = Array.isArray(spec.steps) ? ['spec', 'steps'] : ['spec', 'strategy', 'steps'];
  const steps: RolloutStep[] = [];
  for (const { item, index: i } of records(stepsRaw)) {
    const kind = STEP_KINDS.find((k) => k in item);
    if (kind) steps.push({ index: i, kind, raw: item, path: [...stepsBase, i] });
  }
  const result: Rollout = {
    doc,
    path: [],
    name: doc.name,
    namespace: doc.namespace,
    virtualServiceName: vsName,
    stableSubset: str(target.stableSubset) ?? str(spec.stableSubset) ?? '',
    canarySubset: str(target.canarySubset) ?? str(spec.canarySubset) ?? '',
    steps,
    raw: spec,
  };
  if (route !== undefined) result.route = route;
  const vs = vsName === '' ? undefined : index.virtualService(vsNamespace, vsName);
  if (vs) {
    result.virtualService = vs;
    let targetRoute: HttpRoute | undefined;
    if (typeof route === 'number') targetRoute = vs.http.find((h) => h.index === route);
    else if (typeof route === 'string') targetRoute = vs.http.find((h) => h.name === route);
    else if (vs.http.length === 1) targetRoute = vs.http[0];
    if (targetRoute) result.targetRoute = targetRoute;
  }
  return result;
}

export function analysisTemplate(doc: PolicyDocument): AnalysisTemplate {
  const spec = specOf(doc);
  const args: { name: string; value?: string }[] = [];
  for (const { item } of records(spec.args)) {
    const name = str(item.name);
    if (name === undefined) continue;
    const value = str(item.value);
    args.push(value === undefined ? { name } : { name, value });
  }
  const metrics: AnalysisMetric[] = [];
  for (const { item, index } of records(spec.metrics)) {
    const provider = rec(item.provider) ?? {};
    const metric: AnalysisMetric = { name: str(item.name) ?? '', providers: Object.keys(provider), raw: item, path: ['spec', 'metrics', index] };
    const query = str(dig(provider, 'prometheus', 'query'));
    if (query !== undefined) metric.query = query;
    metrics.push(metric);
  }
  const kind = doc.kind === 'ClusterAnalysisTemplate' ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
  return { doc, path: [], kind, name: doc.name, namespace: kind === 'ClusterAnalysisTemplate' ? '' : doc.namespace, args, metrics };
}

// -------------------------------------------------------------------------------- build

/** Runs `make` over documents; a document that trips it (it should not) is skipped, never fatal. */
export function each<T>(docs: readonly PolicyDocument[], make: (doc: PolicyDocument) => T | undefined, into: (value: T) => void): void {
  for (const doc of docs) {
    let value: T | undefined;
    try {
      value = make(doc);
    } catch {
      continue;
    }
    if (value !== undefined) into(value);
  }
}

export function buildModel(documents: readonly PolicyDocument[], options: BuildOptions = {}): ModelResult {
  const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const domainSuffix = options.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  const diagnostics: Diagnostic[] = [];

  const byKind = new Map<string, Map<string, PolicyDocument[]>>();
  for (const doc of documents) {
    if (!doc || !isRecord(doc.data)) continue;
    let kinds = byKind.get(doc.group);
    if (!kinds) byKind.set(doc.group, (kinds = new Map()));
    let list = kinds.get(doc.kind);
    if (!list) kinds.set(doc.kind, (list = []));
    list.push(doc);
  }
  const of = (group: string, kind: string): readonly PolicyDocument[] => byKind.get(group)?.get(kind) ?? [];

  // workloads first: services, subsets and policies select from them
  const workloadIndex = new WorkloadIndex();
  const workloads: Workload[] = [];
  const addWorkload = (w: Workload) => {
    workloads.push(w);
    workloadIndex.add(w);
  };
  each(of('apps', 'Deployment'), (doc) => podWorkload(doc, 'Deployment'), addWorkload);
  each(of('apps', 'StatefulSet'), (doc) => podWorkload(doc, 'StatefulSet'), addWorkload);
  each(of('', 'Pod'), (doc) => podWorkload(doc, 'Pod'), addWorkload);
  each(of(ISTIO_NETWORKING, 'WorkloadEntry'), workloadEntry, addWorkload);

  const slices = endpointSliceIndex(of('discovery.k8s.io', 'EndpointSlice'), workloads);
  const services: Service[] = [];
  each(of('', 'Service'), (doc) => kubernetesService(doc, domainSuffix, workloadIndex, slices), (s) => services.push(s));
  each(of(ISTIO_NETWORKING, 'ServiceEntry'), (doc) => serviceEntryServices(doc, workloadIndex), (list) => {
    for (const s of list) services.push(s);
  });
  const servicesByHost = new Map<string, Service[]>();
  for (const s of services) {
    let list = servicesByHost.get(s.hostname);
    if (!list) servicesByHost.set(s.hostname, (list = []));
    list.push(s);
  }
  const index = new ModelIndex(services, { rootNamespace, domainSuffix, servicesByHost });
  const resolver: Resolver = { domainSuffix, index, cache: new Map() };

  const gateways: Gateway[] = [];
  for (const doc of of(ISTIO_NETWORKING, 'Gateway')) gateways.push({ doc, path: [], name: doc.name, namespace: doc.namespace, api: 'istio' });
  for (const doc of of(GATEWAY_API, 'Gateway')) gateways.push({ doc, path: [], name: doc.name, namespace: doc.namespace, api: 'gateway-api' });
  for (const g of gateways) index.addGateway(g);

  const destinationRules: DestinationRule[] = [];
  each(of(ISTIO_NETWORKING, 'DestinationRule'), (doc) => destinationRule(doc, resolver), (dr) => {
    destinationRules.push(dr);
    index.addDestinationRule(dr);
  });

  const virtualServices: VirtualService[] = [];
  each(of(ISTIO_NETWORKING, 'VirtualService'), (doc) => virtualService(doc, resolver), (vs) => virtualServices.push(vs));
  const serviceEntryHosts = new Map<string, string>();
  for (const s of services) {
    const key = `${s.namespace}/${s.name}`;
    if (s.source === 'serviceentry' && !serviceEntryHosts.has(key)) serviceEntryHosts.set(key, s.hostname);
  }
  const routeContext = {
    domainSuffix,
    serviceFor: (fqdn: string) => {
      const list = index.servicesAt(fqdn);
      return list.find((s) => s.source === 'kubernetes') ?? list[0];
    },
    serviceEntryHost: (namespace: string, name: string) => serviceEntryHosts.get(`${namespace}/${name}`),
  };
  for (const kind of ['HTTPRoute', 'GRPCRoute']) {
    each(of(GATEWAY_API, kind), (doc) => (isGatewayApiRoute(doc) ? convertGatewayRoute(doc, routeContext) : undefined), (vs) => virtualServices.push(vs));
  }
  for (const vs of virtualServices) {
    index.addVirtualService(vs);
    resolveSubsets(vs, index);
  }

  const peerAuthentications: PeerAuthentication[] = [];
  each(of(ISTIO_SECURITY, 'PeerAuthentication'), (doc) => peerAuthentication(doc, rootNamespace, workloadIndex), (p) => peerAuthentications.push(p));
  const authorizationPolicies: AuthorizationPolicy[] = [];
  each(of(ISTIO_SECURITY, 'AuthorizationPolicy'), (doc) => authorizationPolicy(doc, rootNamespace, workloadIndex), (p) => authorizationPolicies.push(p));
  const requestAuthentications: RequestAuthentication[] = [];
  each(of(ISTIO_SECURITY, 'RequestAuthentication'), (doc) => requestAuthentication(doc, rootNamespace, workloadIndex), (p) => requestAuthentications.push(p));
  const rollouts: Rollout[] = [];
  each(of(SLUICE_ROLLOUTS, 'Rollout'), (doc) => rollout(doc, index), (r) => rollouts.push(r));
  const analysisTemplates: AnalysisTemplate[] = [];
  for (const kind of ['AnalysisTemplate', 'ClusterAnalysisTemplate']) {
    each(of(ARGO, kind), analysisTemplate, (t) => analysisTemplates.push(t));
  }

  const model: PolicyModel = {
    rootNamespace,
    domainSuffix,
    services,
    workloads,
    virtualServices,
    destinationRules,
    gateways,
    peerAuthentications,
    authorizationPolicies,
    requestAuthentications,
    rollouts,
    analysisTemplates,
    servicesByHost,
    documents,
  };
  registerIndex(model, index);
  registerBuildState(model, { rootNamespace, domainSuffix, workloadIndex, index, routeContext });
  return { model, diagnostics };
}

