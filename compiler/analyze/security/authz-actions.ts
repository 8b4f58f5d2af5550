/**
 * AuthorizationPolicy actions and rules: what each action means with no rules, and the
 * CUSTOM-action constraints Istio's validation enforces.
 *
 * Istio reads a missing `rules` and `rules: []` alike (an empty repeated field). With no
 * rules, a DENY, CUSTOM or AUDIT policy never matches, and an ALLOW policy matches nothing,
 * so every request to the selected workloads is denied.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { AuthorizationPolicy, PolicyModel } from '../../model/types.ts';
import { rec } from '../../model/index.ts';
import type { Analyzer } from '../types.ts';
import { policyName, policyRules, specOf } from './context.ts';

export const DENY_WITHOUT_RULES = defineCode({
  code: 'SLU5001',
  stage: 'security',
  severity: 'error',
  title: 'DENY AuthorizationPolicy without rules',
  hint: 'A DENY policy without `rules` never matches and Istio rejects it. List the requests to deny under `rules`, or use `rules: [{}]` to deny every request to the selected workloads.',
});

export const CUSTOM_WITHOUT_RULES = defineCode({
  code: 'SLU5002',
  stage: 'security',
  severity: 'error',
  title: 'CUSTOM AuthorizationPolicy without rules',
  hint: 'A CUSTOM policy without `rules` is never triggered and Istio rejects it. List the requests the external authorizer should check under `rules`, or use `rules: [{}]` to send every request to it.',
});

export const CUSTOM_WITHOUT_PROVIDER = defineCode({
  code: 'SLU5003',
  stage: 'security',
  severity: 'error',
  title: 'CUSTOM AuthorizationPolicy without a provider',
  hint: 'Set `provider.name` to one of the extension providers declared in the mesh config (`extensionProviders`); Istio rejects a CUSTOM policy without it.',
});

export const ALLOW_WITHOUT_RULES = defineCode({
  code: 'SLU5004',
  stage: 'security',
  severity: 'warning',
  title: 'ALLOW AuthorizationPolicy without rules denies every request',
  hint: 'An ALLOW policy with no rules matches nothing, so every request to the selected workloads is denied. To allow all requests write `rules: [{}]`; to deny all on purpose, keep it and say so in a comment (or use a DENY policy with `rules: [{}]`).',
});

export const AUDIT_WITHOUT_RULES = defineCode({
  code: 'SLU5005',
  stage: 'security',
  severity: 'warning',
  title: 'AUDIT AuthorizationPolicy without rules audits nothing',
  hint: 'An AUDIT policy without `rules` never matches, so no request is audited. List the requests to audit under `rules`, or use `rules: [{}]` to audit every request. AUDIT never allows or denies anything by itself.',
});

export const PROVIDER_WITHOUT_CUSTOM = defineCode({
  code: 'SLU5006',
  stage: 'security',
  severity: 'error',
  title: '`provider` on an AuthorizationPolicy whose action is not CUSTOM',
  hint: 'Only CUSTOM policies delegate to an external provider; Istio rejects `provider` with any other action. Set `action: CUSTOM`, or remove `provider`.',
});

export const CUSTOM_UNSUPPORTED_FIELD = defineCode({
  code: 'SLU5007',
  stage: 'security',
  severity: 'error',
  title: 'Field not supported in a CUSTOM AuthorizationPolicy rule',
  hint: 'CUSTOM rules cannot use identity fields (principals, requestPrincipals, namespaces, serviceAccounts and their `not` forms) or the source.namespace, source.principal, source.serviceAccount and request.auth.* conditions; Istio rejects them. Match on ports, paths, methods, hosts, IPs or headers, and let the external authorizer check identities.',
});

/** Source fields CUSTOM rules may not use (Istio's validation rejects them). */
const CUSTOM_UNSUPPORTED_SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
] as const;

function customUnsupportedKey(key: string): boolean {
  return key === 'source.namespace' || key === 'source.principal' || key === 'source.serviceAccount' || key.startsWith('request.auth.');
}

function checkPolicy(policy: AuthorizationPolicy, out: Diagnostic[]): void {
  const doc = policy.doc;
  const spec = specOf(policy);
  const rules = policy.rules ?? [];
  const hasRules = rules.length > 0;
  /** The action as written, or `spec` when the action is left to its default (ALLOW). */
  const actionAt = () => ('action' in spec ? doc.locate(['spec', 'action'], 'value') : doc.locate(['spec'], 'key'));
  /** Where a "no rules" finding points: an empty `rules: []` if written, else the action. */
  const noRulesAt = () => ('rules' in spec ? doc.locate(['spec', 'rules'], 'value') : actionAt());
  const name = policyName(policy);

  if (!hasRules) {
    switch (policy.action) {
      case 'DENY':
        out.push(diagnostic(DENY_WITHOUT_RULES, noRulesAt(), `${name} is a DENY policy without rules: it can never match, and Istio rejects it`));
        break;
      case 'CUSTOM':
        out.push(diagnostic(CUSTOM_WITHOUT_RULES, noRulesAt(), `${name} is a CUSTOM policy without rules: it is never triggered, and Istio rejects it`));
        break;
      case 'AUDIT':
        out.push(diagnostic(AUDIT_WITHOUT_RULES, noRulesAt(), `${name} is an AUDIT policy without rules: it never matches, so nothing is audited`));
        break;
      case 'ALLOW': {
        const selected = policy.selection.selector ? 'the selected workloads' : policy.scope === 'mesh' ? 'every workload in the mesh' : `every workload in namespace ${policy.namespace}`;
        out.push(diagnostic(ALLOW_WITHOUT_RULES, noRulesAt(), `${name} is an ALLOW policy without rules: it matches nothing, so every request to ${selected} is denied`));
        break;
      }
    }
  }

  const provider = rec(spec.provider);
  if (policy.action === 'CUSTOM') {
    if (hasRules && (provider === undefined || typeof provider.name !== 'string' || provider.name === '')) {
      const at = provider ? doc.locate(['spec', 'provider'], 'key') : actionAt();
      out.push(diagnostic(CUSTOM_WITHOUT_PROVIDER, at, `${name} is a CUSTOM policy without \`provider.name\`: Istio rejects it`));
    }
    for (const parts of policyRules(policy)) {
      const i = parts.index;
      for (const source of parts.sources) {
        for (const field of CUSTOM_UNSUPPORTED_SOURCE_FIELDS) {
          if (field in source.value) {
            out.push(diagnostic(CUSTOM_UNSUPPORTED_FIELD, doc.locate([...source.path, field], 'key'), `\`${field}\` is not supported in a CUSTOM policy rule (${name}, rule ${i})`));
          }
        }
      }
      for (const condition of parts.conditions) {
        const key = condition.value.key;
        if (typeof key === 'string' && customUnsupportedKey(key)) {
          out.push(diagnostic(CUSTOM_UNSUPPORTED_FIELD, doc.locate([...condition.path, 'key'], 'value'), `condition key \`${key}\` is not supported in a CUSTOM policy rule (${name}, rule ${i})`));
        }
      }
    }
  } else if ('provider' in spec && spec.provider !== null) {
    out.push(diagnostic(PROVIDER_WITHOUT_CUSTOM, doc.locate(['spec', 'provider'], 'key'), `${name} has \`provider\` but its action is ${policy.action}: Istio rejects a provider on a non-CUSTOM policy`));
  }
}

export const authorizationActions: Analyzer = {
  name: 'authorization-actions',
  codes: [DENY_WITHOUT_RULES, CUSTOM_WITHOUT_RULES, CUSTOM_WITHOUT_PROVIDER, ALLOW_WITHOUT_RULES, AUDIT_WITHOUT_RULES, PROVIDER_WITHOUT_CUSTOM, CUSTOM_UNSUPPORTED_FIELD],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const policy of model.authorizationPolicies) checkPolicy(policy, out);
    return out;
  },
};
