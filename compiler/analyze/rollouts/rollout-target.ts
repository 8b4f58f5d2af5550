/**
 * What a Rollout shifts traffic on: its VirtualService (in the rollout's namespace), the
 * HTTP route in it (by name or index; optional when the VirtualService has one HTTP
 * route), the stable and canary subsets (defined by a DestinationRule for the route's
 * destination host, as seen from the VirtualService's namespace), and the route already
 * sending traffic to the stable subset.
 *
 * Stable and canary being the same subset is rejected by the Rollout schema's own rule
 * (the schema stage reports it), so it is not repeated here.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import { indexOf, rec } from '../../model/index.ts';
import type { PolicyModel, Rollout } from '../../model/types.ts';
import { related } from '../security/context.ts';
import type { Analyzer } from '../types.ts';

export const VIRTUAL_SERVICE_NOT_FOUND = defineCode({
  code: 'SLU6001',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout VirtualService not found',
  hint: 'The rollout shifts weights on a VirtualService in its own namespace: check `target.virtualService` against the VirtualService\'s `metadata.name` and namespace.',
  istio: 'IST0101',
});

export const ROUTE_NOT_FOUND = defineCode({
  code: 'SLU6002',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout route not found in its VirtualService',
  hint: 'Set `target.route` to the `name` of an entry of the VirtualService\'s `http` list (or its 0-based index). It may be left out only when the VirtualService has exactly one HTTP route.',
});

export const SUBSET_NOT_DEFINED = defineCode({
  code: 'SLU6003',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout subset not defined by a DestinationRule',
  hint: 'Define the subset (name and pod labels) in the DestinationRule for the route\'s destination host, or fix `stableSubset` / `canarySubset`.',
  istio: 'IST0101',
});

export const ROUTE_WITHOUT_STABLE = defineCode({
  code: 'SLU6005',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout route does not send traffic to the stable subset',
  hint: 'The target route must have a destination with the stable subset (`destination: {host: ..., subset: STABLE}`), which the rollout shifts weight away from. Add it, or point the rollout at the route that has it.',
});

/** Where a target field is written: `spec.target.FIELD`, else `spec.FIELD`, else `spec.target`. */
export function targetPath(rollout: Rollout, field: string): PathSegment[] {
  const target = rec(rollout.raw.target);
  if (target && target[field] !== undefined) return ['spec', 'target', field];
  if (rollout.raw[field] !== undefined) return ['spec', field];
  return target ? ['spec', 'target'] : ['spec'];
}

function check(model: PolicyModel, rollout: Rollout, out: Diagnostic[]): void {
  const doc = rollout.doc;
  const at = (field: string) => doc.locate(targetPath(rollout, field), 'value');
  if (rollout.virtualServiceName === '') return; // the schema reports a missing target
  const vs = rollout.virtualService;
  if (!vs) {
    out.push(diagnostic(VIRTUAL_SERVICE_NOT_FOUND, at('virtualService'), `rollout ${rollout.name} targets VirtualService ${rollout.virtualServiceName}, which does not exist in namespace ${rollout.namespace}`));
    return;
  }
  const route = rollout.targetRoute;
  if (!route) {
    const names = vs.http.map((h) => h.name ?? `#${h.index}`).join(', ');
    const message =
      rollout.route === undefined
        ? `rollout ${rollout.name} names no route, and VirtualService ${vs.namespace}/${vs.name} has ${vs.http.length === 0 ? 'no HTTP routes' : `${vs.http.length} HTTP routes (${names})`}`
        : `VirtualService ${vs.namespace}/${vs.name} has no HTTP route ${typeof rollout.route === 'number' ? `at index ${rollout.route}` : `named ${rollout.route}`}${vs.http.length > 0 ? ` (it has ${names})` : ''}`;
    out.push(diagnostic(ROUTE_NOT_FOUND, rollout.route === undefined ? at('virtualService') : at('route'), message));
    return;
  }
  const routeLabel = route.name ?? `#${route.index}`;
  const routeAt = () => related(vs.doc.locate(route.path, 'key'), `route ${routeLabel}`);
  const index = indexOf(model);
  const hosts = [...new Set(route.destinations.map((d) => d.host.fqdn))];
  let stableDefined = true;
  for (const field of ['stableSubset', 'canarySubset'] as const) {
    const subset = rollout[field];
    if (subset === '' || (field === 'canarySubset' && subset === rollout.stableSubset)) continue;
    for (const host of hosts) {
      if (index.findSubset(vs.namespace, host, subset)) continue;
      if (field === 'stableSubset') stableDefined = false;
      const defined = [...index.subsetsFor(vs.namespace, host).keys()];
      out.push(
        diagnostic(
          SUBSET_NOT_DEFINED,
          at(field),
          `${field} ${subset} of rollout ${rollout.name} is not defined for host ${host}: ${defined.length > 0 ? `its DestinationRules define ${defined.join(', ')}` : 'no DestinationRule defines subsets for it'}`,
          { related: [routeAt()] },
        ),
      );
    }
  }
  // An undefined stable subset is the finding above; that the route lacks it follows from it.
  if (stableDefined && rollout.stableSubset !== '' && !route.destinations.some((d) => d.subset === rollout.stableSubset)) {
    out.push(
      diagnostic(ROUTE_WITHOUT_STABLE, at(rollout.route === undefined ? 'virtualService' : 'route'), `route ${routeLabel} of VirtualService ${vs.namespace}/${vs.name} has no destination with the stable subset ${rollout.stableSubset}`, {
        related: [routeAt()],
      }),
    );
  }
}

export const rolloutTargets: Analyzer = {
  name: 'rollout-targets',
  codes: [VIRTUAL_SERVICE_NOT_FOUND, ROUTE_NOT_FOUND, SUBSET_NOT_DEFINED, ROUTE_WITHOUT_STABLE],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const rollout of model.rollouts) check(model, rollout, out);
    return out;
  },
};
