/**
 * Walks a document alongside its schema and evaluates every `x-kubernetes-validations`
 * rule on the value it is attached to, as the Kubernetes API server does. Only subtrees
 * whose schema holds rules are visited.
 */
import type { CelRule, JsonSchema } from './convert.ts';
import { compileRule, escapeProperty, evaluateRule } from './cel.ts';
import type { CompiledRule, RuleOutcome } from './cel.ts';

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

const needsConversion = new WeakMap<Schema, boolean>();

/**
 * False when a value of this schema reaches CEL unchanged: no integers to turn into CEL
 * ints, no property names to escape, no defaults to fill in, nothing untyped below.
 */
function conversionNeeded(schemaRef: Schema, root: Schema): boolean {
  const known = needsConversion.get(schemaRef);
  if (known !== undefined) return known;
  needsConversion.set(schemaRef, true); // cycle guard: assume the slow path
  const schema = resolve(schemaRef, root);
  let result: boolean;
  if (!schema) result = true;
  else {
    const t = types(schema);
    const properties = isRecord(schema.properties) ? (schema.properties as Record<string, Schema>) : undefined;
    const additional = schema.additionalProperties;
    const items = schema.items;
    result =
      t.length === 0 ||
      t.includes('integer') ||
      (t.includes('object') && !properties && !isRecord(additional) && additional !== false) ||
      (properties !== undefined &&
        Object.entries(properties).some(([key, child]) => escapeProperty(key) !== key || resolve(child, root)?.default !== undefined || conversionNeeded(child, root))) ||
      (isRecord(additional) && conversionNeeded(additional as Schema, root)) ||
      (isRecord(items) && conversionNeeded(items as Schema, root));
  }
  needsConversion.set(schemaRef, result);
  return result;
}

/** Conversions already made during one document's walk (nested rules share subtrees). */
export type CelMemo = WeakMap<Schema, WeakMap<object, unknown>>;
const NO_SCHEMA: Schema = {};

/**
 * The value a rule sees as `self`, as the API server builds it: schema defaults applied,
 * properties the schema does not know pruned, properties under their escaped CEL names,
 * integers as CEL ints (BigInt) where the schema says integer.
 */
export function toCelValue(value: unknown, schema: Schema | undefined, root: Schema, memo: CelMemo = new WeakMap(), prune = true): unknown {
  if (value === null || value === undefined) return value;
  // The fast path: nothing to convert, and (the document being free of unknown
  // properties) nothing to prune.
  if (!prune && schema && typeof value !== 'number' && !conversionNeeded(schema, root)) return value;
  const s = schema ? resolve(schema, root) : undefined;
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
    out = value.map((item) => toCelValue(item, items, root, memo, prune));
  } else {
    const record = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    const properties = s && isRecord(s.properties) ? (s.properties as Record<string, Schema>) : undefined;
    const additional = s?.additionalProperties;
    for (const [key, child] of Object.entries(record)) {
      if (properties && properties[key] !== undefined) {
        const name = escapeProperty(key);
        if (name !== undefined) result[name] = toCelValue(child, properties[key], root, memo, prune);
      } else if (isRecord(additional)) {
        result[key] = toCelValue(child, additional as Schema, root, memo, prune);
      } else if (!properties && additional === undefined) {
        // preserve-unknown-fields: everything is kept, untyped
        result[key] = toCelValue(child, undefined, root, memo, prune);
      }
      // else: unknown property, pruned
    }
    if (properties) {
      // The API server applies schema defaults before it runs CEL rules.
      for (const [key, propSchema] of Object.entries(properties)) {
        if (record[key] !== undefined) continue;
        const fallback = resolve(propSchema, root)?.default;
        const name = escapeProperty(key);
        if (fallback !== undefined && name !== undefined) result[name] = toCelValue(structuredClone(fallback), propSchema, root, memo, prune);
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
   * False when the document is known to have no properties its schema does not define
   * (ajv reported none): values then skip the pruning copy. Default true.
   */
  prune?: boolean;
  /**
   * True when the value at `path` (or something under it) has a type error; rules there
   * are not evaluated (the API server skips CEL when there are type errors).
   */
  blocked?: (path: readonly PathSegment[]) => boolean;
}

/** What the walker does at one schema node: only nodes with rules at or below them have one. */
interface Plan {
  schema: Schema;
  rules: (CompiledRule & { status: 'ok' })[];
  properties: [string, Plan][];
  items?: Plan;
  additional?: Plan;
}

const plans = new WeakMap<Schema, Map<Schema, Plan | null>>();

function planFor(schemaRef: Schema, root: Schema): Plan | undefined {
  let byRoot = plans.get(root);
  if (!byRoot) plans.set(root, (byRoot = new Map()));
  const known = byRoot.get(schemaRef);
  if (known !== undefined) return known ?? undefined;
  const schema = resolve(schemaRef, root);
  if (!schema || !hasRules(schema, root)) {
    byRoot.set(schemaRef, null);
    return undefined;
  }
  const rules = Array.isArray(schema['x-kubernetes-validations']) ? (schema['x-kubernetes-validations'] as CelRule[]) : [];
  const plan: Plan = {
    schema,
    rules: rules.map((rule) => compileRule(rule)).filter((c): c is CompiledRule & { status: 'ok' } => c.status === 'ok'),
    properties: [],
  };
  byRoot.set(schemaRef, plan);
  if (isRecord(schema.properties)) {
    for (const [key, child] of Object.entries(schema.properties)) {
      const childPlan = planFor(child as Schema, root);
      if (childPlan) plan.properties.push([key, childPlan]);
    }
  }
  if (isRecord(schema.items)) {
    const items = planFor(schema.items as Schema, root);
    if (items) plan.items = items;
  }
  if (isRecord(schema.additionalProperties)) {
    const additional = planFor(schema.additionalProperties as Schema, root);
    if (additional) plan.additional = additional;
  }
  return plan;
}

const OUTCOME_CACHE_LIMIT = 5000;
const outcomes = new WeakMap<CompiledRule, Map<unknown, RuleOutcome>>();

/** Rules are pure: on a scalar `self` (a duration string, a port number) the outcome is remembered. */
function evaluateCached(compiled: CompiledRule & { status: 'ok' }, self: unknown): RuleOutcome {
  if (typeof self === 'object' && self !== null) return evaluateRule(compiled, self);
  let cache = outcomes.get(compiled);
  if (!cache) outcomes.set(compiled, (cache = new Map()));
  let outcome = cache.get(self);
  if (!outcome) {
    outcome = evaluateRule(compiled, self);
    if (cache.size >= OUTCOME_CACHE_LIMIT) cache.clear();
    cache.set(self, outcome);
  }
  return outcome;
}

class Walker {
  readonly findings: RuleFinding[] = [];
  readonly path: PathSegment[] = [];
  readonly memo: CelMemo = new WeakMap();
  constructor(
    readonly root: Schema,
    readonly options: RuleWalkOptions,
  ) {}

  visit(value: unknown, plan: Plan): void {
    if (value === undefined || !matchesType(value, plan.schema)) return;
    if (plan.rules.length > 0 && value !== null && !this.options.blocked?.(this.path)) this.evaluate(value, plan);
    if (Array.isArray(value)) {
      const items = plan.items;
      if (!items) return;
      for (let i = 0; i < value.length; i++) {
        this.path.push(i);
        this.visit(value[i], items);
        this.path.pop();
      }
    } else if (isRecord(value)) {
      for (const [key, child] of plan.properties) {
        const v = value[key];
        if (v === undefined) continue;
        this.path.push(key);
        this.visit(v, child);
        this.path.pop();
      }
      const additional = plan.additional;
      if (additional) {
        for (const key of Object.keys(value)) {
          this.path.push(key);
          this.visit(value[key], additional);
          this.path.pop();
        }
      }
    }
  }

  evaluate(value: unknown, plan: Plan): void {
    const self = toCelValue(value, plan.schema, this.root, this.memo, this.options.prune ?? true);
    for (const compiled of plan.rules) {
      const outcome = evaluateCached(compiled, self);
      if ('valid' in outcome && outcome.valid) continue;
      const rule = compiled.rule;
      const finding: RuleFinding = {
        path: [...this.path],
        rule,
        outcome: 'error' in outcome ? 'error' : 'violated',
        message: 'error' in outcome ? outcome.error : outcome.message,
      };
      if (rule.fieldPath) {
        const relative = parseFieldPath(rule.fieldPath);
        if (relative && exists(value, relative)) finding.fieldPath = [...this.path, ...relative];
      }
      this.findings.push(finding);
    }
  }
}

/** Evaluates every rule the schema attaches to `data`. */
export function evaluateRules(root: Schema, data: unknown, options: RuleWalkOptions = {}): RuleFinding[] {
  const plan = planFor(root, root);
  if (!plan) return [];
  const walker = new Walker(root, options);
  walker.visit(data, plan);
  return walker.findings;
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
