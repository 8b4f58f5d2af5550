/** Pure helpers over RolloutState: a fresh state, the overlay it asks for, what a step does to traffic. */
import type { WeightOverlay } from '../../compiler/index.ts';
import type { CanaryTraffic, RolloutSpec, RolloutState, StepSpec } from './types.ts';

export function freshState(spec: RolloutSpec, revision: string, now: number, reason: string, retries = 0): RolloutState {
  return {
    version: 1,
    key: spec.key,
    fingerprint: spec.fingerprint,
    revision,
    phase: 'Progressing',
    reason,
    since: now,
    startedAt: now,
    stepIndex: 0,
    step: { index: 0 },
    traffic: { weight: 0 },
    retries,
  };
}

/** The canary traffic after a step, or undefined when the step does not change traffic. */
export function trafficAfter(current: CanaryTraffic, step: StepSpec, spec: RolloutSpec): CanaryTraffic | undefined {
  switch (step.kind) {
    case 'setWeight':
      return step.weight === current.weight ? undefined : { ...current, weight: step.weight };
    case 'setHeaderRoute': {
      const next: CanaryTraffic = { ...current, headerRoute: { ...step.headerRoute, subset: spec.canarySubset } };
      return next;
    }
    case 'setMirrorRoute': {
      const next: CanaryTraffic = { ...current };
      if (step.percentage > 0) next.mirror = { subset: spec.canarySubset, percentage: step.percentage };
      else delete next.mirror;
      return next;
    }
    default:
      return undefined;
  }
}

/** The overlay a rollout asks the compiler for; undefined once Git says what it serves. */
export function overlayOf(spec: RolloutSpec, state: RolloutState): WeightOverlay | undefined {
  if (state.phase === 'Healthy' && state.promotion?.stage === 'served') return undefined;
  const weight = state.traffic.weight;
  const overlay: WeightOverlay = {
    namespace: spec.namespace,
    virtualService: spec.virtualService,
    route: spec.route,
    weights: { [spec.stableSubset]: 100 - weight, [spec.canarySubset]: weight },
  };
  if (state.traffic.headerRoute) overlay.headerRoute = state.traffic.headerRoute;
  if (state.traffic.mirror) overlay.mirror = state.traffic.mirror;
  return overlay;
}

export function describeStep(step: StepSpec | undefined): string {
  if (!step) return 'promotion';
  switch (step.kind) {
    case 'setWeight':
      return `setWeight ${step.weight}`;
    case 'pause':
      return step.durationMs === undefined ? 'pause (until promoted)' : `pause ${formatMs(step.durationMs)}`;
    case 'analysis':
      return `analysis ${step.templates.map((t) => t.templateName).join(', ')}`;
    case 'setHeaderRoute':
      return `setHeaderRoute ${step.headerRoute.match.map((m) => `${m.headerName}=${JSON.stringify(m.headerValue)}`).join(', ')}`;
    case 'setMirrorRoute':
      return `setMirrorRoute ${step.percentage}%`;
  }
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function formatValue(value: number | number[] | null | undefined): string {
  if (value === null || value === undefined) return 'no data';
  const one = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4))));
  return Array.isArray(value) ? `[${value.map(one).join(', ')}]` : one(value);
}
