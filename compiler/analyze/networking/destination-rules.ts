/**
 * SLU3004: a DestinationRule whose host matches no service (it configures nothing).
 * SLU3005: several DestinationRules for one host in one namespace. Istio merges them:
 *   subsets are added (the first definition of a name wins), the first rule's
 *   trafficPolicy wins and a later one is used only when no earlier rule has one, and
 *   likewise for exportTo (istio#33147: subsets in one rule and policy in another).
 *   Rules with a workloadSelector merge only with rules with the same selector.
 * SLU3006: two subsets with one name in a DestinationRule (Istio rejects the rule).
 *
 * "First" is the order of the documents in the policy set (sorted file paths, then order
 * in the file); Istio orders by creation time, which a Git repository does not have.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { indexOf, isWildcardHost } from '../../model/index.ts';
import type { DestinationRule, PolicyModel } from '../../model/index.ts';
import { at, describeResource, place, quoteList, related } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';
import { clusterNamespaceOf, registryOf } from './registry.ts';

export const UNKNOWN_DESTINATION_RULE_HOST = defineCode({
  code: 'SLU3004',
  stage: 'networking',
  severity: 'warning',
  title: 'DestinationRule host matches no service',
  hint: 'Correct the host (short names are qualified with the DestinationRule\'s namespace) or remove the DestinationRule; declare external hosts with a ServiceEntry.',
});

export const DUPLICATE_DESTINATION_RULE = defineCode({
  code: 'SLU3005',
  stage: 'networking',
  severity: 'warning',
  title: 'Several DestinationRules for one host',
  hint: 'Merge the DestinationRules for this host into one: Istio merges their subsets but keeps only the first trafficPolicy and exportTo, so settings in the later rule are silently ignored.',
});

export const DUPLICATE_SUBSET_NAME = defineCode({
  code: 'SLU3006',
  stage: 'networking',
  severity: 'error',
  title: 'Duplicate subset name in a DestinationRule',
  hint: 'Give every subset of a DestinationRule a distinct name; Istio rejects a rule with duplicate subset names.',
});

function checkHosts(model: PolicyModel, out: Diagnostic[]): void {
  const registry = registryOf(model);
  if (!registry.hasRegistry) return;
  const index = indexOf(model);
  for (const rule of model.destinationRules) {
    const fqdn = rule.host.fqdn;
    if (fqdn === '' || index.isKnownHost(fqdn)) continue;
    const shown = fqdn === rule.host.written ? `"${fqdn}"` : `"${rule.host.written}" (${fqdn})`;
    const ns = clusterNamespaceOf(fqdn, registry.domainSuffix);
    if (ns !== undefined && !registry.namespaces.has(ns)) {
      out.push(
        diagnostic(UNKNOWN_DESTINATION_RULE_HOST, at(rule, rule.host.path), `DestinationRule host ${shown} matches no service in the policy set (it declares no Service in namespace ${ns}); the rule has no effect unless the service exists outside this repository`, {
          severity: 'info',
        }),
      );
      continue;
    }
    const what = isWildcardHost(fqdn) ? 'matches no service' : 'is not a known service';
    out.push(diagnostic(UNKNOWN_DESTINATION_RULE_HOST, at(rule, rule.host.path), `DestinationRule host ${shown} ${what}; the rule configures nothing`));
  }
}

function mergeReport(first: DestinationRule, earlier: readonly DestinationRule[], rule: DestinationRule): string {
  const parts: string[] = [];
  const defined = new Map<string, DestinationRule>();
  for (const r of earlier) for (const s of r.subsets) if (!defined.has(s.name)) defined.set(s.name, r);
  const ignored = rule.subsets.filter((s) => defined.has(s.name)).map((s) => s.name);
  const added = rule.subsets.filter((s) => !defined.has(s.name)).map((s) => s.name);
  if (ignored.length > 0) parts.push(`its subset${ignored.length > 1 ? 's' : ''} ${quoteList(ignored)} ${ignored.length > 1 ? 'are' : 'is'} ignored (already defined there)`);
  if (added.length > 0) parts.push(`its subset${added.length > 1 ? 's' : ''} ${quoteList(added)} ${added.length > 1 ? 'are' : 'is'} added to the merged rule`);
  const policyOwner = earlier.find((r) => r.trafficPolicy !== undefined);
  if (rule.trafficPolicy) {
    parts.push(
      policyOwner
        ? `its trafficPolicy is ignored (${describeResource(policyOwner.doc)}'s applies)`
        : 'its trafficPolicy applies to the whole host although it lives in a different rule',
    );
  }
  if (rule.exportTo.length > 0) {
    const exportOwner = earlier.find((r) => r.exportTo.length > 0);
    if (!exportOwner) parts.push('its exportTo applies to the merged rule');
    else if (exportOwner.exportTo.join(',') !== rule.exportTo.join(',')) parts.push(`its exportTo is ignored (${describeResource(exportOwner.doc)}'s applies)`);
  }
  if (parts.length === 0) parts.push('it adds nothing');
  return parts.join('; ');
}

function checkDuplicates(model: PolicyModel, out: Diagnostic[]): void {
  const groups = new Map<string, DestinationRule[]>();
  for (const rule of model.destinationRules) {
    if (rule.host.fqdn === '') continue;
    // rules merge when neither has a workloadSelector, or both select the same labels
    const selector = rule.workloadSelector
      ? Object.entries(rule.workloadSelector).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',')
      : '';
    const key = `${rule.namespace}\u0000${rule.host.fqdn}\u0000${rule.workloadSelector ? 'selector:' : ''}${selector}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(rule);
  }
  for (const rules of groups.values()) {
    if (rules.length < 2) continue;
    const first = rules[0];
    if (!first) continue;
    for (let i = 1; i < rules.length; i++) {
      const rule = rules[i];
      if (!rule) continue;
      const earlier = rules.slice(0, i);
      out.push(
        diagnostic(
          DUPLICATE_DESTINATION_RULE,
          at(rule, rule.host.path),
          `${describeResource(rule.doc)} configures host ${rule.host.fqdn}, which ${describeResource(first.doc)} at ${place(first, first.host.path)} already configures; Istio merges them: ${mergeReport(first, earlier, rule)}`,
          { related: [related(first, first.host.path, `${describeResource(first.doc)} configures ${rule.host.fqdn} first`)] },
        ),
      );
    }
  }
}

function checkSubsetNames(model: PolicyModel, out: Diagnostic[]): void {
  for (const rule of model.destinationRules) {
    const firstByName = new Map<string, (typeof rule.subsets)[number]>();
    for (const subset of rule.subsets) {
      const first = firstByName.get(subset.name);
      if (!first) {
        firstByName.set(subset.name, subset);
        continue;
      }
      out.push(
        diagnostic(DUPLICATE_SUBSET_NAME, at(rule, [...subset.path, 'name']), `subset "${subset.name}" is defined twice in ${describeResource(rule.doc)}: here and at ${place(rule, [...first.path, 'name'])}`, {
          related: [related(rule, [...first.path, 'name'], `subset "${subset.name}" first defined here`)],
        }),
      );
    }
  }
}

export const destinationRules: Analyzer = {
  name: 'destination-rules',
  codes: [UNKNOWN_DESTINATION_RULE_HOST, DUPLICATE_DESTINATION_RULE, DUPLICATE_SUBSET_NAME],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    checkHosts(model, out);
    checkDuplicates(model, out);
    checkSubsetNames(model, out);
    return out;
  },
};
