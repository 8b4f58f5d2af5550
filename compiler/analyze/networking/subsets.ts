/**
 * SLU3002: a route names a subset no applicable DestinationRule defines (Envoy gets a
 * route to a cluster that does not exist: 503).
 * SLU3003: a subset whose labels select no workload and no endpoint of its service:
 * an error where a route sends it traffic (503 "no healthy upstream"), a warning where
 * it is only defined.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { indexOf, isWildcardHost } from '../../model/index.ts';
import type { DestinationRule, PolicyModel, Service, Subset, VirtualService } from '../../model/index.ts';
import { at, describeResource, forEachDestination, forEachDestinationOf, perVirtualService, place, quoteList, related } from '../shared/index.ts';
import type { DestinationUse } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const UNKNOWN_SUBSET = defineCode({
  code: 'SLU3002',
  stage: 'networking',
  severity: 'error',
  title: 'Subset is not defined by any DestinationRule for the host',
  hint: 'Define the subset (name and labels) in the DestinationRule for this host, in the route\'s namespace or the service\'s namespace, or route to a subset that exists.',
  istio: 'IST0101',
});

export const EMPTY_SUBSET = defineCode({
  code: 'SLU3003',
  stage: 'networking',
  severity: 'warning',
  title: 'Subset selects no workload',
  hint: 'Fix the subset labels so they match the pod template labels (or WorkloadEntry labels) of the service\'s workloads, deploy the missing version, or remove the subset.',
  istio: 'IST0173',
});

function labelText(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '{}' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * Whether "selects nothing" can be known: every service behind the host has endpoints the
 * policy set describes (a Kubernetes selector, a ServiceEntry workloadSelector or inline
 * endpoints), and the policy set carries at least one of its workloads. A selector-less
 * Service or a DNS ServiceEntry gets endpoints from elsewhere; a Service whose pods the
 * repository does not contain (deployed by another pipeline) cannot be judged either.
 */
function endpointsKnowable(services: readonly Service[]): boolean {
  if (services.length === 0) return false;
  let described = 0;
  for (const s of services) {
    if (s.source === 'kubernetes' && !s.selector) return false;
    if (s.source === 'serviceentry' && !s.selector && s.endpoints.length === 0) return false;
    described += s.workloads.length + s.endpoints.length;
  }
  return described > 0;
}

function checkUnknownSubsets(vs: VirtualService, model: PolicyModel, out: Diagnostic[]): void {
  const index = indexOf(model);
  forEachDestinationOf(vs, ({ destination: d }) => {
    if (d.subset === undefined || d.resolvedSubset || isWildcardHost(d.host.fqdn)) return;
    if (!index.isKnownHost(d.host.fqdn)) return; // SLU3001 reports the host
    const loc = at(vs, [...d.path, 'destination', 'subset']);
    const applicable = index.destinationRulesFor(vs.namespace, d.host.fqdn);
    const anywhere = index.destinationRulesNaming(d.host.fqdn);
    if (applicable.length === 0 && anywhere.length === 0) {
      out.push(diagnostic(UNKNOWN_SUBSET, loc, `subset "${d.subset}" of ${d.host.fqdn} is not defined: no DestinationRule exists for this host, so Envoy has no cluster for the subset and requests fail with 503`));
      return;
    }
    const rules = applicable.length > 0 ? applicable : anywhere;
    const available = [...new Set(rules.flatMap((r) => r.subsets.map((s) => s.name)))];
    const elsewhere = anywhere.find((r) => !applicable.includes(r) && r.subsets.some((s) => s.name === d.subset));
    const names = rules.map((r) => `${describeResource(r.doc)} (${place(r, r.host.path)})`).join(', ');
    const which = applicable.length > 0 ? `${names}, which ${rules.length > 1 ? 'apply' : 'applies'} here,` : names;
    let message = `subset "${d.subset}" is not defined for ${d.host.fqdn}: ${which} ${rules.length > 1 ? 'define' : 'defines'} ${available.length > 0 ? `only ${quoteList(available)}` : 'no subsets'}`;
    if (elsewhere) message += `; ${describeResource(elsewhere.doc)} defines it but does not apply to routes in namespace ${vs.namespace} (a DestinationRule in the client's namespace takes precedence over the service's)`;
    out.push(
      diagnostic(UNKNOWN_SUBSET, loc, message, {
        related: rules.map((r) => related(r, r.host.path, `DestinationRule for ${d.host.fqdn}`)),
      }),
    );
  });
}

interface EmptySubset {
  rule: DestinationRule;
  subset: Subset;
  serviceNames: string;
}

/** Subsets that select nothing, in rule order; they depend on rules and services only, not on routes. */
const emptySubsetsCache = new WeakMap<readonly DestinationRule[], { services: readonly Service[]; empty: EmptySubset[] }>();

function emptySubsets(model: PolicyModel): EmptySubset[] {
  const cached = emptySubsetsCache.get(model.destinationRules);
  if (cached && cached.services === model.services) return cached.empty;
  const index = indexOf(model);
  const empty: EmptySubset[] = [];
  // Only the subsets Istio keeps: for rules merged on one host, the first definition of a name wins.
  const seen = new Map<string, Set<string>>();
  for (const rule of model.destinationRules) {
    if (isWildcardHost(rule.host.fqdn) || !index.isKnownHost(rule.host.fqdn)) continue;
    const services = index.servicesFor(rule.host.fqdn);
    if (!endpointsKnowable(services)) continue;
    const key = `${rule.namespace}\u0000${rule.host.fqdn}\u0000${rule.workloadSelector ? rule.name : ''}`;
    let names = seen.get(key);
    if (!names) seen.set(key, (names = new Set()));
    for (const subset of rule.subsets) {
      if (names.has(subset.name)) continue;
      names.add(subset.name);
      if (subset.workloads.length > 0 || subset.endpoints.length > 0) continue;
      const serviceNames = services.map((s) => (s.source === 'kubernetes' ? `Service ${s.namespace}/${s.name}` : `ServiceEntry ${s.namespace}/${s.name}`)).join(', ');
      empty.push({ rule, subset, serviceNames });
    }
  }
  emptySubsetsCache.set(model.destinationRules, { services: model.services, empty });
  return empty;
}

function checkEmptySubsets(model: PolicyModel, out: Diagnostic[]): void {
  const empty = emptySubsets(model);
  if (empty.length === 0) return;
  // Routes that send traffic to each subset (resolved by the model through Istio's DestinationRule precedence).
  const usedBy = new Map<Subset, DestinationUse[]>();
  forEachDestination(model, (use) => {
    const s = use.destination.resolvedSubset;
    if (!s || use.effectiveWeight <= 0) return;
    let list = usedBy.get(s);
    if (!list) usedBy.set(s, (list = []));
    list.push(use);
  });
  for (const { rule, subset, serviceNames } of empty) {
    const uses = usedBy.get(subset);
    if (!uses) {
      out.push(
        diagnostic(
          EMPTY_SUBSET,
          at(rule, [...subset.path, 'name']),
          `subset "${subset.name}" (${labelText(subset.labels)}) selects no workload or endpoint of ${serviceNames}; no route sends it traffic yet, but one that did would get 503 (no healthy upstream)`,
        ),
      );
      continue;
    }
    for (const use of uses) {
      out.push(
        diagnostic(
          EMPTY_SUBSET,
          at(use.vs, [...use.destination.path, 'destination', 'subset']),
          `this route sends traffic (weight ${use.effectiveWeight}) to subset "${subset.name}" of ${use.destination.host.fqdn}, whose labels ${labelText(subset.labels)} select no workload or endpoint of ${serviceNames} (defined at ${place(rule, subset.path)}): requests fail with 503 (no healthy upstream)`,
          { severity: 'error', related: [related(rule, subset.path, `subset "${subset.name}" defined here`)] },
        ),
      );
    }
  }
}

export const subsets: Analyzer = perVirtualService({
  name: 'subsets',
  codes: [UNKNOWN_SUBSET, EMPTY_SUBSET],
  check: checkUnknownSubsets,
  // an empty subset is found on the rule, then reported at every route that uses it
  after: checkEmptySubsets,
});
