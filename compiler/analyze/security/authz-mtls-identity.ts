/**
 * AuthorizationPolicy rules that match on the peer's identity — `principals`,
 * `namespaces`, `serviceAccounts` (and their `not` forms), the source.principal,
 * source.namespace and source.serviceAccount conditions — on workloads where mTLS is
 * DISABLEd by PeerAuthentication. The identity comes from the peer's mTLS certificate;
 * on plaintext traffic it is empty, so a positive match never matches and a negative one
 * always does.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import type { AuthorizationPolicy, PeerAuthentication, PolicyModel, Workload } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { effectiveMtlsMode, policyName, policyRules, related, securityIndex, workloadNames } from './context.ts';
import type { RuleParts } from './context.ts';

export const IDENTITY_WITHOUT_MTLS = defineCode({
  code: 'SLU5011',
  stage: 'security',
  severity: 'warning',
  title: 'Peer identity condition on workloads with mTLS disabled',
  hint: 'principals, namespaces and serviceAccounts are read from the peer\'s mTLS certificate; with PeerAuthentication mode DISABLE the traffic is plaintext and the identity is empty. Enable mTLS for these workloads (mode STRICT or PERMISSIVE), or match on `ipBlocks` instead.',
});

const IDENTITY_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts'] as const;
const IDENTITY_KEYS = new Set(['source.principal', 'source.namespace', 'source.serviceAccount']);

interface Hit {
  field: string;
  negative: boolean;
  path: PathSegment[];
  /** Fields point at their key; condition keys at the condition name (the value of `key`). */
  target: 'key' | 'value';
}

function identityHits(parts: RuleParts): Hit[] {
  const hits: Hit[] = [];
  for (const s of parts.sources) {
    for (const f of IDENTITY_SOURCE_FIELDS) if (f in s.value) hits.push({ field: f, negative: f.startsWith('not'), path: [...s.path, f], target: 'key' });
  }
  for (const c of parts.conditions) {
    const key = c.value.key;
    if (typeof key !== 'string' || !IDENTITY_KEYS.has(key)) continue;
    // A condition with only notValues is a negative match.
    hits.push({ field: key, negative: !('values' in c.value) && 'notValues' in c.value, path: [...c.path, 'key'], target: 'value' });
  }
  return hits;
}

function effect(action: AuthorizationPolicy['action'], negative: boolean): string {
  const matches = negative ? 'always matches plaintext traffic' : 'never matches plaintext traffic';
  switch (action) {
    case 'ALLOW':
      return negative ? `${matches}, so it allows every request its other conditions allow` : `${matches}, so this rule allows nothing`;
    case 'DENY':
      return negative ? `${matches}, so this rule denies every request its other conditions match` : `${matches}, so this rule denies nothing`;
    default:
      return matches;
  }
}

export const identityWithoutMtls: Analyzer = {
  name: 'authorization-identity-without-mtls',
  codes: [IDENTITY_WITHOUT_MTLS],
  run(model: PolicyModel): Diagnostic[] {
    if (model.peerAuthentications.length === 0) return [];
    const index = securityIndex(model);
    const out: Diagnostic[] = [];
    for (const policy of model.authorizationPolicies) {
      const rules = policyRules(policy);
      // CUSTOM rules cannot use identity fields at all (SLU5007).
      if (rules.length === 0 || policy.action === 'CUSTOM' || policy.selection.workloads.length === 0) continue;
      const disabled: Workload[] = [];
      let by: PeerAuthentication | undefined;
      for (const w of policy.selection.workloads) {
        const { mode, policy: pa } = effectiveMtlsMode(index, w);
        if (mode === 'DISABLE') {
          disabled.push(w);
          by ??= pa;
        }
      }
      if (disabled.length === 0 || !by) continue;
      for (const parts of rules) {
        const i = parts.index;
        const hits = identityHits(parts);
        for (const hit of hits) {
          out.push(
            diagnostic(
              IDENTITY_WITHOUT_MTLS,
              policy.doc.locate(hit.path, hit.target),
              `rule ${i} of ${policyName(policy)} matches on \`${hit.field}\`, but mTLS is disabled for ${workloadNames(disabled)} (by ${policyName(by)}): the peer identity is empty, so the condition ${effect(policy.action, hit.negative)}`,
              { related: [related(by.doc.locate(['spec', 'mtls', 'mode'], 'value'), 'mTLS is disabled here')] },
            ),
          );
        }
      }
    }
    return out;
  },
};
