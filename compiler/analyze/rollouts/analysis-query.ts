/**
 * Prometheus queries of AnalysisTemplate / ClusterAnalysisTemplate metrics, and the
 * `{{args.NAME}}` placeholders in any field of a metric.
 *
 * Argo Rollouts substitutes the arguments into the metric before it runs the query, so a
 * query is parsed after substitution: an argument's default `value` where the template
 * has one, otherwise a stand-in that fits where it stands. Each query is parsed once.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import type { AnalysisTemplate, PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { locateInValue } from './position.ts';
import { placeholdersIn, promqlSyntaxError, substituteArgs } from './promql.ts';
import { argDefaults, templateName } from './templates.ts';

export const INVALID_PROMQL = defineCode({
  code: 'SLU6020',
  stage: 'rollouts',
  severity: 'error',
  title: 'Prometheus query is not valid PromQL',
  hint: 'Fix the query where the marker points; paste it into the Prometheus UI to try it. `{{args.NAME}}` placeholders are replaced by the argument\'s value before the query runs.',
});

export const UNDECLARED_ARG = defineCode({
  code: 'SLU6021',
  stage: 'rollouts',
  severity: 'error',
  title: 'Placeholder names an argument the template does not declare',
  hint: 'Declare the argument under `spec.args` (with a default `value`, or without one so every rollout must pass it), or fix the name in `{{args.NAME}}`.',
});

function visitStrings(value: unknown, path: PathSegment[], fn: (text: string, path: PathSegment[]) => void): void {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) value.forEach((item, i) => visitStrings(item, [...path, i], fn));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) visitStrings(v, [...path, k], fn);
}

function checkTemplate(template: AnalysisTemplate, out: Diagnostic[]): void {
  const values = argDefaults(template);
  const doc = template.doc;
  for (const metric of template.metrics) {
    visitStrings(metric.raw, [...metric.path], (text, path) => {
      if (!text.includes('{{')) return;
      for (const p of placeholdersIn(text)) {
        if (values.has(p.name)) continue;
        const declared = [...values.keys()];
        out.push(
          diagnostic(
            UNDECLARED_ARG,
            locateInValue(doc, path, text, p.start, p.end - p.start),
            `\`{{args.${p.name}}}\` in metric ${metric.name} names an argument ${templateName(template)} does not declare (${declared.length > 0 ? `it declares ${declared.join(', ')}` : 'it declares none'})`,
          ),
        );
      }
    });
    if (metric.query === undefined || !metric.providers.includes('prometheus')) continue;
    const queryPath = [...metric.path, 'provider', 'prometheus', 'query'];
    const substituted = substituteArgs(metric.query, values);
    const error = promqlSyntaxError(substituted.text);
    if (!error) continue;
    const offset = substituted.original(error.offset);
    const length = substituted.original(error.offset + error.length) - offset;
    out.push(diagnostic(INVALID_PROMQL, locateInValue(doc, queryPath, metric.query, offset, length), `the query of metric ${metric.name} in ${templateName(template)} is not valid PromQL: ${error.message}`));
  }
}

export const analysisQueries: Analyzer = {
  name: 'analysis-queries',
  codes: [INVALID_PROMQL, UNDECLARED_ARG],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const template of model.analysisTemplates) checkTemplate(template, out);
    return out;
  },
};
