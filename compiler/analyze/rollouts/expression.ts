/**
 * Metric conditions (`successCondition`, `failureCondition`) in the syntax Argo Rollouts
 * evaluates them with (antonmedv/expr), parsed into an AST without evaluating anything.
 *
 * There is no JavaScript port of expr; the parser is jsep (a small, widely used
 * JavaScript-expression parser that only builds an AST, never runs code), configured here
 * for the part of expr that analysis conditions use:
 *
 * - literals: numbers, 'strings' and "strings", true, false, nil; arrays `[1, 2]`
 * - `result` (the measurement), member access `result.x`, indexing `result[0]`
 * - arithmetic `+ - * / % ** ^` (`^` is power, as in expr), comparison
 *   `== != < > <= >=`, logic `&& || !` and `and or not`, `??`, `cond ? a : b`
 * - `in`, `not in`, `matches`, `contains`, `startsWith`, `endsWith`
 * - calls: `len(result)`, `isNaN(result[0])`, `default(result[0], 0)`, ...
 * - predicates (closures) as builtin arguments: `all(result, {# > 0.9})`, where `#` is
 *   the current element; the node type is `Closure` with a `body`.
 *
 * Not supported (reported as a parse error): the range operator `1..5`, slices `a[1:2]`,
 * pipes `|`, `let`, and statements separated by `;` or `,`.
 *
 * jsep keeps its operator tables globally; this module is the one place that configures
 * them, once, when it is first imported. The rollout controller should evaluate the AST
 * returned by `parseCondition` with its own small interpreter (never `eval`).
 */
import jsep from 'jsep';

export type ConditionNode = jsep.Expression;

export type ParsedCondition =
  | { ok: true; ast: ConditionNode }
  | {
      ok: false;
      /** What is wrong, in jsep's words ("Expected expression after >=", ...). */
      message: string;
      /** 0-based offset into the condition text where the parser stopped. */
      index: number;
    };

let configured = false;
function configure(): void {
  if (configured) return;
  configured = true;
  // Bitwise operators do not exist in expr; `^` is power there.
  for (const op of ['|', '^', '&', '<<', '>>', '>>>', '===', '!==']) jsep.removeBinaryOp(op);
  jsep.removeUnaryOp('~');
  jsep.addUnaryOp('not');
  jsep.addBinaryOp('or', 1);
  jsep.addBinaryOp('and', 2);
  // expr gives equality, ordering and the membership/string operators one precedence.
  for (const op of ['==', '!=', '<', '>', '<=', '>=', 'in', 'not in', 'matches', 'not matches', 'contains', 'not contains', 'startsWith', 'not startsWith', 'endsWith', 'not endsWith']) {
    jsep.addBinaryOp(op, 6);
  }
  jsep.addBinaryOp('^', 11, true);
  jsep.addBinaryOp('**', 11, true);
  jsep.addBinaryOp('??', 12);
  jsep.addLiteral('nil', null);
  jsep.addIdentifierChar('#');
  // `{ ... }`: a predicate passed to all/any/none/one/filter/map/count.
  jsep.hooks.add('gobble-token', function closure(env) {
    if (this.code !== 123 /* { */) return;
    this.index++;
    const body = this.gobbleExpression();
    if (!body) this.throwError('Expected an expression inside { }');
    this.gobbleSpaces();
    if (this.expr.charCodeAt(this.index) !== 125 /* } */) this.throwError('Expected } to close the predicate');
    this.index++;
    env.node = { type: 'Closure', body };
  });
}

/**
 * Parses an Argo Rollouts metric condition. Never throws and never evaluates: returns the
 * AST, or the parser's message and the offset where it failed.
 */
export function parseCondition(text: string): ParsedCondition {
  configure();
  if (text.trim() === '') return { ok: false, message: 'the condition is empty', index: 0 };
  let ast: ConditionNode;
  try {
    ast = jsep(text);
  } catch (error) {
    const e = error as Error & { index?: number; description?: string };
    return { ok: false, message: e.description ?? e.message, index: typeof e.index === 'number' ? e.index : 0 };
  }
  if (ast.type === 'Compound' || ast.type === 'SequenceExpression') {
    return { ok: false, message: 'a condition is one expression; `,` and `;` are not allowed', index: Math.max(0, text.search(/[,;]/)) };
  }
  if (ast.type === 'ThisExpression') return { ok: false, message: '`this` is not defined in a condition', index: 0 };
  return { ok: true, ast };
}

/** Names a condition's variables and functions may use: expr's builtins and Argo's helpers. */
export const KNOWN_NAMES: ReadonlySet<string> = new Set([
  // the measurement and the closure element
  'result',
  '#',
  // Argo Rollouts helpers
  'isNaN',
  'isInf',
  'isNil',
  'asInt',
  'asFloat',
  'default',
  // expr builtins
  'len',
  'all',
  'any',
  'none',
  'one',
  'filter',
  'map',
  'count',
  'sum',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'groupBy',
  'sortBy',
  'reduce',
  'abs',
  'ceil',
  'floor',
  'round',
  'max',
  'min',
  'mean',
  'median',
  'int',
  'float',
  'string',
  'type',
  'trim',
  'trimPrefix',
  'trimSuffix',
  'upper',
  'lower',
  'split',
  'splitAfter',
  'replace',
  'repeat',
  'indexOf',
  'lastIndexOf',
  'hasPrefix',
  'hasSuffix',
  'first',
  'last',
  'take',
  'keys',
  'values',
  'toPairs',
  'fromPairs',
  'sort',
  'reverse',
  'uniq',
  'concat',
  'flatten',
  'join',
  'toJSON',
  'fromJSON',
  'toBase64',
  'fromBase64',
  'now',
  'duration',
  'date',
  'timezone',
  'get',
]);

/**
 * Free names a condition refers to: identifiers, but not properties after `.` (jsep keeps
 * no positions; callers find a name in the text themselves).
 */
export function referencedNames(ast: ConditionNode): string[] {
  const names: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as ConditionNode;
    switch (n.type) {
      case 'Identifier':
        names.push(String(n.name));
        return;
      case 'MemberExpression':
        visit(n.object);
        if (n.computed) visit(n.property);
        return;
      default:
        for (const [key, value] of Object.entries(n)) if (key !== 'type') visit(value);
    }
  };
  visit(ast);
  return names;
}
