/**
 * The HTTP rules that apply to a host, flattened into route entries: one entry per match
 * condition (Istio turns each `match[]` item into its own Envoy route), one for a rule
 * without matches. Delegated rules are merged with their root rule here, as Istio's
 * `mergeHTTPRoutes` does; Gateway API rules are ordered by the Gateway API's precedence.
 */
import type { HttpRoute, Origin, VirtualService } from '../../model/index.ts';
import { isRecord } from '../../model/index.ts';
import type { NodePath } from './sources.ts';
import { under } from './sources.ts';

export type JsonRecord = Record<string, unknown>;

/** An HTTP rule as written: the VirtualService it belongs to and its node. */
export interface RuleSource {
  vs: VirtualService;
  http: HttpRoute;
}

/** A rule to translate: its own settings, and for a delegated rule the root rule that fills in unset ones. */
export interface Rule {
  own: RuleSource;
  root?: RuleSource;
  /** Route name (Istio joins root and delegate names with `-`). */
  name?: string;
}

/** One match condition; for a delegate, the merge of the root's and the delegate's. */
export interface MatchCondition {
  raw: JsonRecord;
  /** The match node (the delegate's when merged). */
  origin: Origin;
  /** Where each top-level key of `raw` came from, when not from `origin`. */
  keyOrigins?: ReadonlyMap<string, Origin>;
}

export interface RouteEntry {
  rule: Rule;
  /** Undefined: the rule matches every request. */
  match?: MatchCondition;
}

/** Settings a delegate rule inherits from its root when it leaves them unset (Istio `mergeHTTPRoute`). */
const INHERITED = new Set(['rewrite', 'directResponse', 'timeout', 'retries', 'fault', 'mirror', 'mirrorPercent', 'mirror_percent', 'mirrorPercentage', 'corsPolicy', 'mirrors', 'headers']);

export interface Setting {
  value: unknown;
  origin: Origin;
}

/** A rule setting (`timeout`, `retries`, ...) with the node it was written at. */
export function setting(rule: Rule, key: string): Setting | undefined {
  const own = rule.own.http.raw[key];
  if (own !== undefined && own !== null) return { value: own, origin: { doc: rule.own.vs.doc, path: under(rule.own.http.path, key) } };
  if (rule.root && INHERITED.has(key)) {
    const inherited = rule.root.http.raw[key];
    if (inherited !== undefined && inherited !== null) return { value: inherited, origin: { doc: rule.root.vs.doc, path: under(rule.root.http.path, key) } };
  }
  return undefined;
}

export function ruleOrigin(rule: Rule): Origin {
  return { doc: rule.own.vs.doc, path: rule.own.http.path };
}

/** The entries of a plain (not delegating) rule. */
export function entriesOfRule(vs: VirtualService, http: HttpRoute): RouteEntry[] {
  const rule: Rule = { own: { vs, http } };
  if (http.name !== undefined) rule.name = http.name;
  if (http.matches.length === 0) return [{ rule }];
  const out: RouteEntry[] = [];
  const list = Array.isArray(http.raw.match) ? (http.raw.match as unknown[]) : [];
  for (let i = 0; i < http.matches.length; i++) {
    const raw = http.matches[i] as JsonRecord;
    // `matches` skips non-record items; find this one's index in the written list
    const index = list.indexOf(raw);
    const path = vs.sourceKind === 'VirtualService' ? under(http.path, 'match', index >= 0 ? index : i) : under(http.path, 'matches', i);
    out.push({ rule, match: { raw, origin: { doc: vs.doc, path } } });
  }
  return out;
}

// --------------------------------------------------------------------- delegate merge

type StringMatch = JsonRecord | undefined;

function stringMatchOf(value: unknown): StringMatch {
  return isRecord(value) ? value : undefined;
}

function text(m: JsonRecord, key: string): string {
  const v = m[key];
  return typeof v === 'string' ? v : '';
}

/** Istio `stringMatchConflict`: can a delegate condition refine the root's? */
function stringMatchConflict(root: StringMatch, leaf: StringMatch): boolean {
  if (!root || !leaf) return false;
  const [rRegex, rPrefix, rExact] = [text(root, 'regex'), text(root, 'prefix'), text(root, 'exact')];
  const [lRegex, lPrefix, lExact] = [text(leaf, 'regex'), text(leaf, 'prefix'), text(leaf, 'exact')];
  if (rRegex !== '' && (lRegex !== '' || lPrefix !== '' || lExact !== '')) return true;
  if (lRegex !== '' && (rRegex !== '' || rPrefix !== '' || rExact !== '')) return true;
  if (rExact !== '') return lPrefix !== '' || lExact !== rExact;
  if (rPrefix !== '') {
    if (lPrefix !== '') return !lPrefix.startsWith(rPrefix);
    if (lExact !== '') return !lExact.startsWith(rPrefix);
  }
  return true;
}

function mapOf(value: unknown): JsonRecord {
  return isRecord(value) ? value : {};
}

function hasConflict(root: JsonRecord, leaf: JsonRecord): boolean {
  for (const key of ['uri', 'scheme', 'method', 'authority']) {
    if (stringMatchConflict(stringMatchOf(root[key]), stringMatchOf(leaf[key]))) return true;
  }
  for (const key of ['headers', 'withoutHeaders', 'queryParams']) {
    const r = mapOf(root[key]);
    for (const [name, value] of Object.entries(mapOf(leaf[key]))) {
      if (stringMatchConflict(stringMatchOf(r[name]), stringMatchOf(value))) return true;
    }
  }
  if (Boolean(root.ignoreUriCase) !== Boolean(leaf.ignoreUriCase)) return true;
  const rPort = typeof root.port === 'number' ? root.port : 0;
  const lPort = typeof leaf.port === 'number' ? leaf.port : 0;
  if (rPort > 0 && lPort > 0 && rPort !== lPort) return true;
  const rNs = typeof root.sourceNamespace === 'string' ? root.sourceNamespace : '';
  if (rNs !== '' && leaf.sourceNamespace !== rNs) return true;
  const rLabels = mapOf(root.sourceLabels);
  for (const [key, value] of Object.entries(mapOf(leaf.sourceLabels))) {
    if (key in rLabels && rLabels[key] !== value) return true;
  }
  const rGateways = Array.isArray(root.gateways) ? (root.gateways as unknown[]) : [];
  const lGateways = Array.isArray(leaf.gateways) ? (leaf.gateways as unknown[]) : [];
  if (rGateways.length > 0 && lGateways.length > 0) {
    if (rGateways.length < lGateways.length) return true;
    for (const g of lGateways) if (!rGateways.includes(g)) return true;
  }
  return false;
}

function joinNames(root: unknown, leaf: unknown): string | undefined {
  const r = typeof root === 'string' && root !== '' ? root : undefined;
  const l = typeof leaf === 'string' && leaf !== '' ? leaf : undefined;
  if (l === undefined) return r;
  return r === undefined ? l : `${r}-${l}`;
}

/** Istio `mergeHTTPMatchRequest`: the delegate's condition, with the root's filling in what it leaves unset. */
function mergeMatch(root: MatchCondition, leaf: MatchCondition): MatchCondition {
  const out: JsonRecord = { ...leaf.raw };
  const keyOrigins = new Map<string, Origin>();
  const name = joinNames(root.raw.name, leaf.raw.name);
  if (name === undefined) delete out.name;
  else out.name = name;
  for (const key of ['uri', 'scheme', 'method', 'authority', 'sourceNamespace', 'statPrefix']) {
    if ((out[key] === undefined || out[key] === '') && root.raw[key] !== undefined) {
      out[key] = root.raw[key];
      keyOrigins.set(key, root.origin);
    }
  }
  if ((out.port === undefined || out.port === 0) && root.raw.port !== undefined) {
    out.port = root.raw.port;
    keyOrigins.set('port', root.origin);
  }
  if ((!Array.isArray(out.gateways) || out.gateways.length === 0) && root.raw.gateways !== undefined) {
    out.gateways = root.raw.gateways;
    keyOrigins.set('gateways', root.origin);
  }
  for (const key of ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels']) {
    const r = mapOf(root.raw[key]);
    if (Object.keys(r).length === 0) continue;
    out[key] = { ...r, ...mapOf(leaf.raw[key]) };
    if (leaf.raw[key] === undefined) keyOrigins.set(key, root.origin);
  }
  const merged: MatchCondition = { raw: out, origin: leaf.origin };
  if (keyOrigins.size > 0) merged.keyOrigins = keyOrigins;
  return merged;
}

/**
 * Istio `mergeHTTPMatchRequests`: every delegate condition must be compatible with at least
 * one root condition; the result is every compatible (root, delegate) pair merged.
 * Undefined: a conflict (the delegate route is dropped).
 */
export function mergeMatches(root: readonly MatchCondition[], leaf: readonly MatchCondition[]): MatchCondition[] | undefined {
  if (root.length === 0) return leaf.slice();
  if (leaf.length === 0) return root.slice();
  const out: MatchCondition[] = [];
  for (const l of leaf) {
    let found = false;
    for (const r of root) {
      if (hasConflict(r.raw, l.raw)) continue;
      out.push(mergeMatch(r, l));
      found = true;
    }
    if (!found) return undefined;
  }
  return out.length > 0 ? out : undefined;
}

/** The match conditions of a rule as MatchConditions (empty for a rule without matches). */
export function conditionsOf(vs: VirtualService, http: HttpRoute): MatchCondition[] {
  const out: MatchCondition[] = [];
  for (const entry of entriesOfRule(vs, http)) if (entry.match) out.push(entry.match);
  return out;
}

/** Name of a delegated route: root and delegate names joined with `-` (Istio). */
export function delegatedRuleName(root: HttpRoute, leaf: HttpRoute): string | undefined {
  return joinNames(root.name, leaf.name);
}

// ----------------------------------------------------------- Gateway API precedence

function pathRank(match: JsonRecord | undefined): [number, number] {
  const uri = match && isRecord(match.uri) ? match.uri : undefined;
  if (!uri) return [1, 1]; // PathPrefix "/" (the Gateway API default)
  if (typeof uri.exact === 'string') return [3, uri.exact.length];
  if (typeof uri.regex === 'string') return [2, uri.regex.length];
  if (typeof uri.prefix === 'string') return [1, uri.prefix.length];
  return [1, 1];
}

function count(value: unknown): number {
  return isRecord(value) ? Object.keys(value).length : 0;
}

/**
 * Gateway API precedence among matches of routes merged on one host: exact path, then the
 * longest prefix (regex between the two, as Istio ranks it), then a method match, then more
 * header matches, then more query parameter matches; ties keep route and rule order.
 */
export function compareGatewayPrecedence(a: RouteEntry, b: RouteEntry): number {
  const [ra, la] = pathRank(a.match?.raw);
  const [rb, lb] = pathRank(b.match?.raw);
  if (ra !== rb) return rb - ra;
  if (la !== lb) return lb - la;
  const ma = a.match?.raw.method !== undefined ? 1 : 0;
  const mb = b.match?.raw.method !== undefined ? 1 : 0;
  if (ma !== mb) return mb - ma;
  const ha = count(a.match?.raw.headers);
  const hb = count(b.match?.raw.headers);
  if (ha !== hb) return hb - ha;
  return count(b.match?.raw.queryParams) - count(a.match?.raw.queryParams);
}

export type { NodePath };
