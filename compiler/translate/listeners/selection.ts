/**
 * Which security policies apply to a proxy class, as istiod selects them
 * (`getConfigsForWorkload`): policies of the class's namespace and of the root namespace
 * whose selector is a subset of the class's labels (no selector: every workload of that
 * namespace; in the root namespace, the whole mesh). A root-namespace policy with a
 * selector applies to matching workloads of every namespace (AuthorizationPolicy,
 * RequestAuthentication; for PeerAuthentication Istio then ignores it, see
 * peer-authentication.ts).
 */
import type { AuthorizationPolicy, Labels, PeerAuthentication, PolicyModel, RequestAuthentication } from '../../model/index.ts';
import { selects } from './registry.ts';

type SecurityPolicy = AuthorizationPolicy | PeerAuthentication | RequestAuthentication;

/** A policy attached with `targetRef(s)` applies to gateways and waypoints, never to sidecars or proxyless workloads. */
function attachedToTarget(policy: SecurityPolicy): boolean {
  const spec = policy.doc.data.spec;
  if (typeof spec !== 'object' || spec === null) return false;
  const s = spec as Record<string, unknown>;
  return s.targetRef !== undefined || (Array.isArray(s.targetRefs) && s.targetRefs.length > 0);
}

function applies(policy: SecurityPolicy, namespace: string, labels: Labels, root: string): boolean {
  if (policy.namespace !== namespace && policy.namespace !== root) return false;
  return selects(policy.selection.selector, labels) && !attachedToTarget(policy);
}

function byNamespaceAndName<T extends SecurityPolicy>(a: T, b: T): number {
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** AuthorizationPolicies that apply, sorted by namespace and name. */
export function authorizationPoliciesFor(model: PolicyModel, namespace: string, labels: Labels): AuthorizationPolicy[] {
  return model.authorizationPolicies.filter((p) => applies(p, namespace, labels, model.rootNamespace)).sort(byNamespaceAndName);
}

/** RequestAuthentications that apply, sorted by namespace and name. */
export function requestAuthenticationsFor(model: PolicyModel, namespace: string, labels: Labels): RequestAuthentication[] {
  return model.requestAuthentications.filter((p) => applies(p, namespace, labels, model.rootNamespace)).sort(byNamespaceAndName);
}

/** PeerAuthentications that apply, in document order (the first of a level wins, as the oldest does in Istio). */
export function peerAuthenticationsFor(model: PolicyModel, namespace: string, labels: Labels): PeerAuthentication[] {
  return model.peerAuthentications.filter((p) => applies(p, namespace, labels, model.rootNamespace));
}
