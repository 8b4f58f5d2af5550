/**
 * `successCondition` / `failureCondition` of metrics: they must parse as the expressions
 * Argo Rollouts evaluates (see expression.ts), name only what a condition can see, and a
 * metric needs at least one of them.
 *
 * A metric without conditions: Argo's code counts every measurement as Successful, its
 * documentation says Inconclusive. sluice picks Inconclusive — an error-free measurement
 * that decides nothing — so such a metric can never pass an analysis; it only pauses it.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { arr, dig, str } from '../../model/index.ts';
import type { AnalysisMetric, AnalysisTemplate, PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { KNOWN_NAMES, parseCondition, referencedNames } from './expression.ts';
import { locateInValue } from './position.ts';
import { substituteArgs } from './promql.ts';
import { argDefaults, templateName } from './templates.ts';

export const INVALID_CONDITION = defineCode({
  code: 'SLU6023',
  stage: 'rollouts',
  severity: 'error',
  title: 'Metric condition does not parse',
  hint: 'Write the condition as an expression over `result`, as Argo Rollouts does: `result[0] >= 0.95`, `len(result) > 0 && result[0] < 0.5`, `all(result, {# > 0.9})`, `isNaN(result[0])`. Quote the whole condition in YAML if it starts with a special character.',
});

export const UNKNOWN_CONDITION_NAME = defineCode({
  code: 'SLU6024',
  stage: 'rollouts',
  severity: 'warning',
  title: 'Metric condition uses a name that is not defined',
  hint: 'A condition sees only `result` (the measurement) and the built-in functions (len, all, any, isNaN, isInf, isNil, asInt, asFloat, default, abs, max, min, ...). Check the spelling.',
});

export const METRIC_WITHOUT_CONDITION = defineCode({
  code: 'SLU6028',
  stage: 'rollouts',
  severity: 'warning',
  title: 'Metric without a success or failure condition can never pass',
  hint: 'sluice treats a metric with neither `successCondition` nor `failureCondition` as an error-free but Inconclusive measurement (Argo\'s documented meaning; its code says Successful): it pauses the analysis and never lets it pass. Add `successCondition: result[0] >= ...` (and optionally a `failureCondition`), or list the metric under `spec.dryRun` if you only want to record it.',
});

/** A number where an argument has no value: conditions compare the measurement with it. */
function conditionStandIn(text: string, start: number): string {
  const quotes = (text.slice(0, start).match(/["']/g) ?? []).length;
  return quotes % 2 === 1 ? 'x' : '0';
}

function wordOffset(text: string, name: string): number {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`(^|[^A-Za-z0-9_$#.])(${escaped})(?![A-Za-z0-9_$])`).exec(text);
  return m ? m.index + (m[1]?.length ?? 0) : 0;
}

/** Whether `spec.dryRun` lists the metric (by name, or `.*` for all). */
function isDryRun(template: AnalysisTemplate, name: string): boolean {
  return arr(dig(template.doc.data, 'spec', 'dryRun')).some((entry) => {
    const metricName = str(dig(entry, 'metricName'));
    return metricName === name || metricName === '.*';
  });
}

function checkMetric(template: AnalysisTemplate, metric: AnalysisMetric, values: Map<string, string | undefined>, out: Diagnostic[]): void {
  const doc = template.doc;
  let conditions = 0;
  for (const field of ['successCondition', 'failureCondition'] as const) {
    const text = metric.raw[field];
    if (typeof text !== 'string') continue;
    conditions++;
    const path = [...metric.path, field];
    const substituted = substituteArgs(text, values, conditionStandIn);
    const parsed = parseCondition(substituted.text);
    if (!parsed.ok) {
      const offset = substituted.original(parsed.index);
      out.push(diagnostic(INVALID_CONDITION, locateInValue(doc, path, text, offset), `the ${field} of metric ${metric.name} in ${templateName(template)} does not parse: ${parsed.message}`));
      continue;
    }
    const unknown = [...new Set(referencedNames(parsed.ast))].filter((n) => !KNOWN_NAMES.has(n));
    for (const name of unknown) {
      out.push(
        diagnostic(
          UNKNOWN_CONDITION_NAME,
          locateInValue(doc, path, text, wordOffset(text, name), name.length),
          `the ${field} of metric ${metric.name} uses \`${name}\`, which a condition does not define${name === 'results' ? ' (did you mean `result`?)' : ''}`,
        ),
      );
    }
  }
  if (conditions === 0 && !isDryRun(template, metric.name)) {
    out.push(
      diagnostic(
        METRIC_WITHOUT_CONDITION,
        doc.locate([...metric.path, 'name'], 'value'),
        `metric ${metric.name} in ${templateName(template)} has neither successCondition nor failureCondition: sluice counts each measurement as Inconclusive, so the analysis can never pass`,
      ),
    );
  }
}

export const analysisConditions: Analyzer = {
  name: 'analysis-conditions',
  codes: [INVALID_CONDITION, UNKNOWN_CONDITION_NAME, METRIC_WITHOUT_CONDITION],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const template of model.analysisTemplates) {
      const values = argDefaults(template);
      for (const metric of template.metrics) checkMetric(template, metric, values, out);
    }
    return out;
  },
};
