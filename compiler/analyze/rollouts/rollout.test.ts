// Tests for the Rollout analyzers: target, conflicts, analysis references, windows,
// header-route regexes and promotion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnosticsOf, findings, only, REVIEWS_MESH, rollout, template, yaml } from './test-support.ts';

const SUCCESS_RATE = template(
  'success-rate',
  `  args: [{name: workload}, {name: window, value: 5m}]
  metrics:
  - name: success
    interval: 1m
    successCondition: result[0] >= 0.95
    provider:
      prometheus:
        address: http://prometheus:9090
        query: sum(rate(requests{svc="{{args.workload}}"}[{{args.window}}]))
`,
);

describe('rollout-targets', () => {
  it('accepts a rollout whose route sends traffic to the stable subset', () => {
    assert.deepEqual(findings(yaml(rollout('r', 'virtualService: reviews, route: primary'), REVIEWS_MESH), 'SLU6'), []);
    assert.deepEqual(findings(yaml(rollout('r', 'virtualService: reviews, route: 0'), REVIEWS_MESH), 'SLU6'), []);
    assert.deepEqual(findings(yaml(rollout('r', 'virtualService: reviews'), REVIEWS_MESH), 'SLU6'), []);
  });

  it('reports a VirtualService missing from the rollout namespace (SLU6001)', () => {
    const text = yaml(rollout('r', 'virtualService: ratings, route: primary'), REVIEWS_MESH);
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6001', severity: 'error', line: 5, col: 28 }]);
    assert.match(only(text, 'SLU6001').message, /VirtualService ratings, which does not exist in namespace shop/);
  });

  it('reports a route that is not in the VirtualService, by name or index (SLU6002)', () => {
    const byName = yaml(rollout('r', 'virtualService: reviews, route: main'), REVIEWS_MESH);
    assert.deepEqual(findings(byName, 'SLU6'), [{ code: 'SLU6002', severity: 'error', line: 5, col: 44 }]);
    assert.match(only(byName, 'SLU6002').message, /no HTTP route named main \(it has primary\)/);
    const byIndex = yaml(rollout('r', 'virtualService: reviews, route: 3'), REVIEWS_MESH);
    assert.match(only(byIndex, 'SLU6002').message, /no HTTP route at index 3/);
  });

  it('reports a canary subset no DestinationRule defines (SLU6003)', () => {
    const text = yaml(rollout('r', 'virtualService: reviews, route: primary').replace('canarySubset: v2', 'canarySubset: v3'), REVIEWS_MESH);
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6003', severity: 'error', line: 7, col: 17 }]);
    const d = only(text, 'SLU6003');
    assert.match(d.message, /canarySubset v3 of rollout r is not defined for host reviews\.shop\.svc\.cluster\.local: its DestinationRules define v1, v2/);
    assert.equal(d.related?.[0]?.line, 27);
  });

  it('reports a route without the stable subset (SLU6005)', () => {
    const text = yaml(rollout('r', 'virtualService: reviews, route: primary'), REVIEWS_MESH.replace('subset: v1}', 'subset: v2}'));
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6005', severity: 'error', line: 5, col: 44 }]);
  });
});

describe('rollout-conflicts (SLU6006)', () => {
  it('reports a second rollout on the same route, even when it names it by index', () => {
    const text = yaml(rollout('a', 'virtualService: reviews, route: primary'), rollout('b', 'virtualService: reviews, route: 0'), REVIEWS_MESH);
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6006', severity: 'error', line: 16, col: 44 }]);
    const d = only(text, 'SLU6006');
    assert.match(d.message, /rollouts shop\/b and shop\/a both shift weights on route primary/);
    assert.equal(d.related?.[0]?.line, 5);
  });
});

describe('rollout-analysis', () => {
  const analysisStep = (templates: string, args = '') => `  - setWeight: 20\n  - analysis:\n      templates: [${templates}]\n${args}  - setWeight: 100\n`;

  it('accepts a step naming a template in its namespace with every required argument', () => {
    const text = yaml(rollout('r', 'virtualService: reviews', '', analysisStep('{templateName: success-rate}', '      args: [{name: workload, value: reviews}]\n')), REVIEWS_MESH, SUCCESS_RATE);
    assert.deepEqual(findings(text, 'SLU6'), []);
  });

  it('reports a missing template, and a ClusterAnalysisTemplate named without clusterScope (SLU6007)', () => {
    const cluster = template('cluster-rate', '  metrics:\n  - name: m\n    successCondition: result[0] > 0\n    provider: {prometheus: {address: http://p:9090, query: up}}\n', 'ClusterAnalysisTemplate');
    const text = yaml(rollout('r', 'virtualService: reviews', '', analysisStep('{templateName: nope}, {templateName: cluster-rate}')), REVIEWS_MESH, cluster);
    assert.deepEqual(findings(text, 'SLU6'), [
      { code: 'SLU6007', severity: 'error', line: 11, col: 34 },
      { code: 'SLU6007', severity: 'error', line: 11, col: 56 },
    ]);
    assert.match(only(text.replace('{templateName: nope}, ', ''), 'SLU6007').message, /there is a ClusterAnalysisTemplate of that name: set `clusterScope: true`/);
    assert.deepEqual(findings(yaml(rollout('r', 'virtualService: reviews', '', analysisStep('{templateName: cluster-rate, clusterScope: true}')), REVIEWS_MESH, cluster), 'SLU6'), []);
  });

  it('accepts the built-in golden-signal templates without the repository defining them', () => {
    const text = yaml(rollout('r', 'virtualService: reviews', '', analysisStep('{templateName: sluice-istio-success-rate, clusterScope: true}, {templateName: sluice-grpc-judge}')), REVIEWS_MESH);
    assert.deepEqual(findings(text, 'SLU6'), []);
    const typo = yaml(rollout('r', 'virtualService: reviews', '', analysisStep('{templateName: sluice-istio-sucess-rate, clusterScope: true}')), REVIEWS_MESH);
    assert.deepEqual(findings(typo, 'SLU6').map((f) => f.code), ['SLU6007']);
  });

  it('reports required arguments the rollout does not pass, for steps and background analysis (SLU6008)', () => {
    const step = yaml(rollout('r', 'virtualService: reviews', '', analysisStep('{templateName: success-rate}', '      args: [{name: window, value: 1m}]\n')), REVIEWS_MESH, SUCCESS_RATE);
    assert.deepEqual(findings(step, 'SLU6'), [{ code: 'SLU6008', severity: 'error', line: 12, col: 7 }]);
    assert.match(only(step, 'SLU6008').message, /step 1 of rollout r does not pass `workload`, which AnalysisTemplate shop\/success-rate requires/);
    const background = yaml(rollout('r', 'virtualService: reviews', '  analysis:\n    templates: [{templateName: success-rate}]\n'), REVIEWS_MESH, SUCCESS_RATE);
    assert.deepEqual(findings(background, 'SLU6'), [{ code: 'SLU6008', severity: 'error', line: 12, col: 32 }]);
  });
});

describe('rollout-windows (SLU6010)', () => {
  it('reports a window cron expression with values out of range', () => {
    const text = yaml(rollout('r', 'virtualService: reviews', '  windows: ["0 9-17 * * mon-fri", "0 25 * * *", "*/15 * 31 2 *"]\n'), REVIEWS_MESH);
    assert.deepEqual(findings(text, 'SLU6'), [
      { code: 'SLU6010', severity: 'error', line: 11, col: 35 },
      { code: 'SLU6010', severity: 'error', line: 11, col: 49 },
    ]);
    assert.match(diagnosticMessage(text, 'SLU6010', 0), /25 is a invalid expression for hour/);
  });
});

describe('rollout-header-routes (SLU6011)', () => {
  it('reports a header regex RE2 cannot compile, at the regex', () => {
    const steps = '  - setHeaderRoute:\n      name: canary\n      match:\n      - headerName: x-canary\n        headerValue: {regex: "(?!bot).*"}\n  - setWeight: 100\n';
    const text = yaml(rollout('r', 'virtualService: reviews', '', steps), REVIEWS_MESH);
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6011', severity: 'error', line: 13, col: 30 }]);
    assert.match(only(text, 'SLU6011').message, /invalid RE2 syntax/);
  });
});

describe('rollout-promotion (SLU6012)', () => {
  it('notes a rollout that stops below 100% without a promotion', () => {
    const text = yaml(rollout('r', 'virtualService: reviews', '', '  - setWeight: 20\n  - pause: {}\n  - setWeight: 50\n'), REVIEWS_MESH);
    assert.deepEqual(findings(text, 'SLU6'), [{ code: 'SLU6012', severity: 'info', line: 11, col: 16 }]);
    const promoted = yaml(rollout('r', 'virtualService: reviews', '  promotion: {mode: commit}\n', '  - setWeight: 50\n'), REVIEWS_MESH);
    assert.deepEqual(findings(promoted, 'SLU6'), []);
  });
});

function diagnosticMessage(text: string, code: string, index: number): string {
  return diagnosticsOf(text).filter((d) => d.code === code)[index]?.message ?? '';
}

describe('rollout-analysis: arguments the controller supplies', () => {
  it('does not ask the rollout for service, namespace, subset, stable-subset or prometheus', () => {
    const supplied = template(
      'canary-rate',
      `  args: [{name: service}, {name: namespace}, {name: subset}, {name: stable-subset}, {name: prometheus}, {name: workload}]
  metrics:
  - name: rate
    successCondition: result[0] >= 0.95
    provider:
      prometheus:
        address: "{{args.prometheus}}"
        query: sum(rate(requests{svc="{{args.service}}",ns="{{args.namespace}}",v=~"{{args.subset}}|{{args.stable-subset}}",w="{{args.workload}}"}[1m]))
`,
    );
    const step = (args: string) => `  - setWeight: 20\n  - analysis:\n      templates: [{templateName: canary-rate}]\n${args}  - setWeight: 100\n`;
    assert.deepEqual(findings(yaml(rollout('r', 'virtualService: reviews', '', step('      args: [{name: workload, value: reviews}]\n')), REVIEWS_MESH, supplied), 'SLU6'), []);
    assert.match(only(yaml(rollout('r', 'virtualService: reviews', '', step('')), REVIEWS_MESH, supplied), 'SLU6008').message, /does not pass `workload`, which/);
  });
});
