/**
 * An analysis run: measures its metrics on their schedules and decides a phase, the way
 * Argo Rollouts' AnalysisRun does, with sluice's choices where Argo is ambiguous or unsafe:
 *
 * - `failureLimit: N` tolerates N failed measurements; failure N + 1 fails the metric
 *   (Argo's code: `failed > failureLimit`; `failureLimit: 0`, the default, fails on the
 *   first). `inconclusiveLimit` and `consecutiveErrorLimit` (default 4) count the same way.
 * - Error measurements do not count toward `count`; after one, the next try comes 10 s
 *   later (or after the interval, if shorter), as in Argo.
 * - No data (an empty or all-NaN result, a pass on a result with NaN or ±Inf in it, a
 *   judge sample below its minimum, or a metrics
 *   backend that cannot be reached at all — MetricsUnavailableError) is held:
 *   recorded as an Inconclusive measurement flagged `noData` that counts toward neither
 *   `count` nor `inconclusiveLimit`. When no data lasts `noDataBudgetMs` from the first
 *   no-data measurement of a streak, the metric fails. No data is never Successful.
 * - A metric completes Successful only when it reached its count without breaching a
 *   limit AND at least one measurement was Successful.
 * - The run: failure wins, then Error, then Inconclusive; a decided metric ends the run
 *   (no further measurements). Dry-run metrics are measured and recorded but never
 *   change the run's phase.
 * - `terminate()` (the end of a background analysis): metrics still running complete
 *   Successful if they have a Successful measurement, Inconclusive otherwise.
 *
 * All time comes from `now()`, and everything needed to resume is in `state()`.
 */
import { mannWhitneyU, median, twoProportionZ } from './stats.ts';
import type { AnalysisPhase, AnalysisRunState, Measurement, MeasurementPhase, MetricProvider, MetricState, ResolvedMetric } from './types.ts';
import { isUnavailable } from './unavailable.ts';
import { formatResult, verdictOf } from './verdict.ts';

export interface AnalysisRunOptions {
  metrics: readonly ResolvedMetric[];
  providerFor: (metric: ResolvedMetric) => MetricProvider;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** A state from `state()` to resume from. */
  state?: AnalysisRunState;
  /** Called with every measurement, as soon as it is taken (the journal's feed). */
  onMeasurement?: (measurement: Measurement) => void;
}

/** Argo's DefaultErrorRetryInterval. */
export const ERROR_RETRY_MS = 10_000;
/** How soon a metric measured once (no interval) looks again while it holds on no data. */
export const NO_DATA_RETRY_MS = 10_000;

const DONE: ReadonlySet<AnalysisPhase> = new Set(['Successful', 'Failed', 'Inconclusive', 'Error']);

export function isCompleted(phase: AnalysisPhase): boolean {
  return DONE.has(phase);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  return `${+(ms / 1000).toFixed(3)}s`;
}

function freshState(metric: ResolvedMetric, startedAt: number): MetricState {
  return {
    name: metric.name,
    phase: 'Pending',
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveErrors: 0,
    nextDueAt: startedAt + metric.initialDelayMs,
  };
}

/** The outcome of querying: values, or no data, or an error. */
type Sample = { values: number[]; query: string } | { noData: string; query: string; value: number[] | null } | { error: string; query: string };

function hasData(values: readonly number[]): boolean {
  return values.some((v) => !Number.isNaN(v));
}

async function sample(metric: ResolvedMetric, provider: MetricProvider, at: Date): Promise<Sample> {
  const errorOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const failed = (e: unknown, query: string): Sample => (isUnavailable(e) ? { noData: errorOf(e), query, value: null } : { error: errorOf(e), query });
  if (!metric.judge) {
    try {
      const values = await provider.query(metric.query, at);
      if (!hasData(values)) return { noData: values.length === 0 ? 'the query returned no data' : 'the query returned only NaN', query: metric.query, value: values.length === 0 ? null : values };
      return { values, query: metric.query };
    } catch (e) {
      return failed(e, metric.query);
    }
  }
  const judge = metric.judge;
  const query = `${metric.query}  vs  ${judge.baselineQuery}`;
  let canary: number[];
  let baseline: number[];
  try {
    [canary, baseline] = await Promise.all([provider.query(metric.query, at), provider.query(judge.baselineQuery, at)]);
  } catch (e) {
    return failed(e, query);
  }
  canary = canary.filter((v) => !Number.isNaN(v));
  baseline = baseline.filter((v) => !Number.isNaN(v));
  const alternative = judge.direction === 'increase' ? 'greater' : 'less';
  if (judge.test === 'proportions') {
    if (canary.length > 2 || baseline.length > 2) {
      return { error: `a proportions judge needs [errors, requests] from each query; got ${canary.length} and ${baseline.length} values`, query };
    }
    if (canary.length < 2 || baseline.length < 2) return { noData: `no requests to judge (canary gave ${canary.length} of 2 values, baseline ${baseline.length})`, query, value: null };
    const [canaryErrors, canaryRequests] = [Math.min(...canary), Math.max(...canary)];
    const [baselineErrors, baselineRequests] = [Math.min(...baseline), Math.max(...baseline)];
    if (canaryRequests < judge.minSamples || baselineRequests < judge.minSamples) {
      return { noData: `too few requests to judge: canary ${+canaryRequests.toFixed(1)}, baseline ${+baselineRequests.toFixed(1)}, need ${judge.minSamples} each`, query, value: null };
    }
    const test = twoProportionZ(canaryErrors, canaryRequests, baselineErrors, baselineRequests, alternative);
    return { values: [test.pValue, test.rate1, test.rate2], query };
  }
  if (canary.length < judge.minSamples || baseline.length < judge.minSamples) {
    return { noData: `too few samples to judge: canary ${canary.length}, baseline ${baseline.length}, need ${judge.minSamples} each`, query, value: null };
  }
  const test = mannWhitneyU(canary, baseline, alternative);
  return { values: [test.pValue, median(canary), median(baseline)], query };
}

export class AnalysisRun {
  private readonly metrics: readonly ResolvedMetric[];
  private readonly providerFor: (metric: ResolvedMetric) => MetricProvider;
  private readonly now: () => number;
  private readonly onMeasurement?: (measurement: Measurement) => void;
  private readonly run: AnalysisRunState;
  private readonly byName = new Map<string, MetricState>();
  private readonly inFlight = new Set<string>();

  constructor(options: AnalysisRunOptions) {
    this.metrics = options.metrics;
    this.providerFor = options.providerFor;
    this.now = options.now ?? Date.now;
    this.onMeasurement = options.onMeasurement;
    const startedAt = options.state?.startedAt ?? this.now();
    const previous = new Map((options.state?.metrics ?? []).map((m) => [m.name, m]));
    this.run = {
      version: 1,
      startedAt,
      terminated: options.state?.terminated ?? false,
      metrics: this.metrics.map((metric) => structuredClone(previous.get(metric.name)) ?? freshState(metric, startedAt)),
    };
    for (const m of this.run.metrics) this.byName.set(m.name, m);
  }

  /** Epoch ms when the next measurement is due; undefined when the run is over. */
  nextDueAt(): number | undefined {
    if (isCompleted(this.phase())) return undefined;
    let next: number | undefined;
    for (const m of this.run.metrics) {
      if (m.nextDueAt === undefined || isCompleted(m.phase) || this.inFlight.has(m.name)) continue;
      if (next === undefined || m.nextDueAt < next) next = m.nextDueAt;
    }
    return next;
  }

  /** Takes every measurement due at now(), concurrently; returns them in metric order. */
  async tick(): Promise<Measurement[]> {
    if (isCompleted(this.phase())) return [];
    const t = this.now();
    const due = this.metrics.filter((metric) => {
      const m = this.byName.get(metric.name) as MetricState;
      return !isCompleted(m.phase) && !this.inFlight.has(m.name) && m.nextDueAt !== undefined && m.nextDueAt <= t;
    });
    const taken = await Promise.all(due.map((metric) => this.measure(metric)));
    const out: Measurement[] = [];
    for (const measurement of taken) {
      if (!measurement) continue;
      out.push(measurement);
    }
    if (isCompleted(this.phase())) for (const m of this.run.metrics) if (!isCompleted(m.phase)) delete m.nextDueAt;
    return out;
  }

  private async measure(metric: ResolvedMetric): Promise<Measurement | undefined> {
    const state = this.byName.get(metric.name) as MetricState;
    this.inFlight.add(metric.name);
    const startedAt = this.now();
    let result: Sample;
    try {
      result = await sample(metric, this.providerFor(metric), new Date(startedAt));
    } catch (error) {
      // Only providerFor can throw here (sample catches the provider's own errors).
      result = { error: error instanceof Error ? error.message : String(error), query: metric.query };
    } finally {
      this.inFlight.delete(metric.name);
    }
    // The run may have been decided (or terminated) while this query was out: drop it.
    if (isCompleted(state.phase) || (isCompleted(this.phase()) && !metric.dryRun)) return undefined;
    const finishedAt = this.now();
    const base = { metric: metric.name, query: result.query, startedAt: iso(startedAt), finishedAt: iso(finishedAt), ...(metric.dryRun ? { dryRun: true } : {}) };
    let measurement: Measurement;
    let next = metric.intervalMs;
    let verdict = 'values' in result ? verdictOf(metric, result.values) : undefined;
    // A pass needs finite numbers: `result[0] >= 0.99` is true of +Inf (x / 0), and a
    // failureCondition is false of NaN. Such a pass is held as no data; a failure stands.
    if ('values' in result && verdict?.phase === 'Successful' && !metric.judge && !result.values.every(Number.isFinite)) {
      result = { noData: `the conditions passed a result that is not all finite numbers (${formatResult(result.values)})`, query: result.query, value: result.values };
      verdict = undefined;
    }
    if ('error' in result) {
      measurement = { ...base, value: null, phase: 'Error', message: `the query failed: ${result.error}` };
      state.error++;
      state.consecutiveErrors++;
      next = Math.min(metric.intervalMs ?? ERROR_RETRY_MS, ERROR_RETRY_MS);
    } else if ('noData' in result) {
      state.consecutiveErrors = 0;
      const since = state.noDataSince ?? startedAt;
      state.noDataSince = since;
      const held = startedAt - since;
      if (held >= metric.noDataBudgetMs) {
        measurement = { ...base, value: result.value, phase: 'Failed', noData: true, message: `no data for ${formatDuration(held)} (since ${iso(since)}), which exhausts the no-data budget of ${formatDuration(metric.noDataBudgetMs)}: ${result.noData}` };
        state.failed++;
        state.phase = 'Failed';
        state.decisive = measurement;
      } else {
        measurement = { ...base, value: result.value, phase: 'Inconclusive', noData: true, message: `holding: ${result.noData} (no data for ${formatDuration(held)} of a ${formatDuration(metric.noDataBudgetMs)} budget)` };
        const remaining = metric.noDataBudgetMs - held;
        next = Math.min(metric.intervalMs ?? NO_DATA_RETRY_MS, Math.max(remaining, 1));
      }
    } else {
      // Conditions see the array (`result[0]`); the journal shows a lone value as a number.
      const value = metric.judge || result.values.length !== 1 ? result.values : (result.values[0] as number);
      const decided = verdict ?? verdictOf(metric, result.values);
      measurement = { ...base, value, phase: decided.phase, message: decided.message };
      delete state.noDataSince;
      this.count(state, decided.phase);
    }
    state.last = measurement;
    if (state.phase === 'Pending') state.phase = 'Running';
    if (!isCompleted(state.phase)) this.assess(metric, state, measurement);
    if (isCompleted(state.phase)) delete state.nextDueAt;
    else state.nextDueAt = startedAt + (next ?? 0);
    this.onMeasurement?.(measurement);
    return measurement;
  }

  private count(state: MetricState, phase: MeasurementPhase): void {
    if (phase === 'Error') {
      state.error++;
      state.consecutiveErrors++;
      return;
    }
    state.consecutiveErrors = 0;
    state.count++;
    state.consecutiveSuccesses = phase === 'Successful' ? (state.consecutiveSuccesses ?? 0) + 1 : 0;
    if (phase === 'Successful') state.successful++;
    else if (phase === 'Failed') state.failed++;
    else state.inconclusive++;
  }

  /** Argo's assessMetricStatus, with sluice's no-data and nothing-succeeded rules. */
  private assess(metric: ResolvedMetric, state: MetricState, last: Measurement): void {
    const decide = (phase: AnalysisPhase) => {
      state.phase = phase;
      state.decisive = last;
    };
    if (state.failed > metric.failureLimit) return decide('Failed');
    if (state.inconclusive > metric.inconclusiveLimit) return decide('Inconclusive');
    if (state.consecutiveErrors > metric.consecutiveErrorLimit) return decide('Error');
    if (metric.consecutiveSuccessLimit !== undefined && (state.consecutiveSuccesses ?? 0) >= metric.consecutiveSuccessLimit) return decide('Successful');
    const count = metric.count ?? (metric.intervalMs === undefined ? 1 : undefined);
    if (count !== undefined && state.count >= count) return decide(state.successful > 0 ? 'Successful' : 'Inconclusive');
  }

  /** Ends metrics that would run until stopped (a background analysis at the end of a rollout). */
  terminate(): void {
    if (this.run.terminated) return;
    this.run.terminated = true;
    for (const m of this.run.metrics) {
      if (isCompleted(m.phase)) continue;
      m.phase = m.successful > 0 ? 'Successful' : 'Inconclusive';
      if (m.last) m.decisive = m.last;
      delete m.nextDueAt;
    }
  }

  /** The run's phase: failure wins, then Error, then Inconclusive; dry-run metrics do not count. */
  phase(): AnalysisPhase {
    // An analysis without metrics has no evidence either way: it never passes.
    if (this.run.metrics.length === 0) return 'Inconclusive';
    return this.decidingMetric()?.phase ?? 'Pending';
  }

  private decidingMetric(): MetricState | undefined {
    const counted = this.run.metrics.filter((m) => !this.metrics.find((x) => x.name === m.name)?.dryRun);
    // Only dry-run metrics (as in Argo): measured and recorded, and the run passes once they are done.
    const consider = counted.length > 0 ? counted : this.run.metrics.map((m) => (isCompleted(m.phase) ? { ...m, phase: 'Successful' as const } : m));
    for (const phase of ['Failed', 'Error', 'Inconclusive'] as const) {
      const hit = consider.find((m) => m.phase === phase);
      if (hit) return hit;
    }
    const running = consider.find((m) => m.phase === 'Running');
    if (running) return running;
    const pending = consider.find((m) => m.phase === 'Pending');
    if (pending) return consider.some((m) => m.phase !== 'Pending') ? { ...pending, phase: 'Running' } : pending;
    return consider[consider.length - 1];
  }

  /** Why the run is in its phase: metric, value, condition, time of the deciding measurement. */
  reason(): string {
    const phase = this.phase();
    if (this.run.metrics.length === 0) return 'the analysis has no metrics';
    if (phase === 'Pending') {
      const next = this.nextDueAt();
      return `waiting for the first measurement${next !== undefined ? ` at ${iso(next)}` : ''}`;
    }
    if (phase === 'Running') {
      const parts = this.run.metrics.map((m) => `${m.name}: ${m.phase}${m.last ? ` (${m.last.phase} ${formatValue(m.last.value)} at ${m.last.finishedAt})` : ''}`);
      return `measuring — ${parts.join('; ')}`;
    }
    if (phase === 'Successful') {
      const dry = (name: string) => this.metrics.find((x) => x.name === name)?.dryRun === true;
      const parts = this.run.metrics.map((m) => `${m.name}${dry(m.name) ? ' (dry run)' : ''} ${m.successful}/${m.count} successful${m.last ? `, last ${formatValue(m.last.value)} at ${m.last.finishedAt}` : ''}`);
      return `every metric passed: ${parts.join('; ')}`;
    }
    const m = this.decidingMetric() as MetricState;
    const d = m.decisive ?? m.last;
    const counts = `${m.failed} failed, ${m.inconclusive} inconclusive, ${m.consecutiveErrors} consecutive errors of ${m.count} measured`;
    if (!d) return `metric ${m.name} is ${m.phase} (${counts})`;
    // The query is in the measurement (and the journal); the reason stays one readable line.
    return `metric ${m.name} is ${m.phase}: ${d.message ?? d.phase}; measured at ${d.finishedAt} (${counts})`;
  }

  /** Per-metric counters and last measurements (a copy). */
  metricStates(): MetricState[] {
    return structuredClone(this.run.metrics);
  }

  /** Everything needed to resume this run after a restart (a copy; plain JSON). */
  state(): AnalysisRunState {
    return structuredClone(this.run);
  }
}

function formatValue(value: Measurement['value']): string {
  return value === null ? 'no data' : formatResult(value);
}
