/**
 * Evaluates Argo Rollouts' metric conditions (the antonmedv/expr subset that analysis uses)
 * over the jsep AST the compiler parses them into. An interpreter of a closed set of node
 * types and builtins: nothing from the condition text ever reaches JavaScript evaluation,
 * property lookups never leave plain arrays, and every run is bounded: at most 64 levels
 * of nesting and a million node evaluations (nested predicates multiply), else an Error.
 *
 * `result` is the measurement flattened to numbers. Where a single number is expected and
 * the result is a one-element array, the element is used, so `result >= 0.95` and
 * `result[0] >= 0.95` agree for a one-sample vector (Argo errors on the first form).
 */
import { parseCondition } from '../../compiler/analyze/rollouts/index.ts';
import type { ConditionNode } from '../../compiler/analyze/rollouts/index.ts';

type Value = number | string | boolean | null | Value[] | Closure;
interface Closure {
  closure: ConditionNode;
}

export type Evaluation = { ok: true; value: boolean } | { ok: false; message: string };

class ConditionError extends Error {}
const fail = (message: string): never => {
  throw new ConditionError(message);
};

const isClosure = (v: Value): v is Closure => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: Value): string {
  // A matrix can hold thousands of points: a message shows the first few.
  if (Array.isArray(v)) return v.length > 5 ? `[${v.slice(0, 5).map(describe).join(', ')}, … ${v.length} values]` : `[${v.map(describe).join(', ')}]`;
  if (isClosure(v)) return 'a predicate';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** A number, taking the element of a one-element array. */
function toNumber(v: Value, what: string): number {
  if (Array.isArray(v) && v.length === 1) return toNumber(v[0] as Value, what);
  if (typeof v === 'number') return v;
  return fail(`${what} needs a number, got ${describe(v)}`);
}

function toArray(v: Value, what: string): Value[] {
  if (Array.isArray(v)) return v;
  return fail(`${what} needs an array, got ${describe(v)}`);
}

function toBool(v: Value, what: string): boolean {
  if (typeof v === 'boolean') return v;
  return fail(`${what} needs true or false, got ${describe(v)}`);
}

function scalar(v: Value): Value {
  return Array.isArray(v) && v.length === 1 ? (v[0] as Value) : v;
}

function equal(a: Value, b: Value): boolean {
  const x = scalar(a);
  const y = scalar(b);
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((item, i) => equal(item, y[i] as Value));
  return x === y;
}

function index(target: Value, key: Value): Value {
  if (Array.isArray(target)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) return fail(`an array index must be a whole number, got ${describe(key)}`);
    const i = key < 0 ? target.length + key : key;
    if (i < 0 || i >= target.length) return fail(`index ${key} is out of range: the result has ${target.length} value${target.length === 1 ? '' : 's'}`);
    return target[i] as Value;
  }
  if (typeof target === 'string' && typeof key === 'number' && Number.isInteger(key)) {
    const i = key < 0 ? target.length + key : key;
    if (i < 0 || i >= target.length) return fail(`index ${key} is out of range`);
    return target[i] as string;
  }
  return fail(`cannot index ${describe(target)} with ${describe(key)}`);
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  // expr's `%` is integer modulo, which errors on a zero divisor (JavaScript would give NaN).
  '%': (a, b) => (b === 0 ? fail('modulo by zero') : a % b),
  '^': (a, b) => a ** b,
  '**': (a, b) => a ** b,
};

const ORDER: Record<string, (a: number | string, b: number | string) => boolean> = {
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
};

function numbers(values: Value[], what: string): number[] {
  return values.map((v) => toNumber(v, what));
}

function median(xs: number[]): number {
  if (xs.length === 0) return fail('median of an empty array');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The functions a condition may call; predicates get `#` bound to each element. */
type Builtin = (args: ConditionNode[], scope: Scope) => Value;

interface Scope {
  result: Value;
  element?: Value;
  depth: number;
  /** Nodes left to evaluate, shared by the whole run: nested predicates multiply work. */
  budget: { left: number };
}

function predicateOver(name: string, args: ConditionNode[], scope: Scope): { items: Value[]; test: (item: Value) => Value } {
  if (args.length !== 2) return fail(`${name}() takes an array and a predicate {…}`);
  const items = toArray(evaluate(args[0] as ConditionNode, scope), `${name}()`);
  const predicate = args[1] as ConditionNode;
  const body = predicate.type === 'Closure' ? (predicate.body as ConditionNode) : predicate;
  return { items, test: (item) => evaluate(body, { ...scope, element: item, depth: scope.depth + 1 }) };
}

function unary(name: string, fn: (v: Value) => Value): Builtin {
  return (args, scope) => {
    if (args.length !== 1) return fail(`${name}() takes one argument, got ${args.length}`);
    return fn(evaluate(args[0] as ConditionNode, scope));
  };
}

const BUILTINS: Record<string, Builtin> = {
  len: unary('len', (v) => {
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    return fail(`len() needs an array or a string, got ${describe(v)}`);
  }),
  isNaN: unary('isNaN', (v) => Number.isNaN(toNumber(v, 'isNaN()'))),
  isInf: unary('isInf', (v) => {
    const n = toNumber(v, 'isInf()');
    return n === Infinity || n === -Infinity;
  }),
  isNil: unary('isNil', (v) => v === null),
  asInt: unary('asInt', (v) => {
    const n = typeof v === 'string' ? Number(v) : toNumber(v, 'asInt()');
    if (!Number.isFinite(n)) return fail(`asInt() cannot convert ${describe(v)}`);
    return Math.trunc(n);
  }),
  asFloat: unary('asFloat', (v) => {
    const n = typeof v === 'string' ? Number(v) : toNumber(v, 'asFloat()');
    if (typeof v === 'string' && Number.isNaN(n)) return fail(`asFloat() cannot convert ${describe(v)}`);
    return n;
  }),
  int: unary('int', (v) => Math.trunc(typeof v === 'string' ? Number(v) : toNumber(v, 'int()'))),
  float: unary('float', (v) => (typeof v === 'string' ? Number(v) : toNumber(v, 'float()'))),
  abs: unary('abs', (v) => Math.abs(toNumber(v, 'abs()'))),
  ceil: unary('ceil', (v) => Math.ceil(toNumber(v, 'ceil()'))),
  floor: unary('floor', (v) => Math.floor(toNumber(v, 'floor()'))),
  round: unary('round', (v) => Math.round(toNumber(v, 'round()'))),
  sum: unary('sum', (v) => numbers(toArray(v, 'sum()'), 'sum()').reduce((a, b) => a + b, 0)),
  mean: unary('mean', (v) => {
    const xs = numbers(toArray(v, 'mean()'), 'mean()');
    return xs.length === 0 ? fail('mean() of an empty array') : xs.reduce((a, b) => a + b, 0) / xs.length;
  }),
  median: unary('median', (v) => median(numbers(toArray(v, 'median()'), 'median()'))),
  first: unary('first', (v) => (toArray(v, 'first()')[0] ?? null) as Value),
  last: unary('last', (v) => {
    const xs = toArray(v, 'last()');
    return (xs[xs.length - 1] ?? null) as Value;
  }),
  max: (args, scope) => {
    const values = args.map((a) => evaluate(a, scope));
    const xs = values.length === 1 && Array.isArray(values[0]) ? numbers(values[0], 'max()') : numbers(values, 'max()');
    return xs.length === 0 ? fail('max() of nothing') : xs.reduce((a, b) => Math.max(a, b));
  },
  min: (args, scope) => {
    const values = args.map((a) => evaluate(a, scope));
    const xs = values.length === 1 && Array.isArray(values[0]) ? numbers(values[0], 'min()') : numbers(values, 'min()');
    return xs.length === 0 ? fail('min() of nothing') : xs.reduce((a, b) => Math.min(a, b));
  },
  // Argo's helper: the first argument unless it is nil (or cannot be evaluated: an index past the end).
  default: (args, scope) => {
    if (args.length !== 2) return fail('default() takes a value and a default');
    let value: Value;
    try {
      value = evaluate(args[0] as ConditionNode, scope);
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      value = null;
    }
    return value === null ? evaluate(args[1] as ConditionNode, scope) : value;
  },
  all: (args, scope) => {
    const { items, test } = predicateOver('all', args, scope);
    return items.every((item) => toBool(test(item), 'all()'));
  },
  any: (args, scope) => {
    const { items, test } = predicateOver('any', args, scope);
    return items.some((item) => toBool(test(item), 'any()'));
  },
  none: (args, scope) => {
    const { items, test } = predicateOver('none', args, scope);
    return !items.some((item) => toBool(test(item), 'none()'));
  },
  one: (args, scope) => {
    const { items, test } = predicateOver('one', args, scope);
    return items.filter((item) => toBool(test(item), 'one()')).length === 1;
  },
  count: (args, scope) => {
    const { items, test } = predicateOver('count', args, scope);
    return items.filter((item) => toBool(test(item), 'count()')).length;
  },
  filter: (args, scope) => {
    const { items, test } = predicateOver('filter', args, scope);
    return items.filter((item) => toBool(test(item), 'filter()'));
  },
  map: (args, scope) => {
    const { items, test } = predicateOver('map', args, scope);
    return items.map(test);
  },
};

const MAX_DEPTH = 64;
/**
 * Node evaluations one condition may take. A predicate runs its body once per element, so
 * `all(result, {any(result, {…})})` costs len(result)² — nested deeper over a large
 * matrix it would block the controller for hours. Generous for any real condition.
 */
const MAX_STEPS = 1_000_000;

function evaluate(node: ConditionNode, scope: Scope): Value {
  if (scope.depth > MAX_DEPTH) return fail('the condition nests too deeply');
  if (--scope.budget.left < 0) return fail(`the condition takes more than ${MAX_STEPS} steps on this result (nested predicates over a large result?)`);
  const inner = { ...scope, depth: scope.depth + 1 };
  switch (node.type) {
    case 'Literal': {
      const v = node.value as unknown;
      if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
      return fail(`unsupported literal ${String(node.raw)}`);
    }
    case 'Identifier': {
      const name = String(node.name);
      if (name === 'result') return scope.result;
      if (name === '#') return scope.element === undefined ? fail('`#` is only defined inside a predicate {…}') : scope.element;
      if (name === 'true') return true;
      if (name === 'false') return false;
      if (name === 'nil') return null;
      return fail(`\`${name}\` is not defined (a condition sees \`result\`)`);
    }
    case 'ArrayExpression':
      return (node.elements as (ConditionNode | null)[]).map((e) => (e ? evaluate(e, inner) : null));
    case 'MemberExpression': {
      const target = evaluate(node.object as ConditionNode, inner);
      if (!node.computed) return fail(`\`${describe(target)}\` has no field \`${String((node.property as ConditionNode).name)}\``);
      return index(target, evaluate(node.property as ConditionNode, inner));
    }
    case 'UnaryExpression': {
      const v = evaluate(node.argument as ConditionNode, inner);
      switch (node.operator) {
        case '!':
        case 'not':
          return !toBool(v, `\`${String(node.operator)}\``);
        case '-':
          return -toNumber(v, '`-`');
        case '+':
          return toNumber(v, '`+`');
        default:
          return fail(`unsupported operator ${String(node.operator)}`);
      }
    }
    case 'BinaryExpression':
      return binary(String(node.operator), node.left as ConditionNode, node.right as ConditionNode, inner);
    case 'ConditionalExpression':
      return toBool(evaluate(node.test as ConditionNode, inner), 'the `?:` test')
        ? evaluate(node.consequent as ConditionNode, inner)
        : evaluate(node.alternate as ConditionNode, inner);
    case 'CallExpression': {
      const callee = node.callee as ConditionNode;
      const name = callee.type === 'Identifier' ? String(callee.name) : '';
      const fn = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
      if (!fn) return fail(`the function \`${name || 'expression'}()\` is not supported in sluice's conditions`);
      return fn(node.arguments as ConditionNode[], inner);
    }
    case 'Closure':
      return { closure: node.body as ConditionNode };
    default:
      return fail(`unsupported expression (${node.type})`);
  }
}

function binary(op: string, leftNode: ConditionNode, rightNode: ConditionNode, scope: Scope): Value {
  // Logic short-circuits, as expr does: `len(result) > 0 && result[0] > 1` is safe on [].
  if (op === '&&' || op === 'and') return toBool(evaluate(leftNode, scope), `\`${op}\``) ? toBool(evaluate(rightNode, scope), `\`${op}\``) : false;
  if (op === '||' || op === 'or') return toBool(evaluate(leftNode, scope), `\`${op}\``) ? true : toBool(evaluate(rightNode, scope), `\`${op}\``);
  if (op === '??') {
    const left = evaluate(leftNode, scope);
    return left === null ? evaluate(rightNode, scope) : left;
  }
  const left = evaluate(leftNode, scope);
  const right = evaluate(rightNode, scope);
  const arithmetic = ARITHMETIC[op];
  if (arithmetic) {
    if (op === '+' && typeof scalar(left) === 'string' && typeof scalar(right) === 'string') return String(scalar(left)) + String(scalar(right));
    return arithmetic(toNumber(left, `\`${op}\``), toNumber(right, `\`${op}\``));
  }
  const order = ORDER[op];
  if (order) {
    const a = scalar(left);
    const b = scalar(right);
    if (typeof a === 'string' && typeof b === 'string') return order(a, b);
    return order(toNumber(a, `\`${op}\``), toNumber(b, `\`${op}\``));
  }
  switch (op) {
    case '==':
      return equal(left, right);
    case '!=':
      return !equal(left, right);
    case 'in':
    case 'not in': {
      const has = toArray(right, `\`${op}\``).some((item) => equal(item, left));
      return op === 'in' ? has : !has;
    }
    case 'contains':
    case 'not contains':
    case 'startsWith':
    case 'not startsWith':
    case 'endsWith':
    case 'not endsWith': {
      const a = scalar(left);
      const b = scalar(right);
      if (typeof a !== 'string' || typeof b !== 'string') return fail(`\`${op}\` compares strings`);
      const base = op.replace(/^not /, '');
      const hit = base === 'contains' ? a.includes(b) : base === 'startsWith' ? a.startsWith(b) : a.endsWith(b);
      return op.startsWith('not ') ? !hit : hit;
    }
    default:
      return fail(`the operator \`${op}\` is not supported in sluice's conditions`);
  }
}

/** Evaluates a condition against a result. Never throws: a condition that cannot be evaluated says why. */
export function evaluateCondition(condition: string, result: number | number[]): Evaluation {
  const parsed = parseCondition(condition);
  if (!parsed.ok) return { ok: false, message: `the condition does not parse: ${parsed.message}` };
  try {
    const value = evaluate(parsed.ast, { result: Array.isArray(result) ? [...result] : result, depth: 0, budget: { left: MAX_STEPS } });
    if (typeof value !== 'boolean') return { ok: false, message: `the condition gave ${describe(value)}, not true or false` };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof ConditionError) return { ok: false, message: error.message };
    if (error instanceof RangeError) return { ok: false, message: 'the condition is too large to evaluate' };
    throw error;
  }
}
