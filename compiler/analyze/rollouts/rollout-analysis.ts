/**
 * The analyses a Rollout runs — analysis steps and the background analysis — against the
 * templates in the repository: each named AnalysisTemplate exists in the rollout's
 * namespace (a ClusterAnalysisTemplate with `clusterScope: true`), the rollout passes
 * every argument a template declares without a value. sluice's built-in golden-signal
 * templates (`sluice-istio-success-rate`, ...) need not be in the repository. (A background `startingStep` past
 * the last step is rejected by the Rollout schema's own rule.)
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { arr, rec, str } from '../../model/index.ts';
import type { AnalysisTemplate, PolicyModel, Rollout } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { analysisUses, BUILTIN_TEMPLATE_NAME, findTemplate, requiredArgs, templateName } from './templates.ts';
import type { AnalysisUse } from './templates.ts';

export const TEMPLATE_NOT_FOUND = defineCode({
  code: 'SLU6007',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout analysis names a template that does not exist',
  hint: 'An AnalysisTemplate must be in the rollout\'s namespace; a ClusterAnalysisTemplate needs `clusterScope: true` next to `templateName`. Check the name and the scope.',
});

export const MISSING_ARGS = defineCode({
  code: 'SLU6008',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout analysis does not pass an argument the template requires',
  hint: 'Arguments a template declares without a `value` must come from the rollout: add `args: [{name: NAME, value: ...}]` to the analysis, or give the argument a default `value` in the template.',
});

/**
 * Arguments the rollout controller passes to every analysis it runs (rollouts/controller
 * analysis.ts): the routed service and its namespace, the canary and stable subsets, and the
 * Prometheus address `sluice serve --prometheus` names. A template may leave them without a
 * value.
 */
export const CONTROLLER_ARGS: readonly string[] = ['service', 'namespace', 'subset', 'stable-subset', 'prometheus'];

function checkUse(model: PolicyModel, rollout: Rollout, use: AnalysisUse, out: Diagnostic[]): void {
  const doc = rollout.doc;
  const supplied = new Set<string>(CONTROLLER_ARGS);
  for (const item of arr(use.value.args)) {
    const name = str(rec(item)?.name);
    if (name !== undefined) supplied.add(name);
  }
  const found: { template: AnalysisTemplate; index: number }[] = [];
  arr(use.value.templates).forEach((item, i) => {
    const ref = rec(item);
    const name = str(ref?.templateName);
    if (!ref || name === undefined) return;
    const clusterScope = ref.clusterScope === true;
    const template = findTemplate(model, name, rollout.namespace, clusterScope);
    if (template) {
      found.push({ template, index: i });
      return;
    }
    if (BUILTIN_TEMPLATE_NAME.test(name)) return;
    const other = findTemplate(model, name, rollout.namespace, !clusterScope);
    const tip = other ? ` (there is a ${other.kind} of that name: ${clusterScope ? 'remove' : 'set'} \`clusterScope: true\`)` : '';
    const what = clusterScope ? `ClusterAnalysisTemplate ${name}` : `AnalysisTemplate ${name} in namespace ${rollout.namespace}`;
    out.push(diagnostic(TEMPLATE_NOT_FOUND, doc.locate([...use.path, 'templates', i, 'templateName'], 'value'), `the ${use.label} of rollout ${rollout.name} names ${what}, which does not exist${tip}`));
  });
  for (const { template, index } of found) {
    const missing = requiredArgs(template).filter((name) => !supplied.has(name));
    if (missing.length === 0) continue;
    const at = use.value.args !== undefined ? doc.locate([...use.path, 'args'], 'key') : doc.locate([...use.path, 'templates', index, 'templateName'], 'value');
    out.push(
      diagnostic(MISSING_ARGS, at, `the ${use.label} of rollout ${rollout.name} does not pass ${missing.map((m) => `\`${m}\``).join(', ')}, which ${templateName(template)} requires`),
    );
  }
}

export const rolloutAnalysis: Analyzer = {
  name: 'rollout-analysis',
  codes: [TEMPLATE_NOT_FOUND, MISSING_ARGS],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const rollout of model.rollouts) for (const use of analysisUses(rollout)) checkUse(model, rollout, use, out);
    return out;
  },
};
