/**
 * The journal's values as Prometheus metrics, in a registry the composition root merges into
 * the admin server's /metrics:
 *
 *   sluice_rollout_phase{rollout,phase}                    gauge  1 for the rollout's phase, 0 for the others
 *   sluice_rollout_canary_weight{rollout}                  gauge  canary weight the rollout asks for (0..100)
 *   sluice_rollout_step{rollout}                           gauge  index of the current step (steps count once done)
 *   sluice_rollout_measurement_value{rollout,metric}       gauge  the last measured value (first element of a vector; NaN: no data)
 *   sluice_rollout_measurement_verdict{rollout,metric,verdict} gauge 1 for the last measurement's verdict
 *   sluice_rollout_measurements_total{rollout,metric,verdict}  counter measurements taken
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Measurement, RolloutPhase, RolloutState } from './types.ts';

const PHASES: readonly RolloutPhase[] = ['Progressing', 'Paused', 'Healthy', 'Degraded'];
const VERDICTS = ['Successful', 'Failed', 'Inconclusive', 'Error'] as const;

export class RolloutMetrics {
  readonly registry: Registry;
  private readonly phase: Gauge<'rollout' | 'phase'>;
  private readonly weight: Gauge<'rollout'>;
  private readonly step: Gauge<'rollout'>;
  private readonly value: Gauge<'rollout' | 'metric'>;
  private readonly verdict: Gauge<'rollout' | 'metric' | 'verdict'>;
  private readonly measurements: Counter<'rollout' | 'metric' | 'verdict'>;

  constructor(registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.phase = new Gauge({ name: 'sluice_rollout_phase', help: 'Rollout phase: 1 for the current one', labelNames: ['rollout', 'phase'], registers });
    this.weight = new Gauge({ name: 'sluice_rollout_canary_weight', help: 'Canary weight the rollout asks for (0..100)', labelNames: ['rollout'], registers });
    this.step = new Gauge({ name: 'sluice_rollout_step', help: 'Index of the current step', labelNames: ['rollout'], registers });
    this.value = new Gauge({ name: 'sluice_rollout_measurement_value', help: 'Last measured value per metric (NaN: no data)', labelNames: ['rollout', 'metric'], registers });
    this.verdict = new Gauge({ name: 'sluice_rollout_measurement_verdict', help: 'Verdict of the last measurement per metric: 1 for it', labelNames: ['rollout', 'metric', 'verdict'], registers });
    this.measurements = new Counter({ name: 'sluice_rollout_measurements_total', help: 'Measurements taken, by verdict', labelNames: ['rollout', 'metric', 'verdict'], registers });
  }

  state(state: RolloutState): void {
    for (const p of PHASES) this.phase.set({ rollout: state.key, phase: p }, p === state.phase ? 1 : 0);
    this.weight.set({ rollout: state.key }, state.traffic.weight);
    this.step.set({ rollout: state.key }, state.stepIndex);
  }

  measured(rollout: string, m: Measurement): void {
    const v = Array.isArray(m.value) ? m.value[0] : m.value;
    this.value.set({ rollout, metric: m.metric }, typeof v === 'number' ? v : NaN);
    for (const verdict of VERDICTS) this.verdict.set({ rollout, metric: m.metric, verdict }, verdict === m.phase ? 1 : 0);
    this.measurements.inc({ rollout, metric: m.metric, verdict: m.phase });
    let names = this.metrics.get(rollout);
    if (!names) this.metrics.set(rollout, (names = new Set()));
    names.add(m.metric);
  }

  /** A rollout that left the policy: its series go away. */
  forget(rollout: string): void {
    for (const p of PHASES) this.phase.remove({ rollout, phase: p });
    this.weight.remove({ rollout });
    this.step.remove({ rollout });
    for (const metric of this.metrics.get(rollout) ?? []) {
      this.value.remove({ rollout, metric });
      for (const verdict of VERDICTS) {
        this.verdict.remove({ rollout, metric, verdict });
        this.measurements.remove({ rollout, metric, verdict });
      }
    }
    this.metrics.delete(rollout);
  }

  private readonly metrics = new Map<string, Set<string>>();
}
