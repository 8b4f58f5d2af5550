/**
 * Two JWT rules with the same issuer applying to one workload. RequestAuthentications are
 * additive: every one that selects a workload (workload, namespace and mesh level) becomes
 * a provider in the same JWT filter, and tokens are matched to providers by issuer, so with
 * two rules for one issuer which rule's keys, audiences and token locations apply is not
 * determined by the policy.
 *
 * Checked per workload the repository declares, and inside each RequestAuthentication on
 * its own (which needs no workloads).
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel, RequestAuthentication } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { policyName, related, securityIndex } from './context.ts';

export const DUPLICATE_ISSUER = defineCode({
  code: 'SLU5032',
  stage: 'security',
  severity: 'warning',
  title: 'Two JWT rules for the same issuer apply to one workload',
  hint: 'Keep one `jwtRules` entry per issuer for each workload: merge the audiences and keys into it, or narrow the selectors so the RequestAuthentications do not overlap.',
});

interface RuleRef {
  ra: RequestAuthentication;
  index: number;
  issuer: string;
}

function issuerAt(ref: RuleRef) {
  return ref.ra.doc.locate(['spec', 'jwtRules', ref.index, 'issuer'], 'value');
}

export const requestAuthenticationDuplicateIssuer: Analyzer = {
  name: 'request-authentication-duplicate-issuer',
  codes: [DUPLICATE_ISSUER],
  run(model: PolicyModel): Diagnostic[] {
    const index = securityIndex(model);
    const rulesOf = new Map<RequestAuthentication, RuleRef[]>();
    for (const ra of model.requestAuthentications) {
      const refs: RuleRef[] = [];
      ra.jwtRules.forEach((rule, i) => {
        if (typeof rule.issuer === 'string' && rule.issuer !== '') refs.push({ ra, index: i, issuer: rule.issuer });
      });
      rulesOf.set(ra, refs);
    }

    const out: Diagnostic[] = [];
    const reported = new Set<string>();
    const ids = new Map<RequestAuthentication, number>(model.requestAuthentications.map((ra, i) => [ra, i]));
    /** Reports each pair of rules with one issuer among `group` once. */
    const check = (group: readonly RequestAuthentication[], suffix: string) => {
      const seen = new Map<string, RuleRef>();
      for (const ra of group) {
        for (const ref of rulesOf.get(ra) ?? []) {
          const first = seen.get(ref.issuer);
          if (!first) {
            seen.set(ref.issuer, ref);
            continue;
          }
          const key = `${ids.get(first.ra)}:${first.index}|${ids.get(ref.ra)}:${ref.index}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const other = first.ra === ref.ra ? `rule ${first.index} of the same policy` : `${policyName(first.ra)} (rule ${first.index})`;
          out.push(
            diagnostic(DUPLICATE_ISSUER, issuerAt(ref), `issuer ${ref.issuer} in ${policyName(ref.ra)} (rule ${ref.index}) is also configured by ${other}${suffix}`, {
              related: [related(issuerAt(first), `the other rule for issuer ${ref.issuer}`)],
            }),
          );
        }
      }
    };
    for (const ra of model.requestAuthentications) check([ra], '');
    for (const [workload, group] of index.requestAuthByWorkload) {
      if (group.length > 1) check(group, `; both apply to workload ${workload.name} (${workload.kind})`);
    }
    return out;
  },
};
