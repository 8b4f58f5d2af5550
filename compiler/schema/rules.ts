/**
 * Walks a document alongside its schema and evaluates every `x-kubernetes-validations`
 * rule on the value it is attached to, as the Kubernetes API server does. Only subtrees
 * whose schema holds rules are visited.
 */
import type { CelRule, JsonSchema } from './convert.ts';
import { compileRule, escapeProperty, evaluateRule } from './cel.ts';
import type { CompiledRule } from './cel.ts';

export type PathSegment = string | number;

export interface RuleFinding {
  /** Where the rule is attached (the value `self` was bound to). */
  path: PathSegment[];
  /** Where the rule's `fieldPath` points, when it has one that resolves. */
  fieldPath?: PathSegment[];
  rule: CelRule;
  outcome: 'violated' | 'error';
  message: string;
}

type Schema = JsonSchema;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves a local `$ref` (`#/definitions/x`); an external one (ObjectMeta) has no rules. */
function resolve(schema: Schema, root: Schema): Schema | undefined {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = isRecord(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return isRecord(node) ? (node as Schema) : undefined;
}

const containsRules = new WeakMap<Schema, boolean>();

function hasRules(schema: Schema | undefined, root: Schema): boolean {
  if (!schema) return false;
  const known = containsRules.get(schema);
  if (known !== undefined) return known;
  containsRules.set(schema, false); // cycle guard
  let result = Array.isArray(schema['x-kubernetes-validations']);
  const resolved = resolve(schema, root);
  if (!result && resolved !== schema) result = hasRules(resolved, root);
  if (!result && isRecord(schema.properties)) result = Object.values(schema.properties).some((p) => hasRules(p as Schema, root));
  if (!result && isRecord(schema.items)) result = hasRules(schema.items as Schema, root);
  if (!result && isRecord(schema.additionalProperties)) result = hasRules(schema.additionalProperties as Schema, root);
  containsRules.set(schema, result);
  return result;
}

function types(schema: Schema): string[] {
  const t = schema.type;
  return typeof t === 'string' ? [t] : Array.isArray(t) ? (t as string[]) : [];
}

function matchesType(value: unknown, schema: Schema): boolean {
  const allowed = types(schema);
  if (allowed.length === 0) return true;
  if (value === null) return allowed.includes('null');
  if (Array.isArray(value)) return allowed.includes('array');
  switch (typeof value) {
    case 'string':
      return allowed.includes('string');
    case 'boolean':
      return allowed.includes('boolean');
    case 'number':
      return allowed.includes('number') || (allowed.includes('integer') && Number.isInteger(value));
    case 'object':
      return allowed.includes('object');
    default:
      return false;
  }
}

/** Conversions already made during one document's walk (nested rules share subtrees). */
export type CelMemo = WeakMap<Schema, WeakMap<object, unknown>>;
const NO_SCHEMA: Schema = {};

/**
 * The value a rule sees as `self`, as the API server builds it: schema defaults applied,
 * properties the schema does not know pruned, properties under their escaped CEL names,
 * integers as CEL ints (BigInt) where the schema says integer.
 */
export function toCelValue(value: unknown, schema: Schema | undefined, root: Schema, memo: CelMemo = new WeakMap()): unknown {
  const s = schema ? resolve(schema, root) : undefined;
  if (value === null || value === undefined) return value;
  if (typeof value === 'number') {
    const integral = Number.isInteger(value);
    if (!s) return integral ? BigInt(value) : value;
    const t = types(s);
    if (t.includes('integer') && integral) return BigInt(value);
    if (t.includes('number')) return value;
    return integral ? BigInt(value) : value;
  }
  if (typeof value !== 'object') return value;
  // Keyed by schema too: a YAML alias can put one object at two places with different schemas.
  const key = s ?? NO_SCHEMA;
  let bySchema = memo.get(key);
  if (!bySchema) memo.set(key, (bySchema = new WeakMap()));
  const cached = bySchema.get(value);
  if (cached !== undefined) return cached;
  let out: unknown;
  if (Array.isArray(value)) {
    const items = s && isRecord(s.items) ? (s.items as Schema) : undefined;
    out = value.map((item) => toCelValue(item, items, root, memo));
  } else {
    const record = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    const properties = s && isRecord(s.properties) ? (s.properties as Record<string, Schema>) : undefined;
    const additional = s?.additionalProperties;
    for (const [key, child] of Object.entries(record)) {
      if (properties && properties[key] !== undefined) {
        const name = escapeProperty(key);
        if (name !== undefined) result[name] = toCelValue(child, properties[key], root, memo);
      } else if (isRecord(additional)) {
        result[key] = toCelValue(child, additional as Schema, root, memo);
      } else if (!properties && additional === undefined) {
        // preserve-unknown-fields: everything is kept, untyped
        result[key] = toCelValue(child, undefined, root, memo);
      }
      // else: unknown property, pruned
    }
    if (properties) {
      // The API server applies schema defaults before it runs CEL rules.
      for (const [key, propSchema] of Object.entries(properties)) {
        if (record[key] !== undefined) continue;
        const fallback = resolve(propSchema, root)?.default;
        const name = escapeProperty(key);
        if (fallback !== undefined && name !== undefined) result[name] = toCelValue(structuredClone(fallback), propSchema, root, memo);
      }
    }
    out = result;
  }
  bySchema.set(value, out);
  return out;
}

/** Parses a rule's fieldPath (`.spec.foo`, `.foo['bar.baz']`) relative to the rule's node. */
export function parseFieldPath(fieldPath: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  let rest = fieldPath.trim();
  while (rest !== '') {
    let m = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest);
    if (m) {
      out.push(m[1]!);
      rest = rest.slice(m[0].length);
      continue;
    }
    m = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest);
    if (m) {
      out.push(m[1]!.replace(/\\(.)/g, '$1'));
      rest = rest.slice(m[0].length);
      continue;
    }
    m = /^\[(\d+)\]/.exec(rest);
    if (m) {
      out.push(Number(m[1]));
      rest = rest.slice(m[0].length);
      continue;
    }
    return undefined;
  }
  return out;
}

function exists(value: unknown, path: readonly PathSegment[]): boolean {
  let node = value;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node) && typeof segment === 'string') node = node[segment];
    else return false;
    if (node === undefined) return false;
  }
  return true;
}

export interface RuleWalkOptions {
  /**
   * True when the value at `path` (or something under it) has a type error; rules there
   * are not evaluated (the API server skips CEL when there are type errors).
   */
  blocked?: (path: readonly PathSegment[]) => boolean;
}

/** Evaluates every rule the schema attaches to `data`. */
export function evaluateRules(root: Schema, data: unknown, options: RuleWalkOptions = {}): RuleFinding[] {
  const findings: RuleFinding[] = [];
  if (!hasRules(root, root)) return findings;
  const memo: CelMemo = new WeakMap();
  const path: PathSegment[] = [];

  const visit = (value: unknown, schemaRef: Schema): void => {
    const schema = resolve(schemaRef, root);
    if (!schema || value === undefined || !hasRules(schema, root)) return;
    if (!matchesType(value, schema)) return;
    const rules = schema['x-kubernetes-validations'];
    if (Array.isArray(rules) && value !== null && !options.blocked?.(path)) {
      let self: unknown;
      for (const rule of rules as CelRule[]) {
        const compiled: CompiledRule = compileRule(rule);
        if (compiled.status !== 'ok') continue;
        self ??= toCelValue(value, schema, root, memo);
        const outcome = evaluateRule(compiled, self);
        if ('valid' in outcome && outcome.valid) continue;
        const finding: RuleFinding = {
          path: [...path],
          rule,
          outcome: 'error' in outcome ? 'error' : 'violated',
          message: 'error' in outcome ? outcome.error : outcome.message,
        };
        if (rule.fieldPath) {
          const relative = parseFieldPath(rule.fieldPath);
          if (relative && exists(value, relative)) finding.fieldPath = [...path, ...relative];
        }
        findings.push(finding);
      }
    }
    if (Array.isArray(value)) {
      const items = schema.items;
      if (isRecord(items) && hasRules(items as Schema, root)) {
        value.forEach((item, i) => {
          path.push(i);
          visit(item, items as Schema);
          path.pop();
        });
      }
    } else if (isRecord(value)) {
      const properties = schema.properties;
      if (isRecord(properties)) {
        for (const [key, child] of Object.entries(properties)) {
          if (value[key] === undefined || !hasRules(child as Schema, root)) continue;
          path.push(key);
          visit(value[key], child as Schema);
          path.pop();
        }
      }
      const additional = schema.additionalProperties;
      if (isRecord(additional) && hasRules(additional as Schema, root)) {
        for (const [key, child] of Object.entries(value)) {
          path.push(key);
          visit(child, additional as Schema);
          path.pop();
        }
      }
    }
  };
  visit(data, root);
  return findings;
}

/** Every rule a schema holds, with the schema path it sits at (for tests and tooling). */
export function collectRules(root: Schema): { at: string; rule: CelRule }[] {
  const out: { at: string; rule: CelRule }[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${at}/${i}`));
      return;
    }
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'x-kubernetes-validations' && Array.isArray(value)) {
        for (const rule of value as CelRule[]) out.push({ at, rule });
      } else walk(value, `${at}/${key}`);
    }
  };
  walk(root, '#');
  return out;
}
