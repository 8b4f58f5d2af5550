/**
 * Which DestinationRules shape the clusters of a host for one proxy class, merged as Istio
 * merges them.
 *
 * `ModelIndex.destinationRulesFor` gives Istio's precedence (client namespace, service
 * namespace, root namespace, honouring exportTo). On top of that, as Istio's SidecarScope
 * does for outbound clusters: a rule with a `workloadSelector` applies only to proxies of its
 * own namespace whose labels it selects; when one does, the rules with that same selector
 * are used, else the rules without a selector. The chosen rules merge in document order:
 * subsets are added (the first definition of a name wins) and the first top-level
 * trafficPolicy wins, whole.
 */
import { matchesSelector } from '../../model/index.ts';
import type { DestinationRule, Labels, Subset } from '../../model/index.ts';
import type { ProxyClass, TranslateContext } from '../types.ts';
import type { JsonRecord } from './json.ts';

export interface SubsetRule {
  subset: Subset;
  rule: DestinationRule;
}

export interface AppliedRules {
  /** The merged rules, in order. */
  rules: readonly DestinationRule[];
  /** The top-level trafficPolicy in effect and the rule that declares it. */
  policy?: { value: JsonRecord; rule: DestinationRule };
  subsets: readonly SubsetRule[];
}

function sameLabels(a: Labels | undefined, b: Labels | undefined): boolean {
  if (!a || !b) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

function applicable(candidates: readonly DestinationRule[], proxy: ProxyClass): readonly DestinationRule[] {
  let withSelector = false;
  for (const r of candidates) if (r.workloadSelector) withSelector = true;
  if (!withSelector) return candidates;
  const chosen = candidates.find((r) => r.workloadSelector && r.namespace === proxy.namespace && matchesSelector(proxy.labels, r.workloadSelector));
  if (chosen) return candidates.filter((r) => r.workloadSelector && r.namespace === proxy.namespace && sameLabels(r.workloadSelector, chosen.workloadSelector));
  return candidates.filter((r) => !r.workloadSelector);
}

export function appliedRules(ctx: TranslateContext, host: string): AppliedRules | undefined {
  const rules = applicable(ctx.index.destinationRulesFor(ctx.proxy.namespace, host), ctx.proxy);
  if (rules.length === 0) return undefined;
  let policy: AppliedRules['policy'];
  const subsets: SubsetRule[] = [];
  const names = new Set<string>();
  for (const rule of rules) {
    if (!policy && rule.trafficPolicy) policy = { value: rule.trafficPolicy, rule };
    for (const subset of rule.subsets) {
      if (names.has(subset.name)) continue;
      names.add(subset.name);
      subsets.push({ subset, rule });
    }
  }
  return policy ? { rules, policy, subsets } : { rules, subsets };
}
