/**
 * The controller's analysis port over rollouts/analysis: templates resolved against the
 * served policy (with sluice's built-ins), arguments the controller knows filled in
 * (`service`, `namespace`, `subset` = the canary, `stable-subset`, `prometheus`), measured
 * with the Prometheus provider on the controller's clock.
 */
import type { PolicyModel } from '../../compiler/index.ts';
import { AnalysisRun, prometheusProvider, resolveAnalysis } from '../analysis/index.ts';
import type { AnalysisRunState, MetricProvider, ResolvedMetric } from '../analysis/index.ts';
import type { AnalysisRunHandle, AnalysisRunner, AnalysisStepSpec, Clock, Measurement, RolloutSpec } from './types.ts';

export interface PrometheusAnalysisOptions {
  /** Prometheus address when a template names none (`--prometheus`). */
  prometheus: string;
  clock?: Clock;
  /** Provider per address (tests); default prometheusProvider. */
  providerFor?: (address: string) => MetricProvider;
}

class RunHandle implements AnalysisRunHandle {
  constructor(
    private readonly run: AnalysisRun,
    private readonly metrics: readonly ResolvedMetric[],
  ) {}
  get phase() {
    return this.run.phase();
  }
  get reason() {
    return this.run.reason();
  }
  get decisive(): Measurement | undefined {
    const deciding = this.run.metricStates().find((m) => m.phase === this.run.phase() && m.decisive);
    return deciding?.decisive;
  }
  nextDueAt() {
    return this.run.nextDueAt();
  }
  tick(): Promise<Measurement[]> {
    return this.run.tick();
  }
  terminate() {
    this.run.terminate();
  }
  state() {
    return this.run.state();
  }
  undecidedMetrics(): string[] {
    const dry = new Set(this.metrics.filter((m) => m.dryRun).map((m) => m.name));
    return this.run
      .metricStates()
      .filter((m) => !dry.has(m.name) && m.successful === 0)
      .map((m) => m.name);
  }
}

export class PrometheusAnalysisRunner implements AnalysisRunner {
  private readonly providers = new Map<string, MetricProvider>();
  constructor(private readonly options: PrometheusAnalysisOptions) {}

  start(rollout: RolloutSpec, spec: AnalysisStepSpec, _now: number, model: PolicyModel): AnalysisRunHandle {
    return this.make(rollout, spec, model, undefined);
  }

  resume(rollout: RolloutSpec, spec: AnalysisStepSpec, state: object, model: PolicyModel): AnalysisRunHandle {
    return this.make(rollout, spec, model, state as AnalysisRunState);
  }

  private make(rollout: RolloutSpec, spec: AnalysisStepSpec, model: PolicyModel, state: AnalysisRunState | undefined): AnalysisRunHandle {
    const extra = { service: rollout.service.name, namespace: rollout.service.namespace, subset: rollout.canarySubset, 'stable-subset': rollout.stableSubset, prometheus: this.options.prometheus };
    const resolved = resolveAnalysis(model, rollout.namespace, { templates: spec.templates, args: spec.args }, extra);
    const errors = resolved.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('; '));
    const clock = this.options.clock;
    const run = new AnalysisRun({
      metrics: resolved.metrics,
      providerFor: (m) => this.provider(m.address ?? this.options.prometheus),
      ...(clock ? { now: () => clock.now() } : {}),
      ...(state ? { state } : {}),
    });
    return new RunHandle(run, resolved.metrics);
  }

  private provider(address: string): MetricProvider {
    let p = this.providers.get(address);
    if (!p) {
      p = this.options.providerFor ? this.options.providerFor(address) : prometheusProvider(address, { timeoutMs: 5_000 });
      this.providers.set(address, p);
    }
    return p;
  }
}
