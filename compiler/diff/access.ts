/**
 * Who can call whom, base → head, per workload: the access AuthorizationPolicies decide
 * and the mTLS mode PeerAuthentications set. Workloads behind one service that changed
 * alike are reported once, under the service. Where the repository declares no workloads
 * in a namespace, the policies' own scopes (namespace, selector; the mesh when there are
 * no workloads at all) stand in for them.
 */
import { matchesSelector } from '../model/selector.ts';
import type { AuthorizationPolicy, Labels, PeerAuthentication, PolicyModel } from '../model/types.ts';
import { accessOf, sameAccess } from './authz.ts';
import { byNamespaceName, canonical, compareText } from './canonical.ts';
import { locate } from './location.ts';
import type { NodeRef } from './location.ts';
import { mtlsOf } from './mtls.ts';
import type { AccessChange, DiffLocation, Side, Subject } from './types.ts';

interface SubjectSide {
  namespace: string;
  labels: Labels;
  node?: NodeRef;
}

interface Candidate {
  key: string;
  subject: Subject;
  base: SubjectSide;
  head: SubjectSide;
}

type Policy = AuthorizationPolicy | PeerAuthentication;

function applies(policy: Policy, namespace: string, labels: Labels): boolean {
  if (policy.scope === 'mesh') return true;
  if (policy.namespace !== namespace) return false;
  return policy.scope === 'namespace' || matchesSelector(labels, policy.selection.selector ?? {});
}

function labelsText(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}

function workloadKey(w: { kind: string; namespace: string; name: string }): string {
  return `${w.kind}/${w.namespace}/${w.name}`;
}

function candidates(base: PolicyModel, head: PolicyModel): Candidate[] {
  const out: Candidate[] = [];
  const baseWorkloads = new Map(base.workloads.map((w) => [workloadKey(w), w]));
  const namespacesWithWorkloads = new Set<string>();
  for (const w of [...base.workloads, ...head.workloads]) namespacesWithWorkloads.add(w.namespace);
  for (const w of head.workloads) {
    const b = baseWorkloads.get(workloadKey(w));
    if (!b) continue; // a workload added or removed is a deployment change, not an access change
    out.push({
      key: workloadKey(w),
      subject: { kind: 'workload', name: `${w.namespace}/${w.name}`, namespace: w.namespace, workloads: [`${w.namespace}/${w.name}`] },
      base: { namespace: b.namespace, labels: b.labels, node: { doc: b.doc, path: b.path } },
      head: { namespace: w.namespace, labels: w.labels, node: { doc: w.doc, path: w.path } },
    });
  }

  // scopes stand in for workloads the repository does not declare
  const scopes = new Map<string, Candidate>();
  const addScope = (kind: Subject['kind'], namespace: string, labels: Labels, name: string) => {
    const key = `${kind}/${namespace}/${labelsText(labels)}`;
    if (scopes.has(key)) return;
    scopes.set(key, { key, subject: { kind, name, namespace, workloads: [] }, base: { namespace, labels }, head: { namespace, labels } });
  };
  const policies: Policy[] = [...base.authorizationPolicies, ...base.peerAuthentications, ...head.authorizationPolicies, ...head.peerAuthentications];
  for (const p of policies) {
    if (p.scope === 'mesh') {
      if (namespacesWithWorkloads.size === 0) addScope('mesh', p.namespace, {}, 'mesh');
      continue;
    }
    if (namespacesWithWorkloads.has(p.namespace)) continue;
    addScope('namespace', p.namespace, {}, `namespace ${p.namespace}`);
    const selector = p.selection.selector;
    if (p.scope === 'workload' && selector && Object.keys(selector).length > 0) addScope('selector', p.namespace, selector, `${p.namespace}: ${labelsText(selector)}`);
  }
  out.push(...scopes.values());
  return out;
}

function policyKey(p: Policy): string {
  return `${p.doc.kind}/${p.namespace}/${p.name}`;
}

/**
 * The policy whose change most likely caused the subject's: changed or added in head, else
 * removed from base, in the order given (AuthorizationPolicies before PeerAuthentications).
 */
function locationOf(c: Candidate, base: readonly Policy[], head: readonly Policy[]): DiffLocation | undefined {
  const before = new Map(base.map((p) => [policyKey(p), canonical(p.doc.data.spec)]));
  const after = new Set(head.map(policyKey));
  for (const p of head) {
    if (before.get(policyKey(p)) !== canonical(p.doc.data.spec)) return locate('head', p, ['spec']);
  }
  for (const p of base) {
    if (!after.has(policyKey(p))) return locate('base', p, ['spec']);
  }
  if (c.head.node) return locate('head', c.head.node, c.head.node.path);
  const first = head[0] ?? base[0];
  const side: Side = head[0] ? 'head' : 'base';
  return first ? locate(side, first, ['spec']) : undefined;
}

/** Policies of one kind by where they can apply: mesh-wide, or in one namespace. */
class PolicyIndex<P extends Policy> {
  private readonly mesh: P[] = [];
  private readonly byNamespace = new Map<string, P[]>();

  constructor(policies: readonly P[]) {
    for (const p of policies) {
      if (p.scope === 'mesh') this.mesh.push(p);
      else {
        let list = this.byNamespace.get(p.namespace);
        if (!list) this.byNamespace.set(p.namespace, (list = []));
        list.push(p);
      }
    }
  }

  applying(side: SubjectSide): P[] {
    const local = this.byNamespace.get(side.namespace) ?? [];
    return [...this.mesh, ...local].filter((p) => applies(p, side.namespace, side.labels));
  }
}

interface Indexes {
  authz: PolicyIndex<AuthorizationPolicy>;
  peer: PolicyIndex<PeerAuthentication>;
}

const texts = new WeakMap<Policy, string>();

/** What a policy says, as written (equal texts: equal effect). */
function policyText(p: Policy): string {
  let t = texts.get(p);
  if (!t) texts.set(p, (t = JSON.stringify([p.doc.kind, p.namespace, p.name, p.doc.data.spec])));
  return t;
}

function sameTexts(a: readonly Policy[], b: readonly Policy[]): boolean {
  return a.length === b.length && a.every((p, i) => policyText(p) === policyText(b[i] as Policy));
}

function changeFor(c: Candidate, base: Indexes, head: Indexes): AccessChange | undefined {
  const authzBefore = base.authz.applying(c.base);
  const authzAfter = head.authz.applying(c.head);
  const peerBefore = base.peer.applying(c.base);
  const peerAfter = head.peer.applying(c.head);
  // the same policies, word for word: nothing to evaluate
  if (sameTexts(authzBefore, authzAfter) && sameTexts(peerBefore, peerAfter)) return undefined;
  const accessBefore = accessOf(authzBefore);
  const accessAfter = accessOf(authzAfter);
  const mtlsBefore = mtlsOf(peerBefore);
  const mtlsAfter = mtlsOf(peerAfter);
  const accessChanged = !sameAccess(accessBefore, accessAfter);
  const mtlsChanged = mtlsBefore.text !== mtlsAfter.text;
  if (!accessChanged && !mtlsChanged) return undefined;
  const ordered = <P extends Policy>(list: readonly P[]) => [...list].sort(byNamespaceName);
  const relevantBefore: Policy[] = [...(accessChanged ? ordered(authzBefore) : []), ...(mtlsChanged ? ordered(peerBefore) : [])];
  const relevantAfter: Policy[] = [...(accessChanged ? ordered(authzAfter) : []), ...(mtlsChanged ? ordered(peerAfter) : [])];
  const location = locationOf(c, relevantBefore, relevantAfter);
  if (!location) return undefined;
  const change: AccessChange = { subject: c.subject, location };
  if (accessChanged) change.access = { before: accessBefore, after: accessAfter };
  if (mtlsChanged) change.mtls = { before: mtlsBefore, after: mtlsAfter };
  return change;
}

function sameChange(a: AccessChange, b: AccessChange): boolean {
  const strip = (c: AccessChange) => canonical({ access: c.access, mtls: c.mtls });
  return strip(a) === strip(b);
}

/** Per service (hostname): the keys of the workloads behind it, head's view first. */
function serviceWorkloads(base: PolicyModel, head: PolicyModel): Map<string, { namespace: string; keys: string[] }> {
  const out = new Map<string, { namespace: string; keys: string[] }>();
  for (const model of [head, base]) {
    for (const s of [...model.services].sort(byNamespaceName)) {
      if (out.has(s.hostname) || s.workloads.length === 0) continue;
      out.set(s.hostname, { namespace: s.namespace, keys: [...new Set(s.workloads.map(workloadKey))] });
    }
  }
  return out;
}

export function diffAccess(base: PolicyModel, head: PolicyModel): AccessChange[] {
  const changes = new Map<string, AccessChange>();
  const known = new Set<string>();
  const baseIndexes: Indexes = { authz: new PolicyIndex(base.authorizationPolicies), peer: new PolicyIndex(base.peerAuthentications) };
  const headIndexes: Indexes = { authz: new PolicyIndex(head.authorizationPolicies), peer: new PolicyIndex(head.peerAuthentications) };
  for (const c of candidates(base, head)) {
    known.add(c.key);
    const change = changeFor(c, baseIndexes, headIndexes);
    if (change) changes.set(c.key, change);
  }
  const out: AccessChange[] = [];
  const covered = new Set<string>();
  for (const [host, service] of [...serviceWorkloads(base, head)].sort(([a], [b]) => compareText(a, b))) {
    const keys = service.keys.filter((k) => known.has(k));
    const namespace = service.namespace;
    const first = changes.get(keys[0] ?? '');
    if (!first || !keys.every((k) => { const c = changes.get(k); return c !== undefined && sameChange(c, first); })) continue;
    const workloads = keys.map((k) => changes.get(k)?.subject.workloads[0] ?? k).sort(compareText);
    out.push({ ...first, subject: { kind: 'service', name: host, namespace, workloads } });
    for (const k of keys) covered.add(k);
  }
  for (const [key, change] of changes) if (!covered.has(key)) out.push(change);
  return out.sort((a, b) => compareText(a.subject.name, b.subject.name));
}
