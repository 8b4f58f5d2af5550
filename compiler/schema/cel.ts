/**
 * The CEL rules of CustomResourceDefinitions (`x-kubernetes-validations`), evaluated with
 * @marcbachmann/cel-js plus the parts of the Kubernetes CEL library the rules use.
 *
 * Kubernetes semantics kept here:
 * - `duration(string)` is Go's time.ParseDuration (duration.ts), not cel-js' own parser
 *   (which accepts "ms" without a number and rejects "0").
 * - `string.matches(re)` and `matches(string, re)` use RE2 (re2-wasm), as cel-go does:
 *   upstream rules use RE2-only syntax such as `(?i)`.
 * - `url()`, `isURL()` and the URL accessors of k8s.io/apiserver/pkg/cel/library/urls.go.
 * - `find`, `findAll` of the Kubernetes regex library.
 * - Property names are escaped as Kubernetes does (`namespace` → `__namespace__`,
 *   `-` → `__dash__`, ...); integers are CEL ints (BigInt), numbers CEL doubles.
 * - Rules that read `oldSelf` are transition rules: there is no old object, they are skipped.
 *
 * cel-js does not let an Environment replace a built-in overload, so the two built-ins whose
 * semantics differ (`matches`, `duration`) are renamed in the parsed AST to sluice's own
 * functions, and the rewritten expression is parsed again. Each rule is compiled once.
 *
 * Not provided (no selected CRD uses them; a rule that does is reported unsupported by
 * `compileRule` and listed by the CEL test): quantity(), ip()/cidr(), semver(), format.*,
 * the list library (isSorted, sum, min, max, indexOf on lists), authz, and `optionalOldSelf`.
 */
import { Environment, EvaluationError, serialize } from '@marcbachmann/cel-js';
import type { ASTNode, ParseResult } from '@marcbachmann/cel-js';
import { Duration } from '@marcbachmann/cel-js/evaluator';
import { createRequire } from 'node:module';
import type { RE2 } from 're2-wasm';
import type { CelRule } from './convert.ts';
import { parseGoDuration } from './duration.ts';

const NANOS_PER_SECOND = 1_000_000_000n;

function celError(message: string): Error {
  return new EvaluationError(message);
}

// ---------------------------------------------------------------------------------------
// RE2

type Re2Constructor = new (pattern: string, flags?: string) => RE2;
let re2Class: Re2Constructor | undefined;

/** re2-wasm instantiates a WebAssembly module: loaded on the first regular expression only. */
function RE2Class(): Re2Constructor {
  re2Class ??= (createRequire(import.meta.url)('re2-wasm') as { RE2: Re2Constructor }).RE2;
  return re2Class;
}

const regexCache = new Map<string, RE2>();

function re2(pattern: string): RE2 {
  let compiled = regexCache.get(pattern);
  if (!compiled) {
    try {
      compiled = new (RE2Class())(pattern, 'u');
    } catch (error) {
      throw celError(`invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, compiled);
  }
  compiled.lastIndex = 0;
  return compiled;
}

// ---------------------------------------------------------------------------------------
// URL (Go's url.ParseRequestURI: an absolute URI or an absolute path)

export class CelUrl {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly rawQuery: string,
  ) {}
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s;

export function parseRequestUri(raw: string): CelUrl | undefined {
  // Go rejects ASCII control characters anywhere in a URL.
  if (raw === '' || hasControlCharacter(raw)) return undefined;
  let rest = raw;
  let scheme = '';
  if (rest.startsWith('/')) {
    // an absolute path
  } else {
    const match = SCHEME.exec(rest);
    if (!match) return undefined;
    scheme = (match[1] ?? '').toLowerCase();
    rest = match[2] ?? '';
  }
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q !== -1) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let host = '';
  if (scheme !== '' && rest.startsWith('//')) {
    const authorityEnd = rest.indexOf('/', 2);
    let authority = authorityEnd === -1 ? rest.slice(2) : rest.slice(2, authorityEnd);
    rest = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
    const at = authority.lastIndexOf('@');
    if (at !== -1) authority = authority.slice(at + 1);
    if (/[\s<>"{}|\\^`]/.test(authority)) return undefined;
    host = authority;
  } else if (scheme !== '' && !rest.startsWith('/')) {
    // An opaque URI ("mailto:x"): ParseRequestURI accepts it only with a scheme.
    if (rest === '') return undefined;
  }
  if (/\s/.test(rest)) return undefined;
  return new CelUrl(scheme, host, rest, rawQuery);
}

function hostname(u: CelUrl): string {
  if (u.host.startsWith('[')) {
    const end = u.host.indexOf(']');
    return end === -1 ? u.host : u.host.slice(1, end);
  }
  const colon = u.host.lastIndexOf(':');
  return colon === -1 ? u.host : u.host.slice(0, colon);
}

function port(u: CelUrl): string {
  const bracket = u.host.lastIndexOf(']');
  const colon = u.host.lastIndexOf(':');
  return colon > bracket ? u.host.slice(colon + 1) : '';
}

function queryMap(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    const key = decode(eq === -1 ? part : part.slice(0, eq));
    const value = decode(eq === -1 ? '' : part.slice(eq + 1));
    const list = out.get(key) ?? [];
    list.push(value);
    out.set(key, list);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The environment

/** Built-ins renamed in the AST because their Kubernetes semantics differ from cel-js'. */
const RENAMED_CALLS: Record<string, string> = { duration: 'sluiceDuration', matches: 'sluiceMatches' };
const RENAMED_METHODS: Record<string, string> = { matches: 'sluiceMatches' };

function toDuration(text: string): Duration {
  const parsed = parseGoDuration(text);
  if ('error' in parsed) throw celError(parsed.error);
  return new Duration(parsed.nanos / NANOS_PER_SECOND, Number(parsed.nanos % NANOS_PER_SECOND));
}

function createEnvironment(): Environment {
  const env = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true });
  env.registerVariable('self', 'dyn');
  // Declared so transition rules type-check; they are skipped before evaluation.
  env.registerVariable('oldSelf', 'dyn');

  env.registerFunction('sluiceDuration(string): google.protobuf.Duration', (s: string) => toDuration(s));
  env.registerFunction('string.sluiceMatches(string): bool', (s: string, re: string) => re2(re).test(s));
  env.registerFunction('sluiceMatches(string, string): bool', (s: string, re: string) => re2(re).test(s));
  env.registerFunction('string.find(string): string', (s: string, re: string) => re2(re).exec(s)?.[0] ?? '');
  env.registerFunction('string.findAll(string): list<string>', (s: string, re: string) => findAll(s, re, -1));
  env.registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => findAll(s, re, Number(n)));

  env.registerType('URL', CelUrl);
  env.registerFunction('url(string): URL', (s: string) => {
    const parsed = parseRequestUri(s);
    if (!parsed) throw celError(`URL parse error during conversion from string: ${JSON.stringify(s)} is not an absolute URI or an absolute path`);
    return parsed;
  });
  env.registerFunction('isURL(string): bool', (s: string) => parseRequestUri(s) !== undefined);
  env.registerFunction('URL.getScheme(): string', (u: CelUrl) => u.scheme);
  env.registerFunction('URL.getHost(): string', (u: CelUrl) => u.host);
  env.registerFunction('URL.getHostname(): string', (u: CelUrl) => hostname(u));
  env.registerFunction('URL.getPort(): string', (u: CelUrl) => port(u));
  env.registerFunction('URL.getEscapedPath(): string', (u: CelUrl) => u.path);
  env.registerFunction('URL.getQuery(): map<string, list<string>>', (u: CelUrl) => queryMap(u.rawQuery));
  return env;
}

function findAll(s: string, pattern: string, limit: number): string[] {
  if (limit === 0) return [];
  const compiled = new (RE2Class())(re2(pattern).source, 'gu');
  const out: string[] = [];
  for (let m = compiled.exec(s); m !== null; m = compiled.exec(s)) {
    out.push(m[0] ?? '');
    if (limit > 0 && out.length >= limit) break;
    if ((m[0] ?? '') === '') compiled.lastIndex++;
  }
  return out;
}

let environment: Environment | undefined;
function env(): Environment {
  environment ??= createEnvironment();
  return environment;
}

// ---------------------------------------------------------------------------------------
// Rules

export type CompiledRule =
  | {
      status: 'ok';
      rule: CelRule;
      evaluate: ParseResult;
      message?: ParseResult;
    }
  | { status: 'skipped' | 'unsupported'; rule: CelRule; reason: string };

type MutableNode = { op: string; args: unknown };

interface RewriteState {
  oldSelf: boolean;
  changed: boolean;
}

/** True for the operand chains cel-js' has() accepts: identifiers and field selections only. */
function isSelectChain(node: MutableNode): boolean {
  let current: MutableNode = node;
  while (current.op === '.' || current.op === '.?') current = (current.args as [MutableNode, string])[0];
  return current.op === 'id';
}

/**
 * Rewrites the parsed AST in place:
 * - `matches`/`duration` → sluice's functions with Kubernetes semantics;
 * - `has(e.f)` where `e` is not a plain selection chain (`has(self[0].matches)`, valid CEL
 *   that cel-js rejects) → `"f" in e`. Every value a rule sees is a JSON object, a CEL map,
 *   for which field presence and key presence are the same test.
 */
function rewrite(node: unknown, state: RewriteState): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const item of node) rewrite(item, state);
    return;
  }
  const n = node as MutableNode;
  if (typeof n.op !== 'string') return;
  if (n.op === 'id' && n.args === 'oldSelf') state.oldSelf = true;
  if (n.op === 'call' && Array.isArray(n.args) && typeof n.args[0] === 'string') {
    const [name, callArgs] = n.args as [string, MutableNode[]];
    const renamed = RENAMED_CALLS[name];
    if (renamed) {
      n.args[0] = renamed;
      state.changed = true;
    }
    const operand = callArgs[0];
    if (name === 'has' && callArgs.length === 1 && operand && operand.op === '.' && !isSelectChain(operand)) {
      const [target, field] = operand.args as [MutableNode, string];
      n.op = 'in';
      n.args = [{ op: 'value', args: field }, target];
      state.changed = true;
    }
  }
  if (n.op === 'rcall' && Array.isArray(n.args) && typeof n.args[0] === 'string') {
    const renamed = RENAMED_METHODS[n.args[0]];
    if (renamed) {
      n.args[0] = renamed;
      state.changed = true;
    }
  }
  if (Array.isArray(n.args)) for (const arg of n.args) rewrite(arg, state);
  else if (typeof n.args === 'object' && n.args !== null) {
    // A unary operator's operand is a node; a comprehension's args are a record of nodes.
    if (typeof (n.args as MutableNode).op === 'string') rewrite(n.args, state);
    else for (const value of Object.values(n.args)) rewrite(value, state);
  }
}

function compileExpression(text: string): { ok: ParseResult; oldSelf: boolean } | { error: string } {
  const e = env();
  let compiled: ParseResult;
  try {
    compiled = e.parse(text);
  } catch (error) {
    return { error: firstLine(error) };
  }
  const state: RewriteState = { oldSelf: false, changed: false };
  rewrite(compiled.ast as ASTNode, state);
  if (state.changed) {
    // Only rewritten rules go through serialize and a second parse; the rest run as written.
    try {
      compiled = e.parse(serialize(compiled.ast));
    } catch (error) {
      return { error: firstLine(error) };
    }
  }
  const checked = compiled.check();
  if (!checked.valid) return { error: firstLine(checked.error) };
  return { ok: compiled, oldSelf: state.oldSelf };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).replace(/sluiceDuration/g, 'duration').replace(/sluiceMatches/g, 'matches');
}

const ruleCache = new Map<string, CompiledRule>();

function ruleKey(rule: CelRule): string {
  return `${rule.rule}\u0000${rule.messageExpression ?? ''}\u0000${rule.message ?? ''}`;
}

const byRuleObject = new WeakMap<CelRule, CompiledRule>();

/** Compiles a rule (once; later calls return the cached result). */
export function compileRule(rule: CelRule): CompiledRule {
  const known = byRuleObject.get(rule);
  if (known) return known;
  const compiled = compileRuleText(rule);
  byRuleObject.set(rule, compiled);
  return compiled;
}

function compileRuleText(rule: CelRule): CompiledRule {
  const key = ruleKey(rule);
  const cached = ruleCache.get(key);
  if (cached) return cached;
  let result: CompiledRule;
  const compiled = compileExpression(rule.rule);
  if ('error' in compiled) result = { status: 'unsupported', rule, reason: compiled.error };
  else if (compiled.oldSelf) result = { status: 'skipped', rule, reason: 'transition rule (reads oldSelf): there is no old object to compare with' };
  else if (rule.optionalOldSelf) result = { status: 'skipped', rule, reason: 'optionalOldSelf rule' };
  else {
    result = { status: 'ok', rule, evaluate: compiled.ok };
    if (rule.messageExpression) {
      const message = compileExpression(rule.messageExpression);
      // A messageExpression that does not compile falls back to `message`, as the API server does.
      if ('ok' in message && !message.oldSelf) result.message = message.ok;
    }
  }
  ruleCache.set(key, result);
  return result;
}

export type RuleOutcome = { valid: true } | { valid: false; message: string } | { error: string };

/** Evaluates a compiled rule with `self` bound to a CEL value (see `toCelValue`). */
export function evaluateRule(compiled: CompiledRule & { status: 'ok' }, self: unknown): RuleOutcome {
  let result: unknown;
  try {
    result = compiled.evaluate({ self });
  } catch (error) {
    return { error: firstLine(error) };
  }
  if (result === true) return { valid: true };
  if (result !== false) return { error: `rule returned ${typeof result}, not bool` };
  return { valid: false, message: ruleMessage(compiled, self) };
}

function ruleMessage(compiled: CompiledRule & { status: 'ok' }, self: unknown): string {
  if (compiled.message) {
    try {
      const text: unknown = compiled.message({ self });
      if (typeof text === 'string' && text.trim() !== '' && !text.includes('\n')) return text;
    } catch {
      // fall through to the static message
    }
  }
  return compiled.rule.message ?? `failed rule: ${compiled.rule.rule}`;
}

// ---------------------------------------------------------------------------------------
// Property-name escaping (k8s.io/apiserver/pkg/cel/escaping.go)

const CEL_RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);
const VALID_IDENT = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const ESCAPES: Record<string, string> = { __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' };

const escapeCache = new Map<string, string | undefined>();

/** The name a property has in CEL, or undefined when CEL cannot address it. */
export function escapeProperty(name: string): string | undefined {
  if (escapeCache.has(name)) return escapeCache.get(name);
  let escaped: string | undefined;
  if (name === '' || (name[0]! >= '0' && name[0]! <= '9')) escaped = undefined;
  else if (CEL_RESERVED.has(name)) escaped = `__${name}__`;
  else {
    const candidate = name.replace(/__|[-./]/g, (s) => ESCAPES[s] ?? s);
    escaped = VALID_IDENT.test(candidate) ? candidate : undefined;
  }
  if (escapeCache.size < 10_000) escapeCache.set(name, escaped);
  return escaped;
}
