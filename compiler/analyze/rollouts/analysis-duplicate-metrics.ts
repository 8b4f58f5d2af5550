/** Two metrics with one name in a template: Argo Rollouts rejects the template. */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { AnalysisMetric, PolicyModel } from '../../model/types.ts';
import { related } from '../security/context.ts';
import type { Analyzer } from '../types.ts';
import { templateName } from './templates.ts';

export const DUPLICATE_METRIC = defineCode({
  code: 'SLU6029',
  stage: 'rollouts',
  severity: 'error',
  title: 'Duplicate metric name in an analysis template',
  hint: 'Give every metric of a template its own `name`: results, limits and dry-run settings are kept per metric name.',
});

export const analysisDuplicateMetrics: Analyzer = {
  name: 'analysis-duplicate-metrics',
  codes: [DUPLICATE_METRIC],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const template of model.analysisTemplates) {
      const seen = new Map<string, AnalysisMetric>();
      for (const metric of template.metrics) {
        if (metric.name === '') continue;
        const first = seen.get(metric.name);
        if (!first) {
          seen.set(metric.name, metric);
          continue;
        }
        const at = (m: AnalysisMetric) => template.doc.locate([...m.path, 'name'], 'value');
        out.push(
          diagnostic(DUPLICATE_METRIC, at(metric), `${templateName(template)} has two metrics named ${metric.name}`, {
            related: [related(at(first), 'the first metric with this name')],
          }),
        );
      }
    }
    return out;
  },
};
