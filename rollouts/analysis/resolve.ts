/**
 * From a rollout's analysis reference to measurable metrics: find each template the way
 * Argo Rollouts does (namespace-local AnalysisTemplate, or ClusterAnalysisTemplate with
 * `clusterScope: true`; sluice's built-ins when the repository has no template of that
 * name), merge arguments, substitute `{{args.NAME}}` in every field of every metric, apply
 * Argo's defaults, and read sluice's extensions from the template's annotations:
 *
 * - `sluice.dev/no-data-budget: 2m` — how long no data is held before a metric fails
 *   (default: three intervals, at least 30 s);
 * - `sluice.dev/judge-baseline.METRIC: QUERY` — makes METRIC a statistical judge comparing
 *   its query's samples (the canary) with QUERY's (the baseline); with
 *   `sluice.dev/judge-test.METRIC: mann-whitney|proportions` (default mann-whitney),
 *   `sluice.dev/judge-direction.METRIC: increase|decrease` (default increase) and
 *   `sluice.dev/judge-min-samples.METRIC: N` (default 10).
 *
 * Argument precedence: template default < `extraArgs` (what the controller knows: service,
 * namespace, subsets, Prometheus address) < the rollout's own `args`.
 */
import { findTemplate, INVALID_DURATION, INVALID_PROMQL, INVALID_SLUICE_ANNOTATION, MISSING_ARGS, NEGATIVE_LIMIT, promqlSyntaxError, substituteArgs, TEMPLATE_NOT_FOUND, templateName } from '../../compiler/analyze/rollouts/index.ts';
import { parseDurationMs } from '../../compiler/analyze/shared/index.ts';
import { diagnostic } from '../../compiler/diagnostics/index.ts';
import type { Diagnostic, Located } from '../../compiler/diagnostics/index.ts';
import { buildModel, loadSources } from '../../compiler/index.ts';
import type { AnalysisTemplate, PathSegment, PolicyDocument, PolicyModel } from '../../compiler/index.ts';
import { builtinTemplateSources } from './builtins.ts';
import { substituteQueryArgs } from './query-args.ts';
import type { JudgeSpec, ResolvedMetric } from './types.ts';

export interface TemplateRef {
  templateName: string;
  clusterScope?: boolean;
}

export interface AnalysisArg {
  name: string;
  value?: string;
  /** Argo's `valueFrom` (pod-template hashes, field refs): not available to sluice; `extraArgs` must supply the value. */
  valueFrom?: unknown;
}

/** The `analysis` of a rollout step, or its background analysis, as written. */
export interface AnalysisRefs {
  templates: readonly TemplateRef[];
  args?: readonly AnalysisArg[];
  /** `dryRun: [{metricName}]` on the rollout's analysis, added to each template's own. */
  dryRun?: readonly { metricName: string }[];
}

export interface ResolveOptions {
  /** Where the analysis is written in the Rollout, to point diagnostics at. */
  origin?: { doc: PolicyDocument; path: readonly PathSegment[] };
  /** Look up sluice's built-in templates when the repository lacks one (default true). */
  builtins?: boolean;
}

export interface ResolvedAnalysis {
  metrics: ResolvedMetric[];
  /** Errors mean a template or argument is missing or a field is invalid: do not run the analysis. */
  diagnostics: Diagnostic[];
}

const NOWHERE: Located = { file: '', line: 0, col: 0, endLine: 0, endCol: 0, path: '' };
const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

let builtinModel: PolicyModel | undefined;
function builtins(): PolicyModel {
  builtinModel ??= buildModel(loadSources(builtinTemplateSources()).documents).model;
  return builtinModel;
}

function substituteDeep(value: unknown, values: ReadonlyMap<string, string | undefined>): unknown {
  if (typeof value === 'string') return value.includes('{{') ? substituteArgs(value, values, (text, start) => text.slice(start, text.indexOf('}}', start) + 2)).text : value;
  if (Array.isArray(value)) return value.map((item) => substituteDeep(item, values));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, values)]));
  return value;
}

function annotationsOf(t: AnalysisTemplate): Record<string, string> {
  const metadata = t.doc.data.metadata as { annotations?: Record<string, unknown> } | undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata?.annotations ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Argo's GetDryRunMetrics: `metricName` is a regular expression matched anywhere in the name (Go's regexp.MatchString). */
function isDryRun(entries: readonly unknown[], name: string): boolean {
  return entries.some((entry) => {
    const metricName = (entry as { metricName?: unknown } | null)?.metricName;
    if (typeof metricName !== 'string') return false;
    if (metricName === name) return true;
    try {
      return new RegExp(metricName).test(name);
    } catch {
      return false; // Argo ignores a pattern that does not compile
    }
  });
}

export function resolveAnalysis(model: PolicyModel, namespace: string, refs: AnalysisRefs, extraArgs: Readonly<Record<string, string>> = {}, options: ResolveOptions = {}): ResolvedAnalysis {
  const metrics: ResolvedMetric[] = [];
  const diagnostics: Diagnostic[] = [];
  const origin = options.origin;
  const at = (path: PathSegment[]): Located => (origin ? origin.doc.locate([...origin.path, ...path], 'value') : NOWHERE);
  refs.templates.forEach((ref, i) => {
    const clusterScope = ref.clusterScope === true;
    let template = findTemplate(model, ref.templateName, namespace, clusterScope);
    if (!template && options.builtins !== false) template = findTemplate(builtins(), ref.templateName, '', true);
    if (!template) {
      const what = clusterScope ? `ClusterAnalysisTemplate ${ref.templateName}` : `AnalysisTemplate ${ref.templateName} in namespace ${namespace}`;
      diagnostics.push(diagnostic(TEMPLATE_NOT_FOUND, at(['templates', i, 'templateName']), `the analysis names ${what}, which does not exist (nor does a sluice built-in of that name)`));
      return;
    }
    const resolved = resolveTemplate(template, refs, extraArgs, at, diagnostics);
    if (resolved) metrics.push(...resolved);
  });
  return { metrics, diagnostics };
}

function resolveTemplate(
  template: AnalysisTemplate,
  refs: AnalysisRefs,
  extraArgs: Readonly<Record<string, string>>,
  at: (path: PathSegment[]) => Located,
  diagnostics: Diagnostic[],
): ResolvedMetric[] | undefined {
  const values = new Map<string, string | undefined>();
  for (const arg of template.args) values.set(arg.name, arg.value);
  for (const [name, value] of Object.entries(extraArgs)) if (values.has(name)) values.set(name, value);
  for (const arg of refs.args ?? []) if (arg.value !== undefined) values.set(arg.name, arg.value);
  const missing = [...values].filter(([, v]) => v === undefined).map(([name]) => name);
  if (missing.length > 0) {
    diagnostics.push(diagnostic(MISSING_ARGS, at(['args']), `the analysis does not pass ${missing.map((m) => `\`${m}\``).join(', ')}, which ${templateName(template)} requires`));
    return undefined;
  }
  const name = templateName(template);
  const rawAnnotations = annotationsOf(template);
  const annotations = substituteDeep(rawAnnotations, values) as Record<string, string>;
  // Judge baselines are PromQL: their arguments are escaped like a query's.
  for (const [key, text] of Object.entries(rawAnnotations)) {
    if (!key.startsWith('sluice.dev/judge-baseline.')) continue;
    const substituted = substituteQueryArgs(text, values);
    if (substituted.ok) annotations[key] = substituted.text;
    else {
      diagnostics.push(diagnostic(INVALID_SLUICE_ANNOTATION, template.doc.locate(['metadata', 'annotations', key], 'value'), `the annotation ${key} of ${templateName(template)}: ${substituted.message}`));
      return undefined;
    }
  }
  const dryRunEntries = [...((template.doc.data.spec as { dryRun?: unknown[] } | undefined)?.dryRun ?? []), ...(refs.dryRun ?? [])];
  const out: ResolvedMetric[] = [];
  let ok = true;
  for (const metric of template.metrics) {
    const raw = substituteDeep(metric.raw, values) as Record<string, unknown>;
    const locate = (field: string): Located => template.doc.locate([...metric.path, ...field.split('/')], 'value');
    const duration = (field: 'interval' | 'initialDelay'): number | undefined => {
      const text = raw[field];
      if (text === undefined) return undefined;
      const ms = parseDurationMs(text);
      if (ms === undefined || ms < 0) {
        diagnostics.push(diagnostic(INVALID_DURATION, locate(field), `${field} of metric ${metric.name} in ${name} is "${String(text)}" after its arguments are substituted, which is not a duration`));
        ok = false;
      }
      return ms;
    };
    const integer = (field: string, fallback: number | undefined): number | undefined => {
      const v = raw[field];
      if (v === undefined || v === '') return fallback;
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isInteger(n) || n < 0) {
        diagnostics.push(
          diagnostic(NEGATIVE_LIMIT, locate(field), `${field} of metric ${metric.name} in ${name} is "${String(v)}" after its arguments are substituted; it must be a whole number, 0 or more`, {
            hint: '`count`, `failureLimit`, `inconclusiveLimit` and `consecutiveErrorLimit` are numbers of measurements; pass a whole number as the argument.',
          }),
        );
        ok = false;
        return fallback;
      }
      return n;
    };
    const prometheus = ((raw.provider as Record<string, unknown> | undefined)?.prometheus ?? {}) as { address?: unknown; query?: unknown };
    const rawQuery = ((metric.raw as { provider?: { prometheus?: { query?: unknown } } }).provider?.prometheus?.query ?? '') as unknown;
    const substitutedQuery = typeof rawQuery === 'string' ? substituteQueryArgs(rawQuery, values) : { ok: true as const, text: '' };
    if (!substitutedQuery.ok) {
      diagnostics.push(diagnostic(INVALID_PROMQL, locate('provider/prometheus/query'), `the query of metric ${metric.name} in ${name}: ${substitutedQuery.message}`));
      ok = false;
    }
    const query = substitutedQuery.ok ? substitutedQuery.text : typeof prometheus.query === 'string' ? prometheus.query : '';
    const syntax = promqlSyntaxError(query);
    if (syntax) {
      diagnostics.push(diagnostic(INVALID_PROMQL, locate('provider/prometheus/query'), `the query of metric ${metric.name} in ${name} is not valid PromQL after its arguments are substituted: ${syntax.message} (query: ${query})`));
      ok = false;
    }
    const intervalMs = duration('interval');
    const initialDelayMs = duration('initialDelay') ?? 0;
    const count = integer('count', undefined);
    const budgetText = annotations['sluice.dev/no-data-budget'];
    const budget = budgetText !== undefined ? parseDurationMs(budgetText) : undefined;
    if (budgetText !== undefined && budget === undefined) {
      diagnostics.push(diagnostic(INVALID_SLUICE_ANNOTATION, template.doc.locate(['metadata', 'annotations', 'sluice.dev/no-data-budget'], 'value'), `the annotation sluice.dev/no-data-budget of ${name} is "${budgetText}", which is not a duration`));
      ok = false;
    }
    const judge = judgeOf(metric.name, annotations, template, diagnostics);
    if (judge === null) ok = false;
    const resolved: ResolvedMetric = {
      name: metric.name,
      query,
      initialDelayMs,
      failureLimit: integer('failureLimit', 0) ?? 0,
      inconclusiveLimit: integer('inconclusiveLimit', 0) ?? 0,
      consecutiveErrorLimit: integer('consecutiveErrorLimit', DEFAULT_CONSECUTIVE_ERROR_LIMIT) ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT,
      noDataBudgetMs: budget ?? Math.max(3 * (intervalMs ?? 0), 30_000),
      dryRun: isDryRun(dryRunEntries, metric.name),
      template: name,
    };
    if (typeof prometheus.address === 'string' && prometheus.address !== '') resolved.address = prometheus.address;
    if (typeof raw.successCondition === 'string') resolved.successCondition = raw.successCondition;
    if (typeof raw.failureCondition === 'string') resolved.failureCondition = raw.failureCondition;
    if (intervalMs !== undefined) resolved.intervalMs = intervalMs;
    // Argo's EffectiveCount: 0 is unset (measure once, or until terminated with an interval).
    if (count !== undefined && count > 0) resolved.count = count;
    const consecutiveSuccessLimit = integer('consecutiveSuccessLimit', undefined);
    if (consecutiveSuccessLimit !== undefined && consecutiveSuccessLimit > 0) resolved.consecutiveSuccessLimit = consecutiveSuccessLimit;
    if (judge) resolved.judge = judge;
    const where = locate('name');
    if (where.file !== '' && !where.file.startsWith('<')) resolved.source = { file: where.file, line: where.line, col: where.col, endLine: where.endLine, endCol: where.endCol };
    out.push(resolved);
  }
  return ok ? out : undefined;
}

/** The judge spec from annotations; undefined: not a judge; null: a judge with a bad annotation (reported). */
function judgeOf(metric: string, annotations: Record<string, string>, template: AnalysisTemplate, diagnostics: Diagnostic[]): JudgeSpec | undefined | null {
  const baseline = annotations[`sluice.dev/judge-baseline.${metric}`];
  if (baseline === undefined) return undefined;
  const at = (key: string) => template.doc.locate(['metadata', 'annotations', key], 'value');
  const syntax = promqlSyntaxError(baseline);
  if (syntax) {
    diagnostics.push(diagnostic(INVALID_SLUICE_ANNOTATION, at(`sluice.dev/judge-baseline.${metric}`), `the judge baseline query of metric ${metric} in ${templateName(template)} is not valid PromQL: ${syntax.message}`));
    return null;
  }
  const direction = annotations[`sluice.dev/judge-direction.${metric}`] ?? 'increase';
  const test = annotations[`sluice.dev/judge-test.${metric}`] ?? 'mann-whitney';
  const minText = annotations[`sluice.dev/judge-min-samples.${metric}`] ?? '10';
  const minSamples = Number(minText);
  const badKey =
    direction !== 'increase' && direction !== 'decrease'
      ? `sluice.dev/judge-direction.${metric}`
      : test !== 'mann-whitney' && test !== 'proportions'
        ? `sluice.dev/judge-test.${metric}`
        : !Number.isInteger(minSamples) || minSamples < 1
          ? `sluice.dev/judge-min-samples.${metric}`
          : undefined;
  if (badKey !== undefined) {
    const key = badKey;
    diagnostics.push(
      diagnostic(INVALID_SLUICE_ANNOTATION, at(key), `the annotation ${key} of ${templateName(template)} is "${annotations[key]}" after its arguments are substituted`),
    );
    return null;
  }
  return { test: test as 'mann-whitney' | 'proportions', baselineQuery: baseline, direction: direction as 'increase' | 'decrease', minSamples };
}
