import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KNOWN_NAMES, parseCondition, referencedNames } from './expression.ts';
import { placeholdersIn, promqlSyntaxError, substituteArgs } from './promql.ts';

describe('parseCondition', () => {
  it('parses the condition forms Argo Rollouts users write', () => {
    for (const text of [
      'result[0] >= 0.95',
      'len(result) > 0',
      'result[0] < 0.5 && result[1] > 2',
      'isNaN(result[0])',
      'all(result, {# > 0.9})',
      'result[0] >= 0.95 and not isNaN(result[0])',
      'asFloat(result) <= 0.01 || isNil(result)',
      'default(result[0], 0) ** 2 ^ 2 > 1',
      'result.status in ["ok", "done"] ? true : false',
      "result.name startsWith 'canary'",
    ]) {
      const parsed = parseCondition(text);
      assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.message}`);
    }
  });

  it('builds predicates as Closure nodes and precedence as expr does', () => {
    const parsed = parseCondition('all(result, {# > 0.9}) && result[0] == 1 or false');
    assert.ok(parsed.ok);
    assert.equal(parsed.ast.type, 'BinaryExpression');
    assert.equal(parsed.ast.operator, 'or');
    const closure = parseCondition('any(result, {# < 1})');
    assert.ok(closure.ok);
    assert.deepEqual((closure.ast.arguments as { type: string }[]).map((a) => a.type), ['Identifier', 'Closure']);
    const pow = parseCondition('2 ^ 3 ^ 2');
    assert.ok(pow.ok);
    assert.equal((pow.ast.right as { operator: string }).operator, '^', '^ is right-associative power');
  });

  it('reports where parsing stopped', () => {
    assert.deepEqual(parseCondition('result[0] >='), { ok: false, message: 'Expected expression after >=', index: 12 });
    const unbalanced = parseCondition('result[0] >= 0.9)');
    assert.equal(unbalanced.ok, false);
    assert.equal(unbalanced.ok ? -1 : unbalanced.index, 16);
    assert.equal(parseCondition('   ').ok, false);
    assert.equal(parseCondition('a, b').ok, false);
    assert.equal(parseCondition('all(result, {# > 1)').ok, false);
    assert.equal(parseCondition('result[0] | 2').ok, false, 'no bitwise operators');
  });

  it('lists the free names a condition uses, not properties', () => {
    const parsed = parseCondition('len(results) > 0 && result.value > threshold');
    assert.ok(parsed.ok);
    assert.deepEqual(referencedNames(parsed.ast).filter((n) => !KNOWN_NAMES.has(n)), ['results', 'threshold']);
  });
});

describe('PromQL', () => {
  it('accepts valid queries and finds the first syntax error', () => {
    assert.equal(promqlSyntaxError('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))'), undefined);
    assert.deepEqual(promqlSyntaxError('sum(rate(x[5m])'), { offset: 15, length: 1, message: 'the query ends before every bracket is closed' });
    assert.deepEqual(promqlSyntaxError('sum(rat(x[5m]))'), { offset: 4, length: 3, message: '`rat` is not a PromQL function or aggregation' });
    assert.deepEqual(promqlSyntaxError('x > '), { offset: 4, length: 1, message: 'the query ends where an expression is expected' });
    assert.equal(promqlSyntaxError('rate(x[5m]) by (le)')?.offset, 12);
  });

  it('substitutes arguments and maps offsets back to the placeholder', () => {
    const text = 'sum(rate(x{svc="{{args.svc}}"}[{{ args.window }}])) >';
    assert.deepEqual(placeholdersIn(text).map((p) => p.name), ['svc', 'window']);
    const s = substituteArgs(text, new Map([['svc', 'reviews']]));
    assert.equal(s.text, 'sum(rate(x{svc="reviews"}[5m])) >');
    assert.equal(s.original(s.text.indexOf('5m')), text.indexOf('{{ args.window'));
    assert.equal(s.original(s.text.length), text.length);
  });
});
