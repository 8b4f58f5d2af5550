/**
 * Measurement counts, limits and durations of metrics, checked as Argo Rollouts validates
 * them: limits are not negative, `count` above 1 needs an `interval`, a `count` cannot be
 * below `failureLimit` or `inconclusiveLimit` (the limit could never be reached), and
 * `interval` / `initialDelay` are Go durations ("30s", "5m", "1h30m").
 *
 * Values written as `{{args.NAME}}` are only known at run time and are skipped.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { num } from '../../model/index.ts';
import type { AnalysisMetric, AnalysisTemplate, PolicyModel } from '../../model/types.ts';
import { parseDurationMs } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';
import { templateName } from './templates.ts';

export const NEGATIVE_LIMIT = defineCode({
  code: 'SLU6025',
  stage: 'rollouts',
  severity: 'error',
  title: 'Negative metric count or limit',
  hint: '`count`, `failureLimit`, `inconclusiveLimit` and `consecutiveErrorLimit` are numbers of measurements: 0 or more. (`failureLimit: 0` fails on the first failed measurement.)',
});

export const INCONSISTENT_COUNT = defineCode({
  code: 'SLU6026',
  stage: 'rollouts',
  severity: 'error',
  title: 'Metric count does not fit its interval or limits',
  hint: 'A metric measured more than once (`count` > 1) needs an `interval` between measurements, and `count` must be at least `failureLimit` and `inconclusiveLimit`, or those limits can never be reached. Argo Rollouts rejects both.',
});

export const INVALID_DURATION = defineCode({
  code: 'SLU6027',
  stage: 'rollouts',
  severity: 'error',
  title: 'Metric interval or initialDelay is not a duration',
  hint: 'Write durations as Go does: a number with a unit, "30s", "5m", "1h30m" (units ns, us, ms, s, m, h). A bare number such as "60" has no unit and is rejected.',
});

const LIMITS = ['count', 'failureLimit', 'inconclusiveLimit', 'consecutiveErrorLimit'] as const;

function checkMetric(template: AnalysisTemplate, metric: AnalysisMetric, out: Diagnostic[]): void {
  const doc = template.doc;
  const at = (field: string) => doc.locate([...metric.path, field], 'value');
  const where = `metric ${metric.name} in ${templateName(template)}`;
  const values: Partial<Record<(typeof LIMITS)[number], number>> = {};
  for (const field of LIMITS) {
    const value = num(metric.raw[field]);
    if (value === undefined) continue;
    values[field] = value;
    if (value < 0) out.push(diagnostic(NEGATIVE_LIMIT, at(field), `${field} of ${where} is ${value}; it must be 0 or more`));
  }
  for (const field of ['interval', 'initialDelay'] as const) {
    const value = metric.raw[field];
    if (typeof value !== 'string' || value.includes('{{')) continue;
    const ms = parseDurationMs(value);
    if (ms === undefined || ms < 0) out.push(diagnostic(INVALID_DURATION, at(field), `${field} of ${where} is "${value}", which is not a duration`));
  }
  const count = values.count;
  if (count === undefined) return;
  if (count > 1 && metric.raw.interval === undefined) {
    out.push(diagnostic(INCONSISTENT_COUNT, at('count'), `${where} is measured ${count} times but has no interval between measurements`));
  }
  if (count > 0) {
    for (const limit of ['failureLimit', 'inconclusiveLimit'] as const) {
      const value = values[limit];
      if (value !== undefined && value > count) {
        out.push(diagnostic(INCONSISTENT_COUNT, at(limit), `${limit} of ${where} is ${value}, more than its count of ${count}: the limit can never be reached`));
      }
    }
  }
}

export const analysisLimits: Analyzer = {
  name: 'analysis-limits',
  codes: [NEGATIVE_LIMIT, INCONSISTENT_COUNT, INVALID_DURATION],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const template of model.analysisTemplates) for (const metric of template.metrics) checkMetric(template, metric, out);
    return out;
  },
};
