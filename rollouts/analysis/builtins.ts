/**
 * Built-in golden-signal templates: ClusterAnalysisTemplates in Argo Rollouts' format, so
 * they load, validate and resolve exactly like templates in the policy repository (the
 * repository's own template of the same name wins). Reference them with
 * `{templateName: sluice-istio-success-rate, clusterScope: true}`.
 *
 * Three metric families:
 * - `istio`: Istio's standard metrics (istio_requests_total,
 *   istio_request_duration_milliseconds_bucket) reported by the destination; the subset is
 *   matched against `destination_version` (the pods' `version` label, as Istio records it).
 * - `envoy`: Envoy's own cluster stats as /stats/prometheus exposes them
 *   (envoy_cluster_upstream_rq_total, envoy_cluster_upstream_rq_xx,
 *   envoy_cluster_upstream_rq_time_bucket), reported by callers; the subset is the third
 *   field of Istio's cluster name `outbound|PORT|SUBSET|HOST`. HTTP status classes only:
 *   a gRPC error travels in an HTTP 200 and is invisible here.
 * - `grpc`: the go-grpc-prometheus family (grpc_server_handled_total{grpc_code},
 *   grpc_server_handling_seconds_bucket) as sluice's test backends export it with
 *   prom-client (rollouts/testing/grpc-metrics.ts), with the labels
 *   `{service, namespace, version}` identifying the backend. Server errors are the gRPC
 *   codes Unknown, DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss.
 *
 * Every measurement query carries a minimum sample count: `... and on() (REQUESTS >=
 * min-requests)` returns nothing when the window saw fewer requests, which the run holds as
 * no data (never Successful) until the no-data budget (annotation
 * `sluice.dev/no-data-budget`) runs out, then fails. Error counts use `or on() vector(0)`
 * so that a subset without a single error yet (no 5xx series at all) reads 0, not no data.
 *
 * The judges compare the canary (`subset`) with `stable-subset` over `window`; `result[0]`
 * is the one-sided p-value that the canary is worse:
 * - `sluice-*-judge`: two-proportion z-test on error and request counts (`result[1]`,
 *   `result[2]`: the error rates), every 10 s — the fast detector of error regressions;
 * - `sluice-*-latency-judge`: Mann-Whitney U test on per-step p99 latencies (`result[1]`,
 *   `result[2]`: their medians), as Kayenta judges a metric.
 */
import { stringify } from 'yaml';
import type { SourceFile } from '../../compiler/index.ts';

export type SignalFamily = 'istio' | 'envoy' | 'grpc';
export type Signal = 'success-rate' | 'error-rate' | 'latency-p99' | 'request-volume' | 'judge' | 'latency-judge';

export interface BuiltinTemplate {
  name: string;
  family: SignalFamily;
  signal: Signal;
  description: string;
  /** The ClusterAnalysisTemplate document (plain JSON). */
  document: Record<string, unknown>;
}

interface Family {
  /** Label selector for `subset` (an arg placeholder name) of the service. */
  select(subsetArg: string): string;
  requests: string;
  /** Extra matcher selecting server errors. */
  errors: string;
  latencyBucket: string;
  /** Multiplier turning the bucket's unit into milliseconds. */
  latencyToMs: string;
}

const FAMILIES: Record<SignalFamily, Family> = {
  istio: {
    select: (subset) =>
      `reporter="{{args.reporter}}",destination_service_namespace="{{args.namespace}}",destination_service_name="{{args.service}}",destination_version="{{args.${subset}}}"`,
    requests: 'istio_requests_total',
    errors: 'response_code=~"5.."',
    latencyBucket: 'istio_request_duration_milliseconds_bucket',
    latencyToMs: '',
  },
  envoy: {
    select: (subset) => `envoy_cluster_name=~"outbound\\\\|[0-9]+\\\\|{{args.${subset}}}\\\\|{{args.service}}\\\\.{{args.namespace}}(\\\\..*)?"`,
    requests: 'envoy_cluster_upstream_rq_total',
    errors: 'envoy_response_code_class="5"',
    latencyBucket: 'envoy_cluster_upstream_rq_time_bucket',
    latencyToMs: '',
  },
  grpc: {
    select: (subset) => `namespace="{{args.namespace}}",service="{{args.service}}",version="{{args.${subset}}}"`,
    requests: 'grpc_server_handled_total',
    errors: 'grpc_code=~"Unknown|DeadlineExceeded|Unimplemented|Internal|Unavailable|DataLoss"',
    latencyBucket: 'grpc_server_handling_seconds_bucket',
    latencyToMs: ' * 1000',
  },
};

/** Envoy counts 5xx in a separate counter family; errors and requests are different metric names. */
function errorSeries(family: SignalFamily, f: Family, sel: string): string {
  return family === 'envoy' ? `envoy_cluster_upstream_rq_xx{${sel},${f.errors}}` : `${f.requests}{${sel},${f.errors}}`;
}

function ratioOfErrors(family: SignalFamily, sel: string, window: string): string {
  const f = FAMILIES[family];
  return `(sum(rate(${errorSeries(family, f, sel)}[${window}])) or on() vector(0)) / sum(rate(${f.requests}{${sel}}[${window}]))`;
}

/** `[errors, requests]` over the window, sorted ascending: the proportions judge's input. */
function errorsAndRequests(family: SignalFamily, sel: string): string {
  const f = FAMILIES[family];
  return `sort(label_replace(sum(increase(${errorSeries(family, f, sel)}[{{args.window}}])) or on() vector(0), "part", "errors", "", "") or label_replace(sum(increase(${f.requests}{${sel}}[{{args.window}}])), "part", "requests", "", ""))`;
}

/** p99 latency in ms per step over the window (a subquery: a matrix of samples). */
function p99Samples(family: SignalFamily, sel: string): string {
  const f = FAMILIES[family];
  return `(histogram_quantile(0.99, sum by (le) (rate(${f.latencyBucket}{${sel}}[{{args.sample-window}}])))${f.latencyToMs})[{{args.window}}:{{args.step}}]`;
}

function enoughRequests(family: SignalFamily, sel: string): string {
  return `on() (sum(increase(${FAMILIES[family].requests}{${sel}}[{{args.window}}])) >= {{args.min-requests}})`;
}

/**
 * The arguments the controller supplies (service, namespace, subset, stable-subset,
 * prometheus) have an empty default, so a rollout need not pass them; a template run
 * without the controller selects nothing and holds as no data — it never passes.
 */
const COMMON_ARGS = [
  { name: 'service', value: '' },
  { name: 'namespace', value: '' },
  { name: 'subset', value: '' },
  { name: 'window', value: '1m' },
  { name: 'min-requests', value: '20' },
  { name: 'interval', value: '30s' },
  { name: 'count', value: '5' },
];

/** The common arguments, the family's, and the template's own (which override a common default of the same name). */
function args(family: SignalFamily, extra: { name: string; value?: string }[]): { name: string; value?: string }[] {
  const own = new Set(extra.map((a) => a.name));
  return [...COMMON_ARGS.filter((a) => !own.has(a.name)), ...(family === 'istio' ? [{ name: 'reporter', value: 'destination' }] : []), ...extra];
}

function template(name: string, family: SignalFamily, signal: Signal, description: string, spec: Record<string, unknown>): BuiltinTemplate {
  return {
    name,
    family,
    signal,
    description,
    document: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ClusterAnalysisTemplate',
      metadata: { name, annotations: { 'sluice.dev/description': description, ...((spec.annotations as object) ?? {}) } },
      spec: { args: spec.args, metrics: spec.metrics },
    },
  };
}

function metric(name: string, query: string, conditions: Record<string, string>): Record<string, unknown> {
  return { name, interval: '{{args.interval}}', count: '{{args.count}}', ...conditions, provider: { prometheus: { address: '{{args.prometheus}}', query } } };
}

function familyTemplates(family: SignalFamily): BuiltinTemplate[] {
  const f = FAMILIES[family];
  const sel = f.select('subset');
  const gate = enoughRequests(family, sel);
  const prometheusArg = { name: 'prometheus', value: 'http://127.0.0.1:9090' };
  return [
    template(`sluice-${family}-success-rate`, family, 'success-rate', `share of ${family} requests to the subset that are not server errors, at least min-success-rate`, {
      args: args(family, [{ name: 'min-success-rate', value: '0.99' }, prometheusArg]),
      metrics: [metric('success-rate', `1 - (${ratioOfErrors(family, sel, '{{args.window}}')}) and ${gate}`, { successCondition: 'result[0] >= {{args.min-success-rate}}' })],
    }),
    template(`sluice-${family}-error-rate`, family, 'error-rate', `share of ${family} requests to the subset that are server errors, at most max-error-rate`, {
      args: args(family, [{ name: 'max-error-rate', value: '0.01' }, prometheusArg]),
      metrics: [metric('error-rate', `(${ratioOfErrors(family, sel, '{{args.window}}')}) and ${gate}`, { failureCondition: 'result[0] > {{args.max-error-rate}}' })],
    }),
    template(`sluice-${family}-latency-p99`, family, 'latency-p99', `99th percentile ${family} request latency of the subset in milliseconds, at most max-p99-ms`, {
      args: args(family, [{ name: 'max-p99-ms', value: '500' }, prometheusArg]),
      metrics: [
        metric('latency-p99', `histogram_quantile(0.99, sum by (le) (rate(${f.latencyBucket}{${sel}}[{{args.window}}])))${f.latencyToMs} and ${gate}`, {
          successCondition: 'result[0] <= {{args.max-p99-ms}}',
        }),
      ],
    }),
    template(`sluice-${family}-request-volume`, family, 'request-volume', `${family} requests the subset served in the window, at least min-requests (fewer holds as no data)`, {
      args: args(family, [prometheusArg]),
      metrics: [metric('request-volume', `sum(increase(${f.requests}{${sel}}[{{args.window}}])) >= {{args.min-requests}}`, { successCondition: 'result[0] >= {{args.min-requests}}' })],
    }),
    template(`sluice-${family}-judge`, family, 'judge', `two-proportion z-test: is the subset's ${family} error rate over the window above the stable subset's? Fails when p < alpha`, {
      args: args(family, [{ name: 'stable-subset', value: '' }, { name: 'window', value: '5m' }, { name: 'interval', value: '10s' }, { name: 'count', value: '30' }, { name: 'alpha', value: '0.0005' }, prometheusArg]),
      annotations: {
        'sluice.dev/judge-test.errors': 'proportions',
        'sluice.dev/judge-baseline.errors': errorsAndRequests(family, f.select('stable-subset')),
        'sluice.dev/judge-min-samples.errors': '{{args.min-requests}}',
      },
      metrics: [metric('errors', errorsAndRequests(family, sel), { successCondition: 'result[0] >= {{args.alpha}}', failureCondition: 'result[0] < {{args.alpha}}' })],
    }),
    template(`sluice-${family}-latency-judge`, family, 'latency-judge', `Mann-Whitney U test: are the subset's per-step ${family} p99 latencies over the window above the stable subset's? Fails when p < alpha`, {
      args: args(family, [{ name: 'stable-subset', value: '' }, { name: 'window', value: '5m' }, { name: 'step', value: '10s' }, { name: 'sample-window', value: '30s' }, { name: 'alpha', value: '0.01' }, { name: 'min-samples', value: '10' }, prometheusArg]),
      annotations: {
        'sluice.dev/judge-baseline.latency': p99Samples(family, f.select('stable-subset')),
        'sluice.dev/judge-min-samples.latency': '{{args.min-samples}}',
      },
      metrics: [metric('latency', p99Samples(family, sel), { successCondition: 'result[0] >= {{args.alpha}}', failureCondition: 'result[0] < {{args.alpha}}' })],
    }),
  ];
}

/** Every built-in template, by family and signal. */
export const goldenSignalTemplates: readonly BuiltinTemplate[] = (['istio', 'envoy', 'grpc'] as const).flatMap(familyTemplates);

/** The built-in templates as one YAML file, for the loader (and for `sluice` to print). */
export function builtinTemplatesYaml(): string {
  return goldenSignalTemplates.map((t) => stringify(t.document, { lineWidth: 0 })).join('---\n');
}

/** The path the built-in templates carry in diagnostics and measurements. */
export const BUILTIN_TEMPLATES_PATH = '<sluice built-in templates>';

/** The built-in templates as a source file: add it to a policy's sources to validate rollouts that use them. */
export function builtinTemplateSources(): SourceFile[] {
  return [{ path: BUILTIN_TEMPLATES_PATH, content: builtinTemplatesYaml() }];
}
