// Tests for the AnalysisTemplate analyzers: queries, placeholders, providers, conditions,
// limits and duplicate metrics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnosticsOf, findings, only, template, yaml } from './test-support.ts';

/** A template with one prometheus metric; `fields` are extra metric lines (4-space indent). */
const metric = (query: string, fields = '    successCondition: result[0] >= 0.95\n', args = '') =>
  template(
    'sr',
    `${args}  metrics:
  - name: success
${fields}    provider:
      prometheus:
        address: http://prometheus:9090
        query: ${query}
`,
  );

describe('analysis-queries', () => {
  it('accepts valid PromQL with arguments substituted', () => {
    const text = metric('sum(rate(x{svc="{{args.svc}}"}[{{args.window}}]))', undefined, '  args: [{name: svc}, {name: window}]\n');
    assert.deepEqual(findings(text, 'SLU6'), []);
  });

  it('points at the error inside a plain, a quoted and a block-literal query (SLU6020)', () => {
    // plain: `        query: ` is 15 columns, the error is at offset 15 of the query
    assert.deepEqual(findings(metric('sum(rate(x[5m])'), 'SLU6'), [{ code: 'SLU6020', severity: 'error', line: 11, col: 31 }]);
    assert.deepEqual(findings(metric('"sum(rat(x[5m]))"'), 'SLU6'), [{ code: 'SLU6020', severity: 'error', line: 11, col: 21 }]);
    const block = metric('|\n          sum(rate(x[5m]))\n            / sum(foo(x[5m]))');
    assert.deepEqual(findings(block, 'SLU6'), [{ code: 'SLU6020', severity: 'error', line: 13, col: 19 }]);
    assert.match(only(block, 'SLU6020').message, /`foo` is not a PromQL function/);
  });

  it('maps an error inside a substituted argument to its placeholder', () => {
    const text = metric('rate(x[{{args.window}}])', undefined, '  args: [{name: window, value: "5 minutes"}]\n');
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6020', severity: 'error', line: 12, col: 23 }]);
  });

  it('reports placeholders naming undeclared arguments in any metric field (SLU6021)', () => {
    const text = metric('up{svc="{{args.service}}"}', '    successCondition: result[0] >= {{ args.min }}\n', '  args: [{name: svc}]\n');
    assert.deepEqual(findings(text, 'SLU6'), [
      { code: 'SLU6021', severity: 'error', line: 8, col: 36 },
      { code: 'SLU6021', severity: 'error', line: 12, col: 24 },
    ]);
    assert.match(only(metric('up{svc="{{args.svc}}"}'), 'SLU6021').message, /it declares none/);
  });
});

describe('analysis-providers (SLU6022)', () => {
  it('names the unsupported provider and what sluice supports', () => {
    const text = template('web', '  metrics:\n  - name: hook\n    successCondition: result.ok == true\n    provider:\n      web: {url: "http://x"}\n');
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6022', severity: 'error', line: 9, col: 7 }]);
    assert.match(only(text, 'SLU6022').message, /uses the `web` provider; sluice supports only `prometheus`/);
  });
});

describe('analysis-conditions', () => {
  it('reports a condition that does not parse, at the offending character (SLU6023)', () => {
    const text = metric('up', '    successCondition: result[0] >= 0.95)\n    failureCondition: "result[0] <"\n');
    assert.deepEqual(findings(text, 'SLU6'), [
      { code: 'SLU6023', severity: 'error', line: 7, col: 40 },
      { code: 'SLU6023', severity: 'error', line: 8, col: 35 },
    ]);
  });

  it('warns on names a condition cannot see (SLU6024)', () => {
    const text = metric('up', '    successCondition: len(results) > 0\n');
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6024', severity: 'warning', line: 7, col: 27 }]);
    assert.match(only(text, 'SLU6024').message, /did you mean `result`/);
  });

  it('warns that a metric without conditions can never pass, unless it is a dry run (SLU6028)', () => {
    const text = metric('up', '');
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6028', severity: 'warning', line: 6, col: 11 }]);
    assert.match(only(text, 'SLU6028').hint ?? '', /Inconclusive/);
    const dry = template('sr', '  dryRun: [{metricName: success}]\n  metrics:\n  - name: success\n    provider: {prometheus: {address: http://p:9090, query: up}}\n');
    assert.deepEqual(findings(dry, 'SLU6'), []);
  });
});

describe('analysis-limits', () => {
  it('reports negative counts and limits (SLU6025)', () => {
    const text = metric('up', '    successCondition: result[0] > 0\n    failureLimit: -1\n    consecutiveErrorLimit: "-2"\n');
    assert.deepEqual(findings(text, 'SLU6'), [
      { code: 'SLU6025', severity: 'error', line: 8, col: 19 },
      { code: 'SLU6025', severity: 'error', line: 9, col: 28 },
    ]);
  });

  it('reports a count without interval and a limit above the count (SLU6026)', () => {
    const text = metric('up', '    successCondition: result[0] > 0\n    count: 3\n    failureLimit: 4\n');
    assert.deepEqual(findings(text, 'SLU6'), [
      { code: 'SLU6026', severity: 'error', line: 8, col: 12 },
      { code: 'SLU6026', severity: 'error', line: 9, col: 19 },
    ]);
    assert.deepEqual(findings(metric('up', '    successCondition: result[0] > 0\n    count: "{{args.n}}"\n', '  args: [{name: n}]\n'), 'SLU6'), []);
  });

  it('reports intervals and delays that are not Go durations (SLU6027)', () => {
    const text = metric('up', '    successCondition: result[0] > 0\n    interval: "60"\n    initialDelay: 1m30s\n    count: 2\n');
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6027', severity: 'error', line: 8, col: 15 }]);
  });
});

describe('analysis-duplicate-metrics (SLU6029)', () => {
  it('reports the second metric with a name, related to the first', () => {
    const m = '  - name: success\n    successCondition: result[0] > 0\n    provider: {prometheus: {address: http://p:9090, query: up}}\n';
    const text = template('sr', `  metrics:\n${m}${m}`);
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6029', severity: 'error', line: 9, col: 11 }]);
    assert.equal(only(text, 'SLU6029').related?.[0]?.line, 6);
  });
});

describe('analysis-annotations (SLU6040)', () => {
  const judge = (annotations: string) =>
    yaml(
      template(
        'judge',
        `  metrics:
  - name: errors
    successCondition: result[0] >= 0.01
    provider: {prometheus: {address: http://p:9090, query: 'errors[5m]'}}
`,
      ).replace('metadata: {name: judge, namespace: shop}', `metadata:\n  name: judge\n  namespace: shop\n  annotations:\n${annotations}`),
    );
  it('accepts the annotations sluice reads, and run-time placeholders', () => {
    const text = judge(
      "    sluice.dev/no-data-budget: 2m\n    sluice.dev/judge-baseline.errors: 'errors[5m]'\n    sluice.dev/judge-test.errors: proportions\n    sluice.dev/judge-direction.errors: decrease\n    sluice.dev/judge-min-samples.errors: '{{args.n}}'\n    sluice.dev/description: judge\n",
    );
    assert.deepEqual(findings(text, 'SLU6040'), []);
  });
  it('reports bad values, unknown metrics, settings without a baseline, and unknown keys', () => {
    const text = judge(
      "    sluice.dev/no-data-budget: soon\n    sluice.dev/judge-baseline.errors: 'sum(errors[5m]'\n    sluice.dev/judge-test.errors: t-test\n    sluice.dev/judge-min-samples.errors: '0'\n    sluice.dev/judge-baseline.latency: 'x'\n    sluice.dev/judge-direction.other: increase\n    sluice.dev/no-data-budgit: 2m\n",
    );
    const found = diagnosticsOf(text).filter((d) => d.code === 'SLU6040');
    assert.deepEqual(
      found.map((d) => [d.line, d.severity]),
      [[7, 'error'], [8, 'error'], [9, 'error'], [10, 'error'], [11, 'error'], [12, 'error'], [13, 'warning']],
    );
    assert.match(found[0]?.message ?? '', /"soon" is not a positive duration/);
    assert.match(found[1]?.message ?? '', /baseline query is not valid PromQL/);
    assert.match(found[2]?.message ?? '', /"t-test" is not one of mann-whitney, proportions/);
    assert.match(found[4]?.message ?? '', /no metric named latency \(it has errors\)/);
    assert.match(found[6]?.message ?? '', /not an annotation sluice reads/);
  });
});
