/**
 * Route match conditions (Istio HTTPMatchRequest / L4MatchAttributes) as a flat list of
 * single conditions, rendered for people (`headers end-user exact "jason"`, `uri prefix /api`)
 * and compared for meaning: does every request one match admits also satisfy another
 * (`implies`), and can any request satisfy both (`mayOverlap`)?
 */
import { isRecord } from '../model/json.ts';
import { compareText } from './canonical.ts';

export type Op = 'exact' | 'prefix' | 'regex' | 'present' | 'is';

/** One condition: `field op value`. Fields: `uri`, `method`, `headers end-user`, `without headers x`, `query q`, `port`, ... */
export interface Condition {
  field: string;
  op: Op;
  value: string;
  /** Case-insensitive comparison (`ignoreUriCase`). */
  ci: boolean;
  text: string;
}

/** The conditions of one match alternative (AND), sorted by text; empty = every request. */
export type Conditions = readonly Condition[];

const STRING_FIELDS = ['uri', 'scheme', 'method', 'authority'] as const;
const MAP_FIELDS: readonly [key: string, field: string][] = [
  ['headers', 'headers'],
  ['withoutHeaders', 'without headers'],
  ['queryParams', 'query'],
];
/** Settings of a match that are not conditions on the request. */
const NOT_CONDITIONS = new Set(['name', 'ignoreUriCase', 'statPrefix']);

function plain(value: string): string {
  return /^[\w./*:@%+~-]+$/.test(value) ? value : JSON.stringify(value);
}

function stringMatch(field: string, m: unknown, ci: boolean, quote: boolean): Condition | undefined {
  if (!isRecord(m)) return undefined;
  for (const op of ['exact', 'prefix', 'regex'] as const) {
    const v = m[op];
    if (typeof v === 'string') {
      const shown = quote ? JSON.stringify(v) : plain(v);
      return { field, op, value: v, ci, text: `${field} ${op} ${shown}${ci ? ' (any case)' : ''}` };
    }
  }
  // Istio: a header/query match with no value checks presence
  if (Object.keys(m).length === 0 || m.present === true) return { field, op: 'present', value: '', ci: false, text: `${field} present` };
  return { field, op: 'is', value: JSON.stringify(m), ci, text: `${field} ${JSON.stringify(m)}` };
}

function labelsText(value: Record<string, unknown>): string {
  return Object.keys(value)
    .sort()
    .map((k) => `${k}=${String(value[k])}`)
    .join(',');
}

/** A match alternative → its conditions. `port` is kept; callers drop it once the port is known. */
export function conditionsOf(match: Readonly<Record<string, unknown>>): Condition[] {
  const out: Condition[] = [];
  const ci = match.ignoreUriCase === true;
  for (const field of STRING_FIELDS) {
    const c = stringMatch(field, match[field], field === 'uri' && ci, false);
    // `uri prefix /` admits every request (the Gateway API default match)
    if (c && !(field === 'uri' && c.op === 'prefix' && c.value === '/')) out.push(c);
  }
  for (const [key, field] of MAP_FIELDS) {
    const map = match[key];
    if (!isRecord(map)) continue;
    for (const name of Object.keys(map)) {
      const c = stringMatch(`${field} ${name}`, map[name], false, true);
      if (c) out.push(c);
    }
  }
  for (const [key, value] of Object.entries(match)) {
    if (NOT_CONDITIONS.has(key) || (STRING_FIELDS as readonly string[]).includes(key) || MAP_FIELDS.some(([k]) => k === key)) continue;
    if (value === undefined) continue;
    let shown: string;
    if (key === 'sourceLabels' && isRecord(value)) shown = labelsText(value);
    else if (Array.isArray(value)) shown = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
    else if (typeof value === 'string' || typeof value === 'number') shown = String(value);
    else shown = JSON.stringify(value);
    const field = key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
    out.push({ field, op: 'is', value: shown, ci: false, text: `${field} ${shown}` });
  }
  return out.sort((a, b) => compareText(a.text, b.text));
}

/** `headers end-user exact "jason" and uri prefix /api`; `all requests` when empty. */
export function conditionsText(conditions: Conditions): string {
  return conditions.length === 0 ? 'all requests' : conditions.map((c) => c.text).join(' and ');
}

export function conditionsKey(conditions: Conditions): string {
  return conditions.map((c) => c.text).join('\u0000');
}

/** Full-string regex match, as Envoy's RE2 `safe_regex` does; undefined when JavaScript cannot judge the pattern. */
function fullMatch(pattern: string, value: string, ci: boolean): boolean | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`, ci ? 'iu' : 'u').test(value);
  } catch {
    return undefined;
  }
}

function fold(value: string, ci: boolean): string {
  return ci ? value.toLowerCase() : value;
}

/** Does every request satisfying `a` satisfy `b` (same field)? */
function conditionImplies(a: Condition, b: Condition): boolean {
  // a negated condition is implied by the same negation, or by the header being absent altogether
  if (b.field.startsWith('without ')) return (a.op === b.op && a.value === b.value && a.ci === b.ci) || a.op === 'present';
  const ci = b.ci;
  if (a.ci && !b.ci && b.op !== 'present') return false;
  const av = fold(a.value, ci);
  const bv = fold(b.value, ci);
  switch (b.op) {
    case 'present':
      return true;
    case 'exact':
      return a.op === 'exact' && av === bv;
    case 'prefix':
      return (a.op === 'exact' || a.op === 'prefix') && av.startsWith(bv);
    case 'regex':
      if (a.op === 'regex') return a.value === b.value && a.ci === b.ci;
      if (a.op === 'exact') return fullMatch(b.value, a.value, ci) === true;
      return false;
    case 'is':
      if (a.op !== 'is') return false;
      if (a.field === 'source labels') {
        // more labels required by `a` still satisfy fewer required by `b`
        const have = new Set(a.value.split(','));
        return b.value.split(',').every((pair) => have.has(pair));
      }
      return a.value === b.value;
  }
}

/** Can no request satisfy both (same field)? Only judged where it is certain. */
function conditionsConflict(a: Condition, b: Condition): boolean {
  if (a.field.startsWith('without ')) return false;
  if (a.op === 'present' || b.op === 'present' || a.op === 'is' || b.op === 'is') {
    return a.op === 'is' && b.op === 'is' && a.field !== 'source labels' && a.value !== b.value;
  }
  const ci = a.ci || b.ci;
  const av = fold(a.value, ci);
  const bv = fold(b.value, ci);
  if (a.op === 'exact' && b.op === 'exact') return av !== bv;
  if (a.op === 'exact' && b.op === 'prefix') return !av.startsWith(bv);
  if (a.op === 'prefix' && b.op === 'exact') return !bv.startsWith(av);
  if (a.op === 'prefix' && b.op === 'prefix') return !av.startsWith(bv) && !bv.startsWith(av);
  if (a.op === 'exact' && b.op === 'regex') return fullMatch(b.value, a.value, ci) === false;
  if (a.op === 'regex' && b.op === 'exact') return fullMatch(a.value, b.value, ci) === false;
  return false;
}

/** Every request satisfying all of `a` satisfies all of `b`. */
export function implies(a: Conditions, b: Conditions): boolean {
  return b.every((cb) => a.some((ca) => ca.field === cb.field && conditionImplies(ca, cb)));
}

/** Some request may satisfy both `a` and `b` (false only when two conditions on one field exclude each other). */
export function mayOverlap(a: Conditions, b: Conditions): boolean {
  for (const ca of a) {
    for (const cb of b) {
      if (ca.field === cb.field && conditionsConflict(ca, cb)) return false;
      // `headers x ...` against `without headers x present`
      if (cb.field === `without ${ca.field}` && cb.op === 'present' && ca.op !== 'is') return false;
      if (ca.field === `without ${cb.field}` && ca.op === 'present' && cb.op !== 'is') return false;
    }
  }
  return true;
}
