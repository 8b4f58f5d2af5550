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
  registerBuildState, requestAuthentication, rollout, SLUICE_ROLLOUTS, virtualService,
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
  change: { added: readonly PolicyDocument[]; removed: readonly PolicyDocument[] },
  options: BuildOptions = {},
): ModelResult | undefined {
  const state = buildStateOf(previous);
  if (!state) return undefined;
  if ((options.rootNamespace ?? state.rootNamespace) !== state.rootNamespace || (options.domainSuffix ?? state.domainSuffix) !== state.domainSuffix) return undefined;
  const changed = new Set<string>();
  for (const doc of [...change.added, ...change.removed]) {
    if (!doc || !isRecord(doc.data)) continue;
    const kind = kindOf(doc);
    if (kind === undefined) continue;
    if (!LEAF_KINDS[doc.group]?.has(doc.kind)) return undefined;
    changed.add(kind);
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
    for (const vs of fresh) {
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
