/**
 * Canary analysis: Argo Rollouts' AnalysisTemplates measured against Prometheus, with the
 * semantics users know and sluice's fixes where Argo hurts. The rollout controller uses it
 * like this:
 *
 * ```ts
 * const { metrics, diagnostics } = resolveAnalysis(model, rollout.namespace, step.analysis,
 *   { service: 'reviews', namespace: 'shop', subset: 'v2', 'stable-subset': 'v1', prometheus: url });
 * const run = new AnalysisRun({ metrics, providerFor: (m) => prometheusProvider(m.address ?? url),
 *   onMeasurement: (m) => journal.append(m), state: journal.lastRunState() });
 * // whenever run.nextDueAt() has passed:   await run.tick();   journal.save(run.state());
 * // run.phase(): Pending | Running | Successful | Failed | Inconclusive | Error;  run.reason()
 * ```
 *
 * Semantics (the README's "Rollouts: analysis semantics" section says the same):
 * - **failureLimit: N tolerates N failed measurements; failure N + 1 fails the metric**
 *   (Argo's code; `failureLimit: 0`, the default, fails on the first). Same counting for
 *   `inconclusiveLimit` (default 0) and `consecutiveErrorLimit` (default 4).
 * - Verdict per measurement: not evaluable → Error; failure wins over success; only a
 *   successCondition that is false → Failed; both conditions false → Inconclusive;
 *   **no condition at all → Inconclusive** (never passes; use dryRun to only record).
 * - **No data** (empty or all-NaN result; too few requests where the query gates on
 *   `min-requests`; too few judge samples or requests; Prometheus unreachable —
 *   MetricsUnavailableError) is held — recorded, not counted — until the metric's no-data
 *   budget runs out, then the metric fails. Never Successful. A query Prometheus rejects
 *   is an Error measurement.
 * - Judges (`sluice-*-judge`: two-proportion z-test on error counts; `*-latency-judge`:
 *   Mann-Whitney U on samples) compare the canary with the stable subset; the value is
 *   `[pValue, canary, stable]`.
 * - A metric completes Successful only with at least one Successful measurement.
 * - Run: failure wins, then Error, then Inconclusive; dry-run metrics never count.
 *
 * Interface stability: the controller depends on everything exported here; extend, do
 * not change.
 */
export type { AnalysisPhase, AnalysisRunState, JudgeSpec, Measurement, MeasurementPhase, MetricProvider, MetricState, ResolvedMetric } from './types.ts';
export { AnalysisRun, ERROR_RETRY_MS, isCompleted, NO_DATA_RETRY_MS } from './run.ts';
export type { AnalysisRunOptions } from './run.ts';
export { evaluateCondition } from './evaluate.ts';
export type { Evaluation } from './evaluate.ts';
export { verdictOf } from './verdict.ts';
export type { Verdict } from './verdict.ts';
export { flattenResult, prometheusProvider } from './prometheus.ts';
export { isUnavailable, MetricsUnavailableError } from './unavailable.ts';
export type { PrometheusOptions } from './prometheus.ts';
export { resolveAnalysis } from './resolve.ts';
export type { AnalysisArg, AnalysisRefs, ResolveOptions, ResolvedAnalysis, TemplateRef } from './resolve.ts';
export { BUILTIN_TEMPLATES_PATH, builtinTemplateSources, builtinTemplatesYaml, goldenSignalTemplates } from './builtins.ts';
export type { BuiltinTemplate, Signal, SignalFamily } from './builtins.ts';
export { mannWhitneyU, normalSurvival, twoProportionZ } from './stats.ts';
export type { MannWhitneyResult, ProportionsResult } from './stats.ts';
