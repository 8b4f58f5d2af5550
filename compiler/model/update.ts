/**
 * Rebuilding the model after a small change without building it again from scratch.
 *
 * The model is built in dependency order: workloads → services → gateways →
 * DestinationRules → routes → security policies → rollouts. A change confined to the kinds
 * at the end of that order (routes, security policies, rollouts, analysis templates, or kinds
 * the model does not read) leaves everything before them as it was, so those objects are
 * kept — the same objects, which is what lets later stages reuse their work by identity — and
 * only the changed documents' objects are made again. Any other change (a Service, a
 * workload, a DestinationRule...) returns undefined: the caller builds the model afresh.
 * Either way the result equals `buildModel(documents)`.
 */
import { convertGatewayRoute, isGatewayApiRoute } from './gatewayapi.ts';
import type { PolicyDocument } from '../load/types.ts';
import {
  analysisTemplate, ARGO, authorizationPolicy, buildStateOf, each, GATEWAY_API, ISTIO_NETWORKING, ISTIO_SECURITY, peerAuthentication,
  registerBuildState, requestAuthentication, resolveSubsets, rollout, SLUICE_ROLLOUTS, virtualService,
} from './build.ts';
import type { BuildOptions, Resolver } from './build.ts';
import { isRecord } from './json.ts';
import { registerIndex } from './lookup.ts';
import type { ModelResult, Origin, PolicyModel, VirtualService } from './types.ts';

/** Kinds whose model objects nothing else in the model is built from (rollouts excepted: they are remade). */
const LEAF_KINDS: Record<string, ReadonlySet<string>> = {
  [ISTIO_NETWORKING]: new Set(['VirtualService']),
  [GATEWAY_API]: new Set(['HTTPRoute', 'GRPCRoute']),
  [ISTIO_SECURITY]: new Set(['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication']),
  [SLUICE_ROLLOUTS]: new Set(['Rollout']),
  [ARGO]: new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate']),
};

/** Kinds the model builder reads; a change to any other kind only changes `documents`. */
const READ_KINDS: Record<string, ReadonlySet<string>> = {
  '': new Set(['Service', 'Pod']),
  apps: new Set(['Deployment', 'StatefulSet']),
  'discovery.k8s.io': new Set(['EndpointSlice']),
  [ISTIO_NETWORKING]: new Set(['VirtualService', 'DestinationRule', 'ServiceEntry', 'WorkloadEntry', 'Gateway']),
  [GATEWAY_API]: new Set(['HTTPRoute', 'GRPCRoute', 'Gateway']),
  [ISTIO_SECURITY]: new Set(['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication']),
  [SLUICE_ROLLOUTS]: new Set(['Rollout']),
  [ARGO]: new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate']),
};

const ROUTE_KINDS: ReadonlySet<string> = new Set([`${ISTIO_NETWORKING}/VirtualService`, `${GATEWAY_API}/HTTPRoute`, `${GATEWAY_API}/GRPCRoute`]);

/** What changed in the documents since the previous model (the loader's `LoadUpdate`). */
interface ModelChange {
  added: readonly PolicyDocument[];
  removed: readonly PolicyDocument[];
  /** Documents replaced in place (old → new), when that is all the change is. */
  replaced?: ReadonlyMap<PolicyDocument, PolicyDocument>;
  /** Every document of the changed files, with `replaced`. */
  inChangedFiles?: readonly PolicyDocument[];
}

/**
 * How a model's routes differ from the model it was updated from, when `updateModel` patched
 * them in place: later stages use it to look at these routes only instead of all of them.
 */
export interface RouteChanges {
  /** Positions in `virtualServices` whose route was made again, with the old and the new object. */
  replaced: readonly (readonly [index: number, before: VirtualService, after: VirtualService])[];
  /** Routes kept as they were whose documents sit in changed files (their positions may have moved). */
  inChangedFiles: readonly VirtualService[];
  /** Every replaced route claims the same hosts for the same proxies as the route it replaced (`sameClaims`). */
  sameClaims: boolean;
}

/**
 * Whether two routes claim the same hosts for the same proxies: same kind, namespace, mesh
 * binding, exportTo, hosts (in order, from the same places) and, for Gateway API routes, the
 * same parentRefs. Whoever only looks at which route claims which host sees no difference.
 */
function sameClaims(a: VirtualService, b: VirtualService): boolean {
  if (a.sourceKind !== b.sourceKind || a.appliesToMesh !== b.appliesToMesh || a.namespace !== b.namespace || a.hosts.length !== b.hosts.length) return false;
  if (a.exportTo.length !== b.exportTo.length || a.exportTo.some((e, i) => e !== b.exportTo[i])) return false;
  for (let i = 0; i < a.hosts.length; i++) {
    const x = a.hosts[i] as VirtualService['hosts'][number];
    const y = b.hosts[i] as VirtualService['hosts'][number];
    if (x.fqdn !== y.fqdn || x.path.length !== y.path.length || x.path.some((s, k) => s !== y.path[k])) return false;
  }
  if (a.sourceKind !== 'VirtualService') {
    const refs = (vs: VirtualService) => JSON.stringify(isRecord(vs.doc.data.spec) ? vs.doc.data.spec.parentRefs : undefined);
    if (refs(a) !== refs(b)) return false;
  }
  return true;
}

/**
 * The model each model was patched from is known by a number, not held: models must not keep
 * a chain of their predecessors alive (nor may a WeakRef, which a synchronous loop of
 * updates would never release).
 */
const routeChanges = new WeakMap<PolicyModel, { from: number; changes: RouteChanges }>();
const modelIds = new WeakMap<PolicyModel, number>();
let lastModelId = 0;

function idOf(model: PolicyModel): number {
  let id = modelIds.get(model);
  if (id === undefined) modelIds.set(model, (id = ++lastModelId));
  return id;
}

/** How `model` differs from `previous`, when it was updated from it by replacing routes in place. */

/** A route made again is the same route (kind, namespace, name), so it can take the old one's place. */
function sameIdentity(a: VirtualService, b: VirtualService): boolean {
  return a.sourceKind === b.sourceKind && a.namespace === b.namespace && a.name === b.name;
}
export function routeChangesOf(model: PolicyModel, previous: PolicyModel): RouteChanges | undefined {
  const known = routeChanges.get(model);
  return known && known.from === modelIds.get(previous) ? known.changes : undefined;
}

const rolloutDocs = new WeakMap<PolicyModel, readonly PolicyDocument[]>();

/** The Rollout documents of a model (found once, then handed on to the models patched from it). */
function rolloutDocsOf(model: PolicyModel): readonly PolicyDocument[] {
  let docs = rolloutDocs.get(model);
  if (!docs) rolloutDocs.set(model, (docs = model.documents.filter((d) => d.group === SLUICE_ROLLOUTS && d.kind === 'Rollout' && isRecord(d.data))));
  return docs;
}

interface RoutePositions {
  /** Position of each route's document in the route list. */
  byDoc: Map<PolicyDocument, number>;
  /** Positions of delegating routes (remade on every route change). */
  delegating: number[];
}

/** Positions by route list: computed once per list made afresh, handed on to the list patched from it. */
const positions = new WeakMap<readonly VirtualService[], RoutePositions>();

function positionsOf(list: readonly VirtualService[]): RoutePositions {
  let known = positions.get(list);
  if (!known) {
    known = { byDoc: new Map(), delegating: [] };
    for (let i = 0; i < list.length; i++) {
      const vs = list[i] as VirtualService;
      if (!known.byDoc.has(vs.doc)) known.byDoc.set(vs.doc, i);
      if (delegates(vs)) known.delegating.push(i);
    }
    positions.set(list, known);
  }
  return known;
}

/**
 * Routes replaced in place: each replaced route document's new route takes the old one's
 * position, delegating routes are made again, and the lookup index changes only there.
 * Undefined when a document that made a route no longer does (or the reverse), or a route
 * changes its name: the caller takes the general path.
 */
function replaceRoutes(
  previous: PolicyModel,
  state: NonNullable<ReturnType<typeof buildStateOf>>,
  documents: readonly PolicyDocument[],
  replacedDocs: ReadonlyMap<PolicyDocument, PolicyDocument>,
  inChangedFiles: readonly PolicyDocument[],
): ModelResult | undefined {
  const list = previous.virtualServices;
  const at = positionsOf(list);
  const resolver: Resolver = { domainSuffix: state.domainSuffix, index: state.index, cache: new Map() };
  const make = (doc: PolicyDocument): VirtualService | undefined => {
    if (!isRecord(doc.data)) return undefined;
    let made: VirtualService | undefined;
    each([doc], (d) => (d.group === GATEWAY_API ? (isGatewayApiRoute(d) ? convertGatewayRoute(d, state.routeContext) : undefined) : virtualService(d, resolver)), (vs) => (made = vs));
    return made;
  };
  const next = list.slice();
  const replaced: [number, VirtualService, VirtualService][] = [];
  for (const [before, after] of replacedDocs) {
    if (!ROUTE_KINDS.has(`${before.group}/${before.kind}`)) continue;
    const index = at.byDoc.get(before);
    const made = make(after);
    if (index === undefined && made === undefined) continue;
    if (index === undefined || made === undefined) return undefined;
    const old = list[index] as VirtualService;
    if (!sameIdentity(old, made)) return undefined;
    next[index] = made;
    replaced.push([index, old, made]);
  }
  // a delegating route depends on the routes it delegates to: it is made again, never kept
  for (const index of at.delegating) {
    const old = list[index] as VirtualService;
    if (next[index] !== old) continue;
    const made = make(old.doc);
    if (!made || !sameIdentity(old, made)) return undefined;
    next[index] = made;
    replaced.push([index, old, made]);
  }
  const index = state.index.withVirtualServicesReplaced(replaced.map(([, before, after]) => [before, after]));
  for (const [, , vs] of replaced) {
    resolveSubsets(vs, index);
  }
  // the positions move on to the new list (the old one is not patched again)
  positions.delete(list);
  for (const [i, before, after] of replaced) {
    at.byDoc.delete(before.doc);
    at.byDoc.set(after.doc, i);
  }
  const delegating = new Set(at.delegating);
  for (const [i, , after] of replaced) {
    if (delegates(after)) delegating.add(i);
    else delegating.delete(i);
  }
  at.delegating = [...delegating].sort((a, b) => a - b);
  positions.set(next, at);
  const touched: VirtualService[] = [];
  for (const doc of inChangedFiles) {
    const i = at.byDoc.get(doc);
    if (i !== undefined && !replacedDocs.has(doc)) touched.push(next[i] as VirtualService);
  }
  // rollouts point at routes: made again whenever routes change (there are few); their documents did not change
  const docs = rolloutDocsOf(previous);
  let rollouts = previous.rollouts;
  if (docs.length > 0) {
    const made: typeof rollouts[number][] = [];
    each(docs, (doc) => rollout(doc, index), (r) => made.push(r));
    rollouts = made;
  }
  const model: PolicyModel = { ...previous, virtualServices: next, rollouts, documents };
  rolloutDocs.set(model, docs);
  registerIndex(model, index);
  registerBuildState(model, { ...state, index });
  routeChanges.set(model, { from: idOf(previous), changes: { replaced, inChangedFiles: touched, sameClaims: replaced.every(([, before, after]) => sameClaims(before, after)) } });
  return { model, diagnostics: [] };
}

function kindOf(doc: PolicyDocument): string | undefined {
  return READ_KINDS[doc.group]?.has(doc.kind) ? `${doc.group}/${doc.kind}` : undefined;
}

function delegates(vs: VirtualService): boolean {
  return vs.http.some((route) => isRecord(route.raw.delegate));
}

/** Objects of the previous model by the document they came from. */
function byDoc<T extends Origin>(list: readonly T[]): Map<PolicyDocument, T> {
  const out = new Map<PolicyDocument, T>();
  for (const item of list) if (!out.has(item.doc)) out.set(item.doc, item);
  return out;
}

function reuseOrMake<T extends Origin>(docs: readonly PolicyDocument[], previous: readonly T[], make: (doc: PolicyDocument) => T | undefined): T[] {
  const old = byDoc(previous);
  const out: T[] = [];
  each(docs, (doc) => old.get(doc) ?? make(doc), (value) => out.push(value));
  return out;
}

/**
 * The model of `documents`, from the model of the documents before a change (`removed`
 * documents gone, `added` ones new; the others are the same objects). Undefined when the
 * change reaches kinds that other model objects are built from.
 */
export function updateModel(
  previous: PolicyModel,
  documents: readonly PolicyDocument[],
  change: ModelChange,
  options: BuildOptions = {},
): ModelResult | undefined {
  const state = buildStateOf(previous);
  if (!state) return undefined;
  if ((options.rootNamespace ?? state.rootNamespace) !== state.rootNamespace || (options.domainSuffix ?? state.domainSuffix) !== state.domainSuffix) return undefined;
  const changed = new Set<string>();
  for (const list of [change.added, change.removed]) {
    for (const doc of list) {
      if (!doc || !isRecord(doc.data)) continue;
      const kind = kindOf(doc);
      if (kind === undefined) continue;
      if (!LEAF_KINDS[doc.group]?.has(doc.kind)) return undefined;
      changed.add(kind);
    }
  }
  if (change.replaced && changed.size > 0 && [...changed].every((kind) => ROUTE_KINDS.has(kind))) {
    const patched = replaceRoutes(previous, state, documents, change.replaced, change.inChangedFiles ?? []);
    if (patched) return patched;
  }
  const of = new Map<string, PolicyDocument[]>();
  if (changed.size > 0) {
    for (const doc of documents) {
      if (!doc || !isRecord(doc.data) || !LEAF_KINDS[doc.group]?.has(doc.kind)) continue;
      const kind = `${doc.group}/${doc.kind}`;
      let list = of.get(kind);
      if (!list) of.set(kind, (list = []));
      list.push(doc);
    }
  }
  const docsOf = (group: string, kind: string): readonly PolicyDocument[] => of.get(`${group}/${kind}`) ?? [];
  const touched = (...kinds: string[]) => kinds.some((k) => changed.has(k));

  let { virtualServices, rollouts } = previous;
  let index = state.index;
  const routesChanged = touched(`${ISTIO_NETWORKING}/VirtualService`, `${GATEWAY_API}/HTTPRoute`, `${GATEWAY_API}/GRPCRoute`);
  if (routesChanged) {
    const resolver: Resolver = { domainSuffix: state.domainSuffix, index, cache: new Map() };
    const old = byDoc(previous.virtualServices);
    const fresh = new Set<VirtualService>();
    const next: VirtualService[] = [];
    const make = (doc: PolicyDocument, build: (doc: PolicyDocument) => VirtualService | undefined) =>
      each([doc], (d) => {
        const kept = old.get(d);
        // a delegating route depends on the routes it delegates to: it is made again, never kept
        if (kept && !delegates(kept)) return kept;
        const made = build(d);
        if (made) fresh.add(made);
        return made;
      }, (vs) => next.push(vs));
    for (const doc of docsOf(ISTIO_NETWORKING, 'VirtualService')) make(doc, (d) => virtualService(d, resolver));
    for (const kind of ['HTTPRoute', 'GRPCRoute']) {
      for (const doc of docsOf(GATEWAY_API, kind)) make(doc, (d) => (isGatewayApiRoute(d) ? convertGatewayRoute(d, state.routeContext) : undefined));
    }
    index = index.withVirtualServices(next);
    // as buildModel: destinations name subsets through the DestinationRules (unchanged, so kept objects stay resolved)
    for (const vs of fresh) resolveSubsets(vs, index);
    virtualServices = next;
  }
  if (routesChanged || touched(`${SLUICE_ROLLOUTS}/Rollout`)) {
    // rollouts point at routes: made again whenever routes or rollouts change (there are few)
    const made: typeof rollouts[number][] = [];
    each(docsOf(SLUICE_ROLLOUTS, 'Rollout'), (doc) => rollout(doc, index), (r) => made.push(r));
    rollouts = made;
  }
  const { rootNamespace, workloadIndex } = state;
  const security = (kind: string) => touched(`${ISTIO_SECURITY}/${kind}`);
  const model: PolicyModel = {
    ...previous,
    virtualServices,
    peerAuthentications: security('PeerAuthentication')
      ? reuseOrMake(docsOf(ISTIO_SECURITY, 'PeerAuthentication'), previous.peerAuthentications, (doc) => peerAuthentication(doc, rootNamespace, workloadIndex))
      : previous.peerAuthentications,
    authorizationPolicies: security('AuthorizationPolicy')
      ? reuseOrMake(docsOf(ISTIO_SECURITY, 'AuthorizationPolicy'), previous.authorizationPolicies, (doc) => authorizationPolicy(doc, rootNamespace, workloadIndex))
      : previous.authorizationPolicies,
    requestAuthentications: security('RequestAuthentication')
      ? reuseOrMake(docsOf(ISTIO_SECURITY, 'RequestAuthentication'), previous.requestAuthentications, (doc) => requestAuthentication(doc, rootNamespace, workloadIndex))
      : previous.requestAuthentications,
    rollouts,
    analysisTemplates: touched(`${ARGO}/AnalysisTemplate`, `${ARGO}/ClusterAnalysisTemplate`)
      ? reuseOrMake([...docsOf(ARGO, 'AnalysisTemplate'), ...docsOf(ARGO, 'ClusterAnalysisTemplate')], previous.analysisTemplates, analysisTemplate)
      : previous.analysisTemplates,
    documents,
  };
  registerIndex(model, index);
  registerBuildState(model, { ...state, index });
  return { model, diagnostics: [] };
}
