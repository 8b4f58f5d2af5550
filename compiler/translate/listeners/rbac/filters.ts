/**
 * The AuthorizationPolicies of a workload → RBAC filters, in Istio's order: CUSTOM, AUDIT,
 * DENY, ALLOW. Decision: a matching DENY denies; with no ALLOW policy everything else is
 * allowed; with ALLOW policies only what one of their rules matches is (an ALLOW policy
 * without rules therefore denies everything). Policies annotated `istio.io/dry-run: "true"`
 * become shadow rules (evaluated and logged, never enforced).
 *
 * CUSTOM needs an extension provider from MeshConfig that a policy repository does not
 * carry; as Istio does for an unknown provider, its rules deny. Proxyless gRPC servers
 * cannot log (AUDIT) or shadow, so those policies are left out for them with a diagnostic.
 */
import type { AuthorizationAction, AuthorizationPolicy } from '../../../model/index.ts';
import type { JsonObject } from '../../../xds/index.ts';
import { EXTENSION_TYPE_URLS as X } from '../../../xds/index.ts';
import { AUTHZ_ATTRIBUTE_UNSUPPORTED, AUTHZ_NOT_ENFORCED, AUTHZ_VALUE_UNTRANSLATABLE, CUSTOM_WITHOUT_PROVIDER } from '../codes.ts';
import { NETWORK_RBAC_FILTER, RBAC_FILTER } from '../filters.ts';
import type { Reporter, RelativeSource } from '../sources.ts';
import { buildRule, rbacPolicyName } from './rule.ts';
import type { RuleIssue, Target } from './rule.ts';

export interface RbacFilters {
  /** HTTP filters (`http`, `grpc`) or network filters (`tcp`), in evaluation order. */
  filters: JsonObject[];
  /** Per filter, where its parts came from (paths relative to the filter). */
  sources: RelativeSource[][];
}

const ORDER: readonly AuthorizationAction[] = ['CUSTOM', 'AUDIT', 'DENY', 'ALLOW'];
const RBAC_ACTION: Readonly<Record<AuthorizationAction, string>> = { CUSTOM: 'DENY', AUDIT: 'LOG', DENY: 'DENY', ALLOW: 'ALLOW' };

export function isDryRun(policy: AuthorizationPolicy): boolean {
  const metadata = policy.doc.data.metadata;
  if (typeof metadata !== 'object' || metadata === null) return false;
  const annotations = (metadata as Record<string, unknown>).annotations;
  if (typeof annotations !== 'object' || annotations === null) return false;
  return (annotations as Record<string, unknown>)['istio.io/dry-run'] === 'true';
}

function describe(policy: AuthorizationPolicy): string {
  return `AuthorizationPolicy ${policy.namespace}/${policy.name}`;
}

const WHERE: Readonly<Record<Target, string>> = {
  http: 'this listener',
  tcp: 'a TCP port (no HTTP request, no JWT)',
  grpc: 'a proxyless gRPC server',
};

function reportIssues(reporter: Reporter, policy: AuthorizationPolicy, index: number, target: Target, dropsRule: boolean, issues: readonly RuleIssue[]): void {
  for (const issue of issues) {
    const origin = { doc: policy.doc, path: issue.path };
    const rule = `rule ${index} of ${describe(policy)}`;
    const outcome = dropsRule
      ? `the ${policy.action} rule is left out there, so it allows nothing`
      : `the ${policy.action} rule applies there without it, so it matches more`;
    if (issue.kind === 'unsupported') {
      reporter.at(AUTHZ_ATTRIBUTE_UNSUPPORTED, origin, `${rule} uses ${issue.attribute}, which ${WHERE[target]} cannot evaluate: ${outcome}`);
    } else {
      reporter.at(AUTHZ_VALUE_UNTRANSLATABLE, origin, `${rule}: ${issue.attribute} has a value sluice cannot turn into a matcher: ${outcome}`);
    }
  }
}

interface ActionRules {
  enforced: JsonObject;
  shadow: JsonObject;
  enforcedCount: number;
  shadowCount: number;
  /** At least one enforced policy of this action applies (an ALLOW filter then exists even without rules). */
  anyEnforced: boolean;
  sources: RelativeSource[];
}

/**
 * RBAC filters for one workload and one kind of listener. `policies` are the ones that
 * apply to the workload, sorted (see `authorizationPoliciesFor`).
 */
export function buildRbacFilters(policies: readonly AuthorizationPolicy[], target: Target, reporter: Reporter): RbacFilters {
  const byAction = new Map<AuthorizationAction, ActionRules>();
  for (const policy of policies) {
    const dryRun = isDryRun(policy);
    if (target === 'grpc' && (policy.action === 'AUDIT' || dryRun)) {
      const what = policy.action === 'AUDIT' ? 'AUDIT policies (the RBAC LOG action)' : 'dry-run policies (shadow rules)';
      reporter.at(AUTHZ_NOT_ENFORCED, { doc: policy.doc, path: dryRun ? ['metadata', 'annotations'] : ['spec', 'action'] }, `${describe(policy)} is left out for proxyless gRPC servers: they do not support ${what}`);
      continue;
    }
    if (policy.action === 'CUSTOM') {
      const provider = policy.provider === undefined ? 'no provider' : `provider "${policy.provider}"`;
      reporter.at(
        CUSTOM_WITHOUT_PROVIDER,
        { doc: policy.doc, path: policy.provider === undefined ? ['spec', 'action'] : ['spec', 'provider', 'name'] },
        `${describe(policy)} (CUSTOM, ${provider}) cannot reach an external authorizer from sluice's configuration: requests its rules match are denied`,
      );
    }
    let rules = byAction.get(policy.action);
    if (!rules) {
      // the filter as a whole comes from the first policy of its action
      const sources: RelativeSource[] = [{ path: [], origin: { doc: policy.doc, path: [] } }];
      byAction.set(policy.action, (rules = { enforced: {}, shadow: {}, enforcedCount: 0, shadowCount: 0, anyEnforced: false, sources }));
    }
    if (!dryRun) rules.anyEnforced = true;
    const dropsRule = policy.action === 'ALLOW';
    (policy.rules ?? []).forEach((rule, index) => {
      const rulePath = ['spec', 'rules', index];
      const built = buildRule(rule, rulePath, policy, target, dropsRule);
      reportIssues(reporter, policy, index, target, dropsRule, built.issues);
      if (!built.policy) return;
      let name = rbacPolicyName(policy, index);
      if (policy.action === 'CUSTOM') name += '-deny-due-to-bad-CUSTOM-action';
      const into = dryRun ? rules.shadow : rules.enforced;
      into[name] = built.policy;
      if (dryRun) rules.shadowCount++;
      else rules.enforcedCount++;
      rules.sources.push({ path: ['typedConfig', dryRun ? 'shadowRules' : 'rules', 'policies', name], origin: { doc: policy.doc, path: rulePath } });
    });
  }

  const filters: JsonObject[] = [];
  const sources: RelativeSource[][] = [];
  for (const action of ORDER) {
    const rules = byAction.get(action);
    if (!rules) continue;
    const needsEnforced = rules.enforcedCount > 0 || (action === 'ALLOW' && rules.anyEnforced);
    if (!needsEnforced && rules.shadowCount === 0) continue;
    const config: JsonObject = { '@type': target === 'tcp' ? X.networkRbac : X.rbac };
    if (target === 'tcp') config.statPrefix = 'tcp.';
    if (needsEnforced) config.rules = { action: RBAC_ACTION[action], policies: rules.enforced };
    if (rules.shadowCount > 0) {
      config.shadowRules = { action: RBAC_ACTION[action], policies: rules.shadow };
      config.shadowRulesStatPrefix = `istio_dry_run_${action.toLowerCase()}_`;
    }
    filters.push({ name: `${target === 'tcp' ? NETWORK_RBAC_FILTER : RBAC_FILTER}.${action.toLowerCase()}`, typedConfig: config });
    sources.push(rules.sources);
  }
  return { filters, sources };
}
