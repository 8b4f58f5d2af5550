/** The data of canary analysis: metrics as resolved from templates, measurements, run state. */
import type { SourceRange } from '../../compiler/diagnostics/index.ts';

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
export type AnalysisPhase = 'Pending' | 'Running' | MeasurementPhase;

/** One measurement of one metric, as the decision journal records it. */
export interface Measurement {
  metric: string;
  /** The query that ran, arguments substituted (for a judge: `canary-query  vs  baseline-query`). */
  query: string;
  /** What the conditions saw: the flattened result (a judge: `[pValue, canaryMedian, baselineMedian]`); null when nothing came back. */
  value: number | number[] | null;
  phase: MeasurementPhase;
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string;
  /** Why: the condition that decided, the error, or `no data`. */
  message?: string;
  /** Recorded only: the metric is listed under dryRun and never changes the run's phase. */
  dryRun?: boolean;
  /** The measurement found no data (empty or all-NaN result, or too few samples): held, never Successful. */
  noData?: boolean;
}

/**
 * Where measurements come from. `query` returns the result flattened to numbers: a vector's
 * sample values in the order Prometheus returns them, a scalar as one number, a matrix (a
 * range-vector or subquery expression) as every point of every series. `[]` means no data.
 * Throwing means the measurement could not be taken (an Error measurement).
 */
export interface MetricProvider {
  query(query: string, at?: Date): Promise<number[]>;
}

/**
 * A statistical comparison of the canary against the baseline (stable).
 * - `mann-whitney`: each query returns samples (a matrix: a subquery over the window);
 *   one-sided Mann-Whitney U test. Fits any metric (latency, ratios).
 * - `proportions`: each query returns two numbers, errors and requests (in either order:
 *   the smaller is the errors); one-sided two-proportion z-test on the counts. The faster
 *   test for error rates (see bench/README.md).
 * The measurement's value is `[pValue, canary, baseline]`, where canary/baseline are the
 * medians (mann-whitney) or the error rates (proportions).
 */
export interface JudgeSpec {
  test: 'mann-whitney' | 'proportions';
  /** The baseline's query, arguments substituted; `ResolvedMetric.query` is the canary's. */
  baselineQuery: string;
  /** Which change is a regression: `increase` (errors, latency; the default) or `decrease` (success rate). */
  direction: 'increase' | 'decrease';
  /** Fewer samples (mann-whitney) or requests (proportions) than this in either group is no data. Default 10. */
  minSamples: number;
}

/** A metric ready to measure: template defaults applied, `{{args.x}}` substituted. */
export interface ResolvedMetric {
  name: string;
  /** Prometheus query, arguments substituted. */
  query: string;
  /** `provider.prometheus.address`, when the template names one. */
  address?: string;
  successCondition?: string;
  failureCondition?: string;
  /** Time between measurements; undefined: measure once (unless count says otherwise). */
  intervalMs?: number;
  /** Measurements to take; undefined with an interval: measure until the run is terminated. */
  count?: number;
  initialDelayMs: number;
  /** Failed measurements tolerated: the metric fails on failure number failureLimit + 1. Default 0. */
  failureLimit: number;
  /** Inconclusive measurements tolerated: the metric is Inconclusive on number inconclusiveLimit + 1. Default 0. */
  inconclusiveLimit: number;
  /** Consecutive Error measurements tolerated: Error on number consecutiveErrorLimit + 1. Default 4. */
  consecutiveErrorLimit: number;
  /** Consecutive Successful measurements after which the metric is Successful early (Argo ≥ 1.8); undefined: off. */
  consecutiveSuccessLimit?: number;
  /** How long no data is held before the metric fails (from the first no-data measurement of a streak). */
  noDataBudgetMs: number;
  dryRun: boolean;
  /** Present for a statistical-judge metric. */
  judge?: JudgeSpec;
  /** The template it came from, for messages. */
  template: string;
  /** Where the metric is written, when it came from a file. */
  source?: SourceRange;
}

/** Per-metric counters: plain JSON, part of AnalysisRunState. */
export interface MetricState {
  name: string;
  phase: AnalysisPhase;
  /** Measurements that counted toward `count` (no-data and dry-run bookkeeping aside). */
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveErrors: number;
  consecutiveSuccesses?: number;
  /** Epoch ms of the first no-data measurement of the current no-data streak. */
  noDataSince?: number;
  /** Epoch ms when the next measurement is due; absent once the metric is completed. */
  nextDueAt?: number;
  /** The last measurement taken, and the one that decided the metric's phase. */
  last?: Measurement;
  decisive?: Measurement;
}

/** Everything an AnalysisRun needs to resume after a restart: plain JSON for a durable journal. */
export interface AnalysisRunState {
  version: 1;
  /** Epoch ms the run started. */
  startedAt: number;
  terminated: boolean;
  metrics: MetricState[];
}
