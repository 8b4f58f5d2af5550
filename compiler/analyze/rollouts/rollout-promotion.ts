/**
 * A Rollout whose last weight step leaves the canary short of 100% and that declares no
 * `promotion`: how the canary ends up with all traffic is not written in the rollout.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { num } from '../../model/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { specField } from './templates.ts';

export const UNFINISHED_ROLLOUT = defineCode({
  code: 'SLU6012',
  stage: 'rollouts',
  severity: 'info',
  title: 'Rollout ends below 100% without a promotion',
  hint: 'End the steps with `setWeight: 100`, or declare a `promotion`, so the end state of the rollout is written in the policy rather than left to whoever promotes it.',
});

export const rolloutPromotion: Analyzer = {
  name: 'rollout-promotion',
  codes: [UNFINISHED_ROLLOUT],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const rollout of model.rollouts) {
      if (specField(rollout, 'promotion')) continue;
      const weights = rollout.steps.filter((s) => s.kind === 'setWeight');
      const last = weights[weights.length - 1];
      if (!last) continue;
      const weight = num(last.raw.setWeight);
      if (weight === undefined || weight >= 100) continue;
      out.push(diagnostic(UNFINISHED_ROLLOUT, rollout.doc.locate([...last.path, 'setWeight'], 'value'), `the last weight step of rollout ${rollout.name} leaves the canary at ${weight}% and the rollout declares no promotion`));
    }
    return out;
  },
};
