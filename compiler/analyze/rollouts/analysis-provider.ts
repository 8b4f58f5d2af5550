/**
 * Metric providers. sluice's rollout controller queries Prometheus only; Argo Rollouts'
 * other providers (web, datadog, newRelic, wavefront, kayenta, job, cloudWatch, graphite,
 * influxdb, skywalking, plugin) are not run, so a metric that uses one could never be
 * measured.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { templateName } from './templates.ts';

export const UNSUPPORTED_PROVIDER = defineCode({
  code: 'SLU6022',
  stage: 'rollouts',
  severity: 'error',
  title: 'Unsupported metric provider',
  hint: 'sluice measures metrics with the `prometheus` provider only: `provider: {prometheus: {address: http://prometheus:9090, query: ...}}`. Rewrite the metric as a Prometheus query, or keep this template for Argo Rollouts and out of the sluice policy repository.',
});

export const analysisProviders: Analyzer = {
  name: 'analysis-providers',
  codes: [UNSUPPORTED_PROVIDER],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const template of model.analysisTemplates) {
      for (const metric of template.metrics) {
        if (metric.providers.length === 0) {
          out.push(diagnostic(UNSUPPORTED_PROVIDER, template.doc.locate([...metric.path, 'provider'], 'key'), `metric ${metric.name} in ${templateName(template)} has no provider; sluice supports \`prometheus\``));
          continue;
        }
        for (const provider of metric.providers) {
          if (provider === 'prometheus') continue;
          out.push(
            diagnostic(
              UNSUPPORTED_PROVIDER,
              template.doc.locate([...metric.path, 'provider', provider], 'key'),
              `metric ${metric.name} in ${templateName(template)} uses the \`${provider}\` provider; sluice supports only \`prometheus\``,
            ),
          );
        }
      }
    }
    return out;
  },
};
