/**
 * sluice's own settings on an AnalysisTemplate, carried as annotations so the template stays
 * valid for Argo Rollouts (rollouts/analysis reads them at run time):
 * - `sluice.dev/no-data-budget: DURATION`
 * - `sluice.dev/judge-baseline.METRIC: PROMQL`, and for the same METRIC
 *   `sluice.dev/judge-test.METRIC: mann-whitney | proportions`,
 *   `sluice.dev/judge-direction.METRIC: increase | decrease`,
 *   `sluice.dev/judge-min-samples.METRIC: N`
 * - `sluice.dev/description: TEXT`
 * Checked here so that a typo fails `sluice validate` instead of silently changing how a
 * canary is judged. Values written as `{{args.NAME}}` are only known at run time; queries
 * are parsed with the template's argument defaults substituted.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { AnalysisTemplate, PolicyModel } from '../../model/types.ts';
import { parseDurationMs } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';
import { promqlSyntaxError, substituteArgs } from './promql.ts';
import { argDefaults, templateName } from './templates.ts';

export const INVALID_SLUICE_ANNOTATION = defineCode({
  code: 'SLU6040',
  stage: 'rollouts',
  severity: 'error',
  title: 'Invalid sluice annotation on an analysis template',
  hint: 'sluice reads `sluice.dev/no-data-budget: 2m` (a duration) and, per metric, `sluice.dev/judge-baseline.METRIC: QUERY` (PromQL), `sluice.dev/judge-test.METRIC: mann-whitney|proportions`, `sluice.dev/judge-direction.METRIC: increase|decrease` and `sluice.dev/judge-min-samples.METRIC: N` (a whole number, 1 or more). METRIC is the name of a metric of the template, and the other judge settings need a judge-baseline.',
});

const JUDGE_KEY = /^sluice\.dev\/judge-(baseline|test|direction|min-samples)\.(.+)$/;
const ALLOWED: Record<string, readonly string[]> = { test: ['mann-whitney', 'proportions'], direction: ['increase', 'decrease'] };

function checkTemplate(template: AnalysisTemplate, out: Diagnostic[]): void {
  const metadata = template.doc.data.metadata as { annotations?: Record<string, unknown> } | undefined;
  const annotations = metadata?.annotations;
  if (!annotations || typeof annotations !== 'object') return;
  const where = templateName(template);
  const metrics = new Set(template.metrics.map((m) => m.name));
  const baselines = new Set(Object.keys(annotations).flatMap((k) => (JUDGE_KEY.exec(k)?.[1] === 'baseline' ? [JUDGE_KEY.exec(k)?.[2] as string] : [])));
  for (const [key, raw] of Object.entries(annotations)) {
    if (!key.startsWith('sluice.dev/') || typeof raw !== 'string') continue;
    const at = template.doc.locate(['metadata', 'annotations', key], 'value');
    const report = (message: string) => out.push(diagnostic(INVALID_SLUICE_ANNOTATION, at, `${key} on ${where}: ${message}`));
    const runtime = raw.includes('{{');
    if (key === 'sluice.dev/description') continue;
    if (key === 'sluice.dev/no-data-budget') {
      const ms = parseDurationMs(raw);
      if (!runtime && (ms === undefined || ms <= 0)) report(`"${raw}" is not a positive duration (write it as 30s, 2m, 1h)`);
      continue;
    }
    const judge = JUDGE_KEY.exec(key);
    if (!judge) {
      out.push(diagnostic(INVALID_SLUICE_ANNOTATION, template.doc.locate(['metadata', 'annotations', key], 'key'), `${key} on ${where} is not an annotation sluice reads`, { severity: 'warning' }));
      continue;
    }
    const [, setting, metric] = judge as unknown as [string, string, string];
    if (!metrics.has(metric)) {
      report(`the template has no metric named ${metric}${metrics.size > 0 ? ` (it has ${[...metrics].join(', ')})` : ''}`);
      continue;
    }
    if (setting !== 'baseline' && !baselines.has(metric)) {
      report(`metric ${metric} is not a judge: add sluice.dev/judge-baseline.${metric} with the baseline's query`);
      continue;
    }
    if (runtime && setting !== 'baseline') continue;
    if (setting === 'baseline') {
      const error = promqlSyntaxError(substituteArgs(raw, argDefaults(template)).text);
      if (error) report(`the baseline query is not valid PromQL: ${error.message}`);
    } else if (setting === 'min-samples') {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1) report(`"${raw}" is not a whole number of 1 or more`);
    } else if (!(ALLOWED[setting] ?? []).includes(raw)) {
      report(`"${raw}" is not one of ${(ALLOWED[setting] ?? []).join(', ')}`);
    }
  }
}

export const analysisAnnotations: Analyzer = {
  name: 'analysis-annotations',
  codes: [INVALID_SLUICE_ANNOTATION],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const template of model.analysisTemplates) checkTemplate(template, out);
    return out;
  },
};
