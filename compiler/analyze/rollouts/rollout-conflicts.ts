/**
 * Two Rollouts shifting weights on one VirtualService route: each would overwrite the
 * other's weights at every step.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel, Rollout } from '../../model/types.ts';
import { related } from '../security/context.ts';
import type { Analyzer } from '../types.ts';
import { targetPath } from './rollout-target.ts';

export const ROUTE_CONFLICT = defineCode({
  code: 'SLU6006',
  stage: 'rollouts',
  severity: 'error',
  title: 'Two Rollouts target the same VirtualService route',
  hint: 'Only one rollout at a time may own a route\'s weights. Give each rollout its own route (a separate `http` entry, matched by header or URI if need be), or merge the rollouts.',
});

export const rolloutConflicts: Analyzer = {
  name: 'rollout-conflicts',
  codes: [ROUTE_CONFLICT],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    const owners = new Map<string, Rollout>();
    for (const rollout of model.rollouts) {
      const vs = rollout.virtualService;
      const route = rollout.targetRoute;
      if (!vs || !route) continue;
      const key = `${vs.namespace}\u0000${vs.name}\u0000${route.index}`;
      const first = owners.get(key);
      if (!first) {
        owners.set(key, rollout);
        continue;
      }
      const where = (r: Rollout) => r.doc.locate(targetPath(r, r.route === undefined ? 'virtualService' : 'route'), 'value');
      out.push(
        diagnostic(ROUTE_CONFLICT, where(rollout), `rollouts ${rollout.namespace}/${rollout.name} and ${first.namespace}/${first.name} both shift weights on route ${route.name ?? `#${route.index}`} of VirtualService ${vs.namespace}/${vs.name}`, {
          related: [related(where(first), `rollout ${first.name} targets the same route`)],
        }),
      );
    }
    return out;
  },
};
