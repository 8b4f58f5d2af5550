/**
 * AuthorizationPolicy rules that match on the request's JWT — `requestPrincipals`,
 * `notRequestPrincipals`, the request.auth.* conditions — where no RequestAuthentication
 * applies. Without one the proxy validates no token, the request principal is always
 * empty and those conditions never match (istioctl analyze's IST0149 is the same problem
 * for JWT-claim routing in VirtualServices).
 *
 * Coverage is decided per selected workload when the repository declares the workloads;
 * otherwise by scope: a mesh-wide or namespace-wide RequestAuthentication, or a workload
 * one whose selector labels are all among the policy's, covers it.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import type { AuthorizationPolicy, PolicyModel, Workload } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { nameList, policyName, policyRules, securityIndex, workloadNames } from './context.ts';
import type { SecurityIndex } from './context.ts';

export const JWT_WITHOUT_REQUEST_AUTHENTICATION = defineCode({
  code: 'SLU5014',
  stage: 'security',
  severity: 'warning',
  title: 'JWT condition without a RequestAuthentication',
  hint: 'requestPrincipals and request.auth.* are only set when a RequestAuthentication validates the token. Add a RequestAuthentication with the token issuer (`jwtRules`) that selects these workloads (or covers their namespace), or remove the JWT conditions.',
});

interface Hit {
  field: string;
  path: PathSegment[];
  /** Fields point at their key; condition keys at the condition name (the value of `key`). */
  target: 'key' | 'value';
}

function jwtHits(policy: AuthorizationPolicy): Hit[] {
  const hits: Hit[] = [];
  for (const parts of policyRules(policy)) {
    for (const s of parts.sources) {
      for (const f of ['requestPrincipals', 'notRequestPrincipals']) if (f in s.value) hits.push({ field: f, path: [...s.path, f], target: 'key' });
    }
    for (const c of parts.conditions) {
      const key = c.value.key;
      if (typeof key === 'string' && key.startsWith('request.auth.')) hits.push({ field: key, path: [...c.path, 'key'], target: 'value' });
    }
  }
  return hits;
}

function coveredByScope(index: SecurityIndex, policy: AuthorizationPolicy): boolean {
  if (index.meshRequestAuth.length > 0) return true;
  const local = index.requestAuthByNamespace.get(policy.namespace) ?? [];
  const selector = policy.selection.selector ?? {};
  return local.some((ra) => {
    if (ra.scope !== 'workload') return true;
    const labels = ra.selection.selector ?? {};
    return Object.entries(labels).every(([k, v]) => selector[k] === v);
  });
}

export const jwtWithoutRequestAuthentication: Analyzer = {
  name: 'authorization-jwt-without-request-authentication',
  codes: [JWT_WITHOUT_REQUEST_AUTHENTICATION],
  run(model: PolicyModel): Diagnostic[] {
    const index = securityIndex(model);
    const out: Diagnostic[] = [];
    for (const policy of model.authorizationPolicies) {
      if (policy.action === 'CUSTOM') continue; // CUSTOM rules cannot use JWT fields at all (SLU5007)
      if (!policy.rules || policy.rules.length === 0) continue;
      // Coverage first (map lookups); the rules are only searched for JWT fields when it is missing.
      let uncovered: Workload[] = [];
      if (policy.selection.workloads.length > 0) {
        uncovered = policy.selection.workloads.filter((w) => (index.requestAuthByWorkload.get(w)?.length ?? 0) === 0);
        if (uncovered.length === 0) continue;
      } else if (coveredByScope(index, policy)) {
        continue;
      }
      const hits = jwtHits(policy);
      const first = hits[0];
      if (!first) continue;
      const target = uncovered.length > 0 ? workloadNames(uncovered) : policy.selection.selector ? 'the workloads it selects' : `namespace ${policy.namespace}`;
      out.push(
        diagnostic(
          JWT_WITHOUT_REQUEST_AUTHENTICATION,
          policy.doc.locate(first.path, first.target),
          `${policyName(policy)} matches on ${nameList(hits.map((h) => `\`${h.field}\``))}, but no RequestAuthentication applies to ${target}: no token is validated, so the request principal is empty and these conditions never match`,
        ),
      );
    }
    return out;
  },
};
