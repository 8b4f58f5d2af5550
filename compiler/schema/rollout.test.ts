import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../diagnostics/index.ts';
import { loadSources } from '../load/index.ts';
import { validateDocuments } from './index.ts';

const rollout = `apiVersion: rollouts.sluice.dev/v1alpha1
kind: Rollout
metadata: {name: reviews, namespace: default}
spec:
  target: {virtualService: reviews, route: primary}
  stableSubset: v1
  canarySubset: v2
  steps:
    - setWeight: 10
    - pause: {duration: 2m}
    - pause: {}
    - analysis: {templates: [{templateName: success-rate, clusterScope: false}], args: [{name: service, value: reviews}]}
    - setHeaderRoute: {name: canary-header, match: [{headerName: x-canary, headerValue: {exact: "1"}}]}
    - setMirrorRoute: {name: mirror, percentage: 20}
    - setWeight: 50
  analysis: {templates: [{templateName: success-rate}], args: [{name: service, value: reviews}], startingStep: 1}
  progressDeadline: 10m
  ackDeadline: 30s
  windows: ["* 9-17 * * 1-5"]
  promotion: {mode: commit, recordRollback: true}
`;

function validate(text: string): Diagnostic[] {
  const result = loadSources([{ path: 'rollout.yaml', content: text }]);
  assert.deepEqual(result.diagnostics, []);
  return validateDocuments(result.documents);
}

function codes(text: string): string[] {
  return validate(text).map((d) => `${d.code} ${d.path}`);
}

describe('Rollout (rollouts.sluice.dev/v1alpha1)', () => {
  it('accepts the documented example', () => {
    assert.deepEqual(validate(rollout), []);
  });

  it('accepts a route by index', () => {
    assert.deepEqual(validate(rollout.replace('route: primary', 'route: 0')), []);
  });

  it('a step has exactly one step key', () => {
    const two = validate(rollout.replace('- setWeight: 10', '- {setWeight: 10, pause: {}}'));
    assert.equal(two.length, 1, JSON.stringify(two));
    assert.equal(two[0]!.code, 'SLU2012');
    assert.match(two[0]!.message, /spec\.steps\[0\] must set exactly one of `setWeight`, `pause`, `analysis`, `setHeaderRoute`, `setMirrorRoute`/);
    assert.deepEqual(codes(rollout.replace('- setWeight: 10', '- {}')), ['SLU2004 /spec/steps/0']);
  });

  it('unknown properties are errors, with a suggestion', () => {
    const d = validate(rollout.replace('- setWeight: 10', '- setWieght: 10'));
    assert.equal(d.length, 1, JSON.stringify(d));
    assert.equal(d[0]!.code, 'SLU2003');
    assert.match(d[0]!.message, /did you mean `setWeight`\?/);
    assert.deepEqual(codes(rollout.replace('ackDeadline', 'ackDeadlin')), ['SLU2003 /spec/ackDeadlin']);
  });

  it('weights and percentages are 0..100', () => {
    assert.deepEqual(codes(rollout.replace('setWeight: 50', 'setWeight: 150')), ['SLU2008 /spec/steps/6/setWeight']);
    assert.deepEqual(codes(rollout.replace('percentage: 20', 'percentage: -1')), ['SLU2008 /spec/steps/5/setMirrorRoute/percentage']);
  });

  it('durations are Go duration strings greater than zero', () => {
    assert.deepEqual(codes(rollout.replace('duration: 2m', 'duration: 2 minutes')), ['SLU2007 /spec/steps/1/pause/duration']);
    assert.deepEqual(codes(rollout.replace('progressDeadline: 10m', 'progressDeadline: 1h30m')), []);
    assert.deepEqual(codes(rollout.replace('ackDeadline: 30s', 'ackDeadline: 0s')), ['SLU2010 /spec/ackDeadline']);
    assert.deepEqual(codes(rollout.replace('progressDeadline: 10m', 'progressDeadline: 600')), ['SLU2005 /spec/progressDeadline']);
  });

  it('header values: exactly one of exact, prefix, regex', () => {
    assert.deepEqual(codes(rollout.replace('{exact: "1"}', '{exact: "1", prefix: "x"}')), ['SLU2012 /spec/steps/4/setHeaderRoute/match/0/headerValue/prefix']);
    assert.deepEqual(codes(rollout.replace('{exact: "1"}', '{contains: "1"}')), ['SLU2003 /spec/steps/4/setHeaderRoute/match/0/headerValue/contains']);
  });

  it('promotion mode and windows', () => {
    assert.deepEqual(codes(rollout.replace('mode: commit', 'mode: merge')), ['SLU2006 /spec/promotion/mode']);
    assert.deepEqual(codes(rollout.replace('"* 9-17 * * 1-5"', '"every day"')), ['SLU2007 /spec/windows/0']);
  });

  it('cross-field rules', () => {
    assert.deepEqual(codes(rollout.replace('canarySubset: v2', 'canarySubset: v1')), ['SLU2010 /spec/canarySubset']);
    assert.deepEqual(codes(rollout.replace('startingStep: 1', 'startingStep: 7')), ['SLU2010 /spec/analysis/startingStep']);
  });

  it('requires target, subsets and steps', () => {
    const text = `apiVersion: rollouts.sluice.dev/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {target: {route: 0}}\n`;
    assert.deepEqual(codes(text).sort(), ['SLU2004 /spec', 'SLU2004 /spec', 'SLU2004 /spec', 'SLU2004 /spec/target'].sort());
  });
});
