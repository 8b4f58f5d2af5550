/**
 * A security policy whose workload selector matches no workload (istioctl analyze IST0127).
 *
 * Only reported where the policy repository is the registry for that namespace: when it
 * declares at least one workload there (all namespaces for a policy in the root namespace).
 * A repository that carries policies but no Deployments cannot tell, and says nothing.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { policyName, securityIndex } from './context.ts';
import type { SecurityPolicy } from './context.ts';

export const SELECTOR_MATCHES_NOTHING = defineCode({
  code: 'SLU5008',
  stage: 'security',
  severity: 'warning',
  title: 'Security policy selector matches no workload',
  hint: 'Check the labels under `selector.matchLabels` against the pod template labels of the workloads it is meant for (and the policy namespace: a selector only matches workloads in its own namespace, or in every namespace for the root namespace). A policy that selects nothing has no effect.',
  istio: 'IST0127',
});

function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export const selectorMatchesNothing: Analyzer = {
  name: 'security-selector-matches-nothing',
  codes: [SELECTOR_MATCHES_NOTHING],
  run(model: PolicyModel): Diagnostic[] {
    const index = securityIndex(model);
    const out: Diagnostic[] = [];
    const policies: SecurityPolicy[] = [...model.authorizationPolicies, ...model.peerAuthentications, ...model.requestAuthentications];
    for (const policy of policies) {
      const selector = policy.selection.selector;
      if (!selector || Object.keys(selector).length === 0 || policy.selection.workloads.length > 0) continue;
      const knowable = policy.namespace === model.rootNamespace ? index.namespacesWithWorkloads.size > 0 : index.namespacesWithWorkloads.has(policy.namespace);
      if (!knowable) continue;
      const where = policy.namespace === model.rootNamespace ? 'in any namespace' : `in namespace ${policy.namespace}`;
      out.push(
        diagnostic(
          SELECTOR_MATCHES_NOTHING,
          policy.doc.locate(policy.selection.path, 'key'),
          `${policyName(policy)} selects no workload: no workload ${where} has the labels ${formatLabels(selector)}`,
        ),
      );
    }
    return out;
  },
};
