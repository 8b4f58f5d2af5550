import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { BUILTIN_TEMPLATE_NAME } from '../../compiler/analyze/rollouts/index.ts';
import { validateSources } from '../../compiler/index.ts';
import { builtinTemplateSources, goldenSignalTemplates } from './builtins.ts';
import { resolveAnalysis } from './resolve.ts';

const TEMPLATE = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
  namespace: shop
  annotations:
    sluice.dev/no-data-budget: 45s
    sluice.dev/judge-baseline.judged: 'errors{subset="{{args.stable}}"}[1m]'
    sluice.dev/judge-direction.judged: decrease
spec:
  args:
  - name: service
  - name: threshold
    value: "0.95"
  - name: interval
    value: 20s
  - name: stable
    value: v1
  dryRun:
  - metricName: recorded
  metrics:
  - name: rate
    interval: "{{args.interval}}"
    count: 4
    failureLimit: 2
    initialDelay: 5s
    successCondition: result[0] >= {{args.threshold}}
    provider:
      prometheus:
        address: http://prom:9090
        query: sum(rate(requests{service="{{args.service}}"}[1m]))
  - name: recorded
    provider:
      prometheus:
        query: up
  - name: judged
    successCondition: result[0] >= 0.01
    provider:
      prometheus:
        query: 'errors{subset="canary"}[1m]'
`;

const model = validateSources([{ path: 'templates.yaml', content: TEMPLATE }]).model;

describe('resolveAnalysis', () => {
  it('substitutes arguments everywhere and applies Argo defaults', () => {
    const { metrics, diagnostics } = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'success-rate' }], args: [{ name: 'service', value: 'reviews' }] });
    assert.deepEqual(diagnostics, []);
    const rate = metrics[0];
    assert.equal(rate?.query, 'sum(rate(requests{service="reviews"}[1m]))');
    assert.equal(rate?.successCondition, 'result[0] >= 0.95');
    assert.equal(rate?.address, 'http://prom:9090');
    assert.deepEqual([rate?.intervalMs, rate?.count, rate?.failureLimit, rate?.inconclusiveLimit, rate?.consecutiveErrorLimit, rate?.initialDelayMs], [20_000, 4, 2, 0, 4, 5000]);
    assert.equal(rate?.noDataBudgetMs, 45_000);
    assert.deepEqual(rate?.source && [rate.source.file, rate.source.line], ['templates.yaml', 22]);
    assert.equal(metrics[1]?.dryRun, true);
    assert.equal(rate?.dryRun, false);
  });
  it('argument precedence: template default < extraArgs < the rollout`s args', () => {
    const { metrics } = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'success-rate' }], args: [{ name: 'service', value: 'reviews' }, { name: 'threshold', value: '0.9' }] }, { threshold: '0.8', interval: '1m', unrelated: 'x' });
    assert.equal(metrics[0]?.successCondition, 'result[0] >= 0.9');
    assert.equal(metrics[0]?.intervalMs, 60_000);
  });
  it('reads a judge from the annotations', () => {
    const { metrics } = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'success-rate' }], args: [{ name: 'service', value: 'reviews' }, { name: 'stable', value: 'v0' }] });
    assert.deepEqual(metrics[2]?.judge, { test: 'mann-whitney', baselineQuery: 'errors{subset="v0"}[1m]', direction: 'decrease', minSamples: 10 });
  });
  it('a missing template or argument is a diagnostic at the rollout`s analysis, and nothing runs', () => {
    const rollout = validateSources([
      {
        path: 'rollout.yaml',
        content: `apiVersion: rollouts.sluice.dev/v1alpha1
kind: Rollout
metadata: {name: reviews, namespace: shop}
spec:
  target: {virtualService: reviews, route: primary}
  stableSubset: v1
  canarySubset: v2
  steps:
  - analysis:
      templates: [{templateName: nope}, {templateName: success-rate}]
`,
      },
    ]).model.rollouts[0];
    assert.ok(rollout);
    const origin = { doc: rollout.doc, path: ['spec', 'steps', 0, 'analysis'] };
    const { metrics, diagnostics } = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'nope' }, { templateName: 'success-rate' }] }, {}, { origin });
    assert.deepEqual(metrics, []);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.file, d.line, d.col]),
      [
        ['SLU6007', 'rollout.yaml', 10, 34],
        ['SLU6008', 'rollout.yaml', 9, 5],
      ],
    );
    assert.match(diagnostics[1]?.message ?? '', /does not pass `service`, which AnalysisTemplate shop\/success-rate requires/);
  });
  it('a field that is invalid once its argument is substituted is reported at the template', () => {
    const { metrics, diagnostics } = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'success-rate' }], args: [{ name: 'service', value: 'reviews' }, { name: 'interval', value: 'soon' }] });
    assert.deepEqual(metrics, []);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.file, d.line]), [['SLU6027', 'templates.yaml', 23]]);
    const bad = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'success-rate' }], args: [{ name: 'service', value: 're"views' }] });
    // A quote in a label value is escaped, not a broken query (see the injection test below).
    assert.deepEqual(bad.diagnostics, []);
    assert.equal(bad.metrics[0]?.query, 'sum(rate(requests{service="re\\"views"}[1m]))');
  });
  it('falls back to the built-in templates; a repository template of the same name wins', () => {
    const builtin = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'sluice-istio-error-rate', clusterScope: true }] }, { service: 'reviews', namespace: 'shop', subset: 'v2' });
    assert.deepEqual(builtin.diagnostics, []);
    assert.match(builtin.metrics[0]?.query ?? '', /destination_service_name="reviews",destination_version="v2"/);
    assert.equal(builtin.metrics[0]?.failureCondition, 'result[0] > 0.01');
    const own = TEMPLATE.replace('kind: AnalysisTemplate', 'kind: ClusterAnalysisTemplate').replace('name: success-rate\n  namespace: shop', 'name: sluice-istio-error-rate');
    const overridden = resolveAnalysis(validateSources([{ path: 'own.yaml', content: own }]).model, 'shop', { templates: [{ templateName: 'sluice-istio-error-rate', clusterScope: true }] }, { service: 'x' });
    assert.equal(overridden.metrics[0]?.name, 'rate');
    const off = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'sluice-istio-error-rate', clusterScope: true }] }, {}, { builtins: false });
    assert.deepEqual(off.diagnostics.map((d) => d.code), ['SLU6007']);
  });
});

describe('built-in templates', () => {
  it('validate cleanly as policy documents (schema, PromQL, conditions, limits)', () => {
    const result = validateSources(builtinTemplateSources());
    assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
    assert.equal(result.model.analysisTemplates.length, goldenSignalTemplates.length);
  });
  it('cover success rate, error rate, p99 latency, request volume and both judges for istio, envoy and grpc', () => {
    const names = goldenSignalTemplates.map((t) => t.name).sort();
    const expected = ['istio', 'envoy', 'grpc'].flatMap((f) => ['success-rate', 'error-rate', 'latency-p99', 'request-volume', 'judge', 'latency-judge'].map((s) => `sluice-${f}-${s}`)).sort();
    assert.deepEqual(names, expected);
  });
  it('are the names the compiler accepts without a repository template, and need no argument from the rollout', () => {
    for (const t of goldenSignalTemplates) {
      assert.match(t.name, BUILTIN_TEMPLATE_NAME);
      const args = (t.document.spec as { args: { name: string; value?: string }[] }).args;
      assert.deepEqual(args.filter((a) => a.value === undefined).map((a) => a.name), [], t.name);
    }
  });
  it('without the controller`s arguments select nothing: held as no data, never passed', () => {
    const { metrics } = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'sluice-istio-success-rate', clusterScope: true }] });
    assert.match(metrics[0]?.query ?? '', /destination_service_name="",destination_version=""/);
  });
  it('an argument inside a quoted label value is escaped: a hostile service name cannot change the query', () => {
    const hostile = 'reviews"} or vector(1) #';
    const { metrics, diagnostics } = resolveAnalysis(model, 'shop', { templates: [{ templateName: 'success-rate' }], args: [{ name: 'service', value: hostile }, { name: 'stable', value: 'v1\\"}' }] });
    assert.deepEqual(diagnostics, []);
    assert.equal(metrics[0]?.query, 'sum(rate(requests{service="reviews\\"} or vector(1) #"}[1m]))');
    assert.equal(metrics.find((m) => m.name === 'judged')?.judge?.baselineQuery, 'errors{subset="v1\\\\\\"}"}[1m]');
    // The query still selects one series by its label, with the whole value as the label's value.
    const lezer = parser.parse(metrics[0]?.query ?? '');
    const labels: string[] = [];
    lezer.iterate({ enter: (n) => void (n.name === 'StringLiteral' && labels.push(JSON.parse(metrics[0]?.query.slice(n.from, n.to) ?? '') as string)) });
    assert.deepEqual(labels, [hostile]);
    // Outside a string an argument is PromQL, as in Argo (a window, a threshold).
    assert.equal(metrics[0]?.successCondition, 'result[0] >= 0.95');
  });
  it('count: 0 is Argo\'s unset: with an interval the metric runs until terminated, without one it measures once', () => {
    const refs = { templates: [{ templateName: 'sluice-istio-error-rate', clusterScope: true }] };
    const extra = { service: 'reviews', namespace: 'shop', subset: 'v2' };
    const background = resolveAnalysis(model, 'shop', { ...refs, args: [{ name: 'count', value: '0' }, { name: 'interval', value: '30s' }] }, extra);
    assert.deepEqual(background.diagnostics, []);
    assert.equal(background.metrics[0]?.intervalMs, 30_000);
    assert.equal(background.metrics[0]?.count, undefined);
    const counted = resolveAnalysis(model, 'shop', { ...refs, args: [{ name: 'count', value: '3' }] }, extra);
    assert.equal(counted.metrics[0]?.count, 3);
  });
  it('dryRun metricName is a regular expression matched anywhere in the name, as in Argo', () => {
    const dry = (metricName: string) =>
      resolveAnalysis(model, 'shop', { templates: [{ templateName: 'success-rate' }], args: [{ name: 'service', value: 'reviews' }], dryRun: [{ metricName }] })
        .metrics.filter((m) => m.dryRun)
        .map((m) => m.name);
    assert.deepEqual(dry('ate'), ['rate', 'recorded']);
    assert.deepEqual(dry('^j.*d$'), ['recorded', 'judged']);
    assert.deepEqual(dry('^rate$|^judged$'), ['rate', 'recorded', 'judged']);
    assert.deepEqual(dry('('), ['recorded'], 'a pattern that does not compile matches nothing');
  });
});
