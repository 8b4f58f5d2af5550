/**
 * ajv errors → sluice diagnostics: one clear message per problem, at the YAML node that
 * caused it, with a hint. Cascades from anyOf/oneOf are collapsed into one finding.
 */
import type { ErrorObject } from 'ajv';
import { diagnostic } from '../diagnostics/index.ts';
import type { CodeDefinition, Diagnostic } from '../diagnostics/index.ts';
import type { PolicyDocument } from '../load/types.ts';
import type { DuplicateKeyParams } from './ajv.ts';
import {
  BAD_FORMAT,
  DUPLICATE_ENTRY,
  MISSING_REQUIRED,
  MUTUALLY_EXCLUSIVE,
  NO_MATCHING_SHAPE,
  NOT_ALLOWED,
  OUT_OF_RANGE,
  UNKNOWN_PROPERTY,
  WRONG_TYPE,
} from './codes.ts';
import { DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_VALUE, QUALIFIED_NAME } from './envelope.ts';

export type PathSegment = string | number;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------
// Paths and values

/** Splits an ajv instancePath (JSON pointer) into segments; list indexes become numbers. */
export function pointerSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      out.push(Number(key));
      node = node[Number(key)];
    } else {
      out.push(key);
      node = isRecord(node) ? node[key] : undefined;
    }
  }
  return out;
}

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `spec.http[0].route[0].weight`; keys that are not plain words are quoted: `labels["app.kubernetes.io/name"]`. */
export function displayPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (SIMPLE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node) && typeof segment === 'string') node = node[segment];
    else return undefined;
  }
  return node;
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function shorten(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** "string "80"", "integer 80", "object", "array". */
function describeValue(value: unknown): string {
  const type = jsonType(value);
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  if (type === 'null') return 'null';
  return `${type} ${shorten(JSON.stringify(value))}`;
}

function quoteList(values: readonly unknown[], max = 12): string {
  const shown = values.slice(0, max).map((v) => (typeof v === 'string' ? `\`${v}\`` : JSON.stringify(v)));
  return values.length > max ? `${shown.join(', ')}, … (${values.length} in all)` : shown.join(', ');
}

// ---------------------------------------------------------------------------------------
// Suggestions

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diagonal + cost);
      // transposition (Damerau): "weigth" → "weight" is one edit
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) prev[j] = Math.min(prev[j]!, diagonal);
      diagonal = above;
    }
  }
  return prev[b.length]!;
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const score = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase()) + 0.1;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  return bestScore <= limit + 0.1 ? best : undefined;
}

// ---------------------------------------------------------------------------------------
// Patterns and formats, in words

const PATTERN_NAMES: Record<string, string> = {
  [DNS1123_SUBDOMAIN]: "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
  [DNS1123_LABEL]: "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
  [DNS1035_LABEL]: "a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
  [QUALIFIED_NAME]: "a qualified name: an optional DNS subdomain and '/', then letters, digits, '-', '_' and '.'",
  [LABEL_VALUE]: "a label value: empty, or letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
  '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$': "empty or a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'",
  '^([0-9]{1,5}(h|m|s|ms)){1,4}$': 'a Gateway API duration: 1 to 4 parts of up to 5 digits, each with unit h, m, s or ms (for example 10s, 1h30m, 500ms)',
  '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$': "a hostname, optionally starting with '*.' (lowercase letters, digits, '-' and '.')",
};

export function describePattern(pattern: string): string {
  return PATTERN_NAMES[pattern] ?? `text matching the pattern ${pattern}`;
}

const FORMAT_RANGES: Record<string, string> = {
  int32: 'a 32-bit integer (-2147483648 to 2147483647)',
  int64: 'a 64-bit integer',
  uint32: 'an unsigned 32-bit integer (0 to 4294967295)',
  uint64: 'an unsigned 64-bit integer',
  float: 'a number',
  double: 'a number',
};
const FORMAT_NAMES: Record<string, string> = {
  'date-time': 'an RFC 3339 date-time such as 2024-05-01T12:00:00Z',
  date: 'a date such as 2024-05-01',
  time: 'a time such as 12:00:00Z',
  byte: 'base64-encoded data',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  uri: 'an absolute URI',
  hostname: 'a hostname',
  uuid: 'a UUID',
  email: 'an email address',
};

// ---------------------------------------------------------------------------------------
// The mapping

interface Finding {
  def: CodeDefinition;
  path: PathSegment[];
  target: 'key' | 'value';
  message: string;
  hint?: string;
}

function typesOf(param: unknown): string[] {
  if (Array.isArray(param)) return param.map(String);
  return String(param).split(',');
}

function typeHint(expected: string[], value: unknown): string | undefined {
  const wantsNumber = expected.includes('integer') || expected.includes('number');
  if (value === null) return 'Nothing follows the key, so YAML reads it as null: give it a value, or remove the key.';
  if (wantsNumber && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
    return `Write the number without quotes: ${value.trim()}`;
  }
  if (expected.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return `Quote the value so YAML reads it as a string: "${String(value)}"`;
  }
  if (expected.includes('array') && isRecord(value)) return 'A list needs `- ` in front of each entry.';
  if (expected.includes('object') && (typeof value === 'string' || Array.isArray(value))) return 'Check the indentation: the entries of a mapping go on the lines below, indented.';
  return undefined;
}

function typeWord(types: string[]): string {
  const named = types.filter((t) => t !== 'null');
  const list = named.length > 0 ? named : types;
  return list.join(' or ');
}

function parentProperties(error: ErrorObject): string[] {
  const props = error.parentSchema?.properties;
  return isRecord(props) ? Object.keys(props) : [];
}

/** The first error of a branch tells what the branch wants, in a few words. */
function branchSummary(errors: ErrorObject[]): string {
  const required = errors.filter((e) => e.keyword === 'required').map((e) => `\`${String(e.params.missingProperty)}\``);
  if (required.length > 0) return `needs ${required.join(' and ')}`;
  const type = errors.find((e) => e.keyword === 'type');
  if (type) return `is ${typeWord(typesOf(type.params.type))}`;
  return 'has a different form';
}

interface Context {
  doc: PolicyDocument;
  data: unknown;
  kindLabel: string;
  /** The document's root schema, to look around an unknown property. */
  root?: Json;
}

function resolveRef(schema: unknown, root: Json | undefined): Json | undefined {
  if (!isRecord(schema)) return undefined;
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  if (!root || !ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = isRecord(node) ? node[part] : undefined;
  return isRecord(node) ? node : undefined;
}

/** The schema of the value at `path`, following properties, items and map values. */
function schemaAt(root: Json | undefined, path: readonly PathSegment[]): Json | undefined {
  let schema = resolveRef(root, root);
  for (const segment of path) {
    if (!schema) return undefined;
    if (typeof segment === 'number') schema = resolveRef(schema.items, root);
    else if (isRecord(schema.properties) && schema.properties[segment] !== undefined) schema = resolveRef(schema.properties[segment], root);
    else schema = resolveRef(schema.additionalProperties, root);
  }
  return schema;
}

function propertyNames(schema: Json | undefined): string[] {
  return schema && isRecord(schema.properties) ? Object.keys(schema.properties) : [];
}

/**
 * Where a misplaced property does belong, when it is one level up or down from where it
 * was written: the usual result of a wrong indentation.
 */
function misplacedHint(ctx: Context, objectPath: readonly PathSegment[], name: string): string | undefined {
  if (!ctx.root) return undefined;
  // One level up: the enclosing object (skipping the list the object sits in).
  const up = typeof objectPath[objectPath.length - 1] === 'number' ? objectPath.slice(0, -2) : objectPath.slice(0, -1);
  if (objectPath.length > 0 && propertyNames(schemaAt(ctx.root, up)).includes(name)) {
    return `\`${name}\` belongs to ${where(ctx, up)}: check the indentation.`;
  }
  // One level down: a property of exactly one of this object's children.
  const here = schemaAt(ctx.root, objectPath);
  const owners: string[] = [];
  for (const child of propertyNames(here)) {
    const childSchema = resolveRef((here!.properties as Json)[child], ctx.root);
    const isList = childSchema?.items !== undefined;
    const target = isList ? resolveRef(childSchema!.items, ctx.root) : childSchema;
    if (propertyNames(target).includes(name)) owners.push(`${where(ctx, [...objectPath, child])}${isList ? '[]' : ''}`);
  }
  return owners.length === 1 ? `\`${name}\` belongs under ${owners[0]}: check the indentation.` : undefined;
}

function where(ctx: Context, path: readonly PathSegment[]): string {
  return path.length === 0 ? ctx.kindLabel : displayPath(path);
}

function mapOne(error: ErrorObject, ctx: Context): Finding | undefined {
  const path = pointerSegments(error.instancePath, ctx.data);
  const at = where(ctx, path);
  const value = valueAt(ctx.data, path);
  const params = error.params as Json;

  // A map key that breaks propertyNames: point at the key itself.
  if (error.propertyName !== undefined) {
    const keyPath = [...path, error.propertyName];
    const rule = error.keyword === 'pattern' ? describePattern(String(params.pattern)) : error.keyword === 'maxLength' ? `at most ${String(params.limit)} characters` : 'a valid key';
    return { def: BAD_FORMAT, path: keyPath, target: 'key', message: `${at} key \`${error.propertyName}\` is not valid: a key here must be ${rule}` };
  }

  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = parentProperties(error);
      const present = isRecord(value) ? new Set(Object.keys(value)) : new Set<string>();
      const suggestion = closest(
        name,
        known.filter((k) => !present.has(k)),
      );
      const keyPath = [...path, name];
      if (known.length === 0) {
        return { def: UNKNOWN_PROPERTY, path: keyPath, target: 'key', message: `${where(ctx, keyPath)} is not allowed: ${at} takes no properties` };
      }
      const message = suggestion
        ? `${where(ctx, keyPath)} is not a known property; did you mean \`${suggestion}\`?`
        : `${where(ctx, keyPath)} is not a known property of ${at}`;
      const hint = suggestion
        ? `Rename \`${name}\` to \`${suggestion}\`.`
        : (misplacedHint(ctx, path, name) ?? `Known properties here: ${quoteList([...known].sort(), 20)}.`);
      return { def: UNKNOWN_PROPERTY, path: keyPath, target: 'key', message, hint };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      return { def: MISSING_REQUIRED, path, target: 'key', message: `${at} is missing required property \`${missing}\`` };
    }
    case 'type': {
      const expected = typesOf(params.type);
      const hint = typeHint(expected, value);
      const finding: Finding = { def: WRONG_TYPE, path, target: 'value', message: `${at} must be ${typeWord(expected)}, got ${describeValue(value)}` };
      if (hint) finding.hint = hint;
      return finding;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const suggestion = typeof value === 'string' ? closest(value, allowed.filter((a): a is string => typeof a === 'string')) : undefined;
      const finding: Finding = { def: NOT_ALLOWED, path, target: 'value', message: `${at} must be one of ${quoteList(allowed)}; got ${describeValue(value)}` };
      if (suggestion) {
        finding.message += ` (did you mean \`${suggestion}\`?)`;
        finding.hint = `Use \`${suggestion}\`: the values are case-sensitive.`;
      }
      return finding;
    }
    case 'const':
      return { def: NOT_ALLOWED, path, target: 'value', message: `${at} must be ${JSON.stringify(params.allowedValue)}; got ${describeValue(value)}` };
    case 'pattern':
      return { def: BAD_FORMAT, path, target: 'value', message: `${at} must be ${describePattern(String(params.pattern))}; got ${describeValue(value)}` };
    case 'format': {
      const format = String(params.format);
      const range = FORMAT_RANGES[format];
      if (range) return { def: OUT_OF_RANGE, path, target: 'value', message: `${at} must be ${range}; got ${describeValue(value)}` };
      return { def: BAD_FORMAT, path, target: 'value', message: `${at} must be ${FORMAT_NAMES[format] ?? `in format ${format}`}; got ${describeValue(value)}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const comparison = String(params.comparison).replace('>=', '≥').replace('<=', '≤');
      return { def: OUT_OF_RANGE, path, target: 'value', message: `${at} must be ${comparison} ${String(params.limit)}; got ${describeValue(value)}` };
    }
    case 'multipleOf':
      return { def: OUT_OF_RANGE, path, target: 'value', message: `${at} must be a multiple of ${String(params.multipleOf)}; got ${describeValue(value)}` };
    case 'minLength':
    case 'maxLength': {
      const length = typeof value === 'string' ? [...value].length : 0;
      if (error.keyword === 'minLength' && Number(params.limit) === 1) return { def: OUT_OF_RANGE, path, target: 'value', message: `${at} must not be empty` };
      const bound = error.keyword === 'minLength' ? 'at least' : 'at most';
      return { def: OUT_OF_RANGE, path, target: 'value', message: `${at} must be ${bound} ${String(params.limit)} characters long; it has ${length}` };
    }
    case 'minItems':
    case 'maxItems': {
      const count = Array.isArray(value) ? value.length : 0;
      if (error.keyword === 'minItems' && Number(params.limit) === 1) return { def: OUT_OF_RANGE, path, target: 'key', message: `${at} must have at least one entry` };
      const bound = error.keyword === 'minItems' ? 'at least' : 'at most';
      return { def: OUT_OF_RANGE, path, target: 'key', message: `${at} must have ${bound} ${String(params.limit)} entries; it has ${count}` };
    }
    case 'minProperties':
    case 'maxProperties': {
      const known = parentProperties(error);
      const present = isRecord(value) ? Object.keys(value) : [];
      const limit = Number(params.limit);
      const exactlyOne = error.parentSchema?.minProperties === 1 && error.parentSchema?.maxProperties === 1 && known.length > 0;
      if (exactlyOne && error.keyword === 'maxProperties') {
        return {
          def: MUTUALLY_EXCLUSIVE,
          path: [...path, present[1] ?? ''],
          target: 'key',
          message: `${at} must set exactly one of ${quoteList(known)}; it sets ${quoteList(present)}`,
        };
      }
      if (exactlyOne) return { def: MISSING_REQUIRED, path, target: 'key', message: `${at} must set exactly one of ${quoteList(known)}` };
      const bound = error.keyword === 'minProperties' ? 'at least' : 'at most';
      return { def: OUT_OF_RANGE, path, target: 'key', message: `${at} must have ${bound} ${limit} entries; it has ${present.length}` };
    }
    case 'uniqueItems': {
      const i = Number(params.i);
      const j = Number(params.j);
      const [first, later] = i < j ? [i, j] : [j, i];
      return { def: DUPLICATE_ENTRY, path: [...path, later], target: 'value', message: `${where(ctx, [...path, later])} repeats ${where(ctx, [...path, first])}: entries of ${at} must be unique` };
    }
    case 'x-kubernetes-list-map-keys': {
      const p = params as unknown as DuplicateKeyParams;
      const keys = p.keys.map((k, n) => `${k} ${JSON.stringify(p.values[n])}`).join(', ');
      return {
        def: DUPLICATE_ENTRY,
        path: [...path, p.index],
        target: 'value',
        message: `${where(ctx, [...path, p.index])} has the same ${keys} as ${where(ctx, [...path, p.firstIndex])}: the entries of ${at} must have unique ${p.keys.map((k) => `\`${k}\``).join(' and ')}`,
      };
    }
    case 'propertyNames':
      return undefined; // reported through the nested error, which names the key
    case 'not':
    case 'false schema':
    case 'if':
    case 'contains':
    case 'dependencies':
    case 'dependentRequired':
    default:
      return { def: NO_MATCHING_SHAPE, path, target: 'value', message: `${at} is not valid here (${error.keyword})` };
  }
}

/** One anyOf/oneOf failure and the errors of its branches. */
function mapCombinator(error: ErrorObject, members: ErrorObject[], ctx: Context): Finding[] {
  const path = pointerSegments(error.instancePath, ctx.data);
  const at = where(ctx, path);
  const value = valueAt(ctx.data, path);
  const branches = Array.isArray(error.schema) ? (error.schema as Json[]) : [];
  const passing = (error.params as { passingSchemas?: number[] | null }).passingSchemas;

  if (error.keyword === 'oneOf' && Array.isArray(passing) && passing.length > 1) {
    // Upstream's "at most one of": every branch but the `not` one requires one property.
    const names = branches.flatMap((b) => (Array.isArray(b.required) ? (b.required as string[]) : []));
    const set = isRecord(value) ? names.filter((n) => value[n] !== undefined) : [];
    if (set.length > 1) {
      return [
        {
          def: MUTUALLY_EXCLUSIVE,
          path: [...path, set[1]!],
          target: 'key',
          message: `${at} may set only one of ${quoteList(names)}; it sets ${quoteList(set)}`,
        },
      ];
    }
    return [{ def: NO_MATCHING_SHAPE, path, target: 'value', message: `${at} matches more than one of the allowed forms` }];
  }

  // Nothing matched: group the branch errors by branch.
  const prefix = `${error.schemaPath}/`;
  const byBranch = new Map<number, ErrorObject[]>();
  for (const member of members) {
    const index = Number(member.schemaPath.slice(prefix.length).split('/')[0]);
    if (!Number.isInteger(index)) continue;
    const list = byBranch.get(index) ?? [];
    list.push(member);
    byBranch.set(index, list);
  }
  // A branch whose type fits the value explains the problem best: report its errors.
  const fitting = [...byBranch.values()].filter((errs) => !errs.some((e) => e.keyword === 'type' && e.instancePath === error.instancePath));
  if (fitting.length > 0) {
    const best = fitting.sort((a, b) => a.length - b.length)[0]!;
    if (fitting.length === 1 || best.length < (fitting[1]?.length ?? Infinity)) {
      const mapped = best.map((e) => mapOne(e, ctx)).filter((f): f is Finding => f !== undefined);
      if (mapped.length > 0) return mapped;
    }
  }
  if (fitting.length === 0 && byBranch.size > 0) {
    const types = [...byBranch.values()].flatMap((errs) => errs.filter((e) => e.keyword === 'type').flatMap((e) => typesOf(e.params.type)));
    const unique = [...new Set(types)];
    const hint = typeHint(unique, value);
    const finding: Finding = { def: WRONG_TYPE, path, target: 'value', message: `${at} must be ${typeWord(unique)}, got ${describeValue(value)}` };
    if (hint) finding.hint = hint;
    return [finding];
  }
  const summaries = [...byBranch.entries()].sort((a, b) => a[0] - b[0]).map(([, errs]) => branchSummary(errs));
  const shown = [...new Set(summaries)];
  return [
    {
      def: NO_MATCHING_SHAPE,
      path,
      target: 'value',
      message: shown.length > 0 ? `${at} matches none of its allowed forms: one ${shown.join('; another ')}` : `${at} matches none of its allowed forms`,
    },
  ];
}

function locateFinding(doc: PolicyDocument, finding: Finding) {
  // Only a mapping entry has a key; for a list item or the root, point at the value.
  const last = finding.path[finding.path.length - 1];
  const target = finding.target === 'key' && typeof last === 'string' ? 'key' : 'value';
  return doc.locate(finding.path, target);
}

/** Maps the errors of one validation of `doc` to diagnostics. */
export function mapErrors(errors: readonly ErrorObject[], doc: PolicyDocument, rootSchema?: Record<string, unknown>): Diagnostic[] {
  const ctx: Context = { doc, data: doc.data, kindLabel: doc.kind || 'document' };
  if (rootSchema) ctx.root = rootSchema;
  const combinators = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  const swallowed = new Set<ErrorObject>();
  const findings: Finding[] = [];
  for (const combinator of combinators) {
    if (swallowed.has(combinator)) continue;
    const prefix = `${combinator.schemaPath}/`;
    const members = errors.filter((e) => e !== combinator && e.schemaPath.startsWith(prefix) && e.instancePath.startsWith(combinator.instancePath));
    for (const m of members) swallowed.add(m);
    findings.push(...mapCombinator(combinator, members, ctx));
  }
  for (const error of errors) {
    if (swallowed.has(error) || error.keyword === 'oneOf' || error.keyword === 'anyOf') continue;
    const finding = mapOne(error, ctx);
    if (finding) findings.push(finding);
  }
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const finding of findings) {
    const key = `${finding.def.code}\u0000${finding.path.join('\u0000')}\u0000${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const options = finding.hint ? { hint: finding.hint } : {};
    out.push(diagnostic(finding.def, locateFinding(doc, finding), finding.message, options));
  }
  return out;
}

/** Instance paths (JSON pointers) of type errors: CEL rules at or above them do not run. */
export function typeErrorPointers(errors: readonly ErrorObject[]): string[] {
  return errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath);
}
