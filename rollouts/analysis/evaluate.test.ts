import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateCondition } from './evaluate.ts';

const yes = (condition: string, result: number[] = [0.97, 0.5]) => assert.deepEqual(evaluateCondition(condition, result), { ok: true, value: true }, condition);
const no = (condition: string, result: number[] = [0.97, 0.5]) => assert.deepEqual(evaluateCondition(condition, result), { ok: true, value: false }, condition);
const error = (condition: string, pattern: RegExp, result: number[] = [0.97]) => {
  const e = evaluateCondition(condition, result);
  assert.equal(e.ok, false, condition);
  if (!e.ok) assert.match(e.message, pattern, condition);
};

describe('evaluateCondition', () => {
  it('indexes, compares and combines the result as Argo conditions do', () => {
    yes('result[0] >= 0.95');
    no('result[0] < 0.95');
    yes('result[1] == 0.5 && result[0] > result[1]');
    yes('result[0] < 0.5 || result[1] <= 0.5');
    yes('!(result[0] < 0.5)');
    yes('not (result[0] < 0.5) and result[-1] == 0.5');
    yes('result[0] * 100 >= 97 - 1 && (result[0] + result[1]) / 2 > 0.7 && 2 ^ 3 == 8 && 2 ** 2 == 4 && 7 % 4 == 3');
    yes('-result[1] == -0.5');
    yes('result[0] > 0.9 ? true : false');
  });
  it('builtins: len, isNaN, isInf, default, asInt/asFloat, abs, min/max, mean, median, sum, all/any/none/one/count/filter/map', () => {
    yes('len(result) == 2');
    yes('isNaN(result[0])', [NaN]);
    no('isNaN(result[0])');
    yes('isInf(result[0])', [Infinity]);
    yes('default(result[5], 1) == 1');
    yes('default(result[0], 1) == 0.97');
    yes('asInt(result[0] * 10) == 9 && asFloat("0.5") == result[1]');
    yes('abs(-result[1]) == 0.5 && max(result) == 0.97 && min(result[0], result[1]) == 0.5');
    yes('mean([1, 2, 3]) == 2 && median([3, 1, 2]) == 2 && sum(result) > 1.4');
    yes('all(result, {# > 0.1}) && any(result, {# > 0.9}) && none(result, {# > 1}) && one(result, {# > 0.9})');
    yes('count(result, {# > 0.1}) == 2 && len(filter(result, {# > 0.9})) == 1 && map(result, {# * 2})[1] == 1');
    yes('0.5 in result && 3 not in result');
    yes('result == 0.97', [0.97]);
    yes('result >= 0.95', [0.97]);
  });
  it('reports what cannot be evaluated instead of throwing', () => {
    error('result[2] > 0', /index 2 is out of range: the result has 1 value/);
    error('result[0] + 1', /gave 1\.97, not true or false/);
    error('results[0] > 1', /`results` is not defined/);
    error('result.status == "ok"', /has no field `status`/);
    error('result > 1', /needs a number, got \[0\.97, 0\.5\]/, [0.97, 0.5]);
    error('result[0] > 1 &&', /does not parse/);
    error('now() > 1', /`now\(\)` is not supported/);
    error('constructor(1)', /not supported/);
    error('result[0] matches "a.*"', /`matches` is not supported/);
    error('result[0] && true', /`&&` needs true or false, got 0\.97/);
  });
  it('short-circuits like expr: the right side is not evaluated when the left decides', () => {
    no('len(result) > 0 && result[0] > 1', []);
    yes('len(result) == 0 || result[0] > 1', []);
  });
  it('never reaches JavaScript: prototype names are plain undefined names', () => {
    error('__proto__ == 1', /`__proto__` is not defined/);
    error('toString(result)', /not supported/);
    error('result["length"] == 1', /array index must be a whole number/);
    // A call's callee must be a builtin's name: it is never evaluated as an expression.
    error('result.constructor.constructor("return process")() == 1', /`expression\(\)` is not supported/);
    error('result["constructor"]["constructor"]("return 1")() == 1', /`expression\(\)` is not supported/);
    error('result.constructor == 1', /has no field `constructor`/);
    error('result["constructor"] == 1', /array index must be a whole number/);
    error('"abc".constructor == 1', /has no field `constructor`/);
    error('"abc"["__proto__"] == 1', /cannot index "abc" with "__proto__"/);
    error('[1].__proto__ == nil', /has no field `__proto__`/);
    error('map(result, {#.constructor}) == nil', /has no field `constructor`/);
    error('hasOwnProperty("x")', /not supported/);
    error('__proto__(1)', /not supported/);
  });
  it('bounds the work of hostile conditions: nested predicates, deep nesting, huge results, modulo by zero', () => {
    const many = Array.from({ length: 150 }, (_, i) => i / 150);
    // 150³ predicate bodies: without a bound this blocks the event loop.
    error('count(result, {count(result, {count(result, {# >= 0}) > 0}) > 0}) > 0', /more than 1000000 steps/, many);
    yes('all(result, {any(result, {# >= 0})})', many);
    error(`${'('.repeat(5000)}result[0]${')'.repeat(5000)} > 0`, /./);
    error(`${'!'.repeat(100)}true`, /nests too deeply/);
    const huge = Array.from({ length: 300_000 }, (_, i) => i);
    yes('max(result) == 299999 && min(result) == 0', huge);
    const big = evaluateCondition('result > 1', huge);
    assert.ok(!big.ok && big.message.length < 200, 'a message about a large result stays short');
    error('result[0] % 0 == 0', /modulo by zero/);
    yes('result[0] / 0 > 1e308', [1]);
    no('result[0] / 0 > 0 || result[0] / 0 <= 0 || result[0] / 0 == result[0] / 0', [0]);
  });
});
