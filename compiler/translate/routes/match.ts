/**
 * Istio HTTPMatchRequest → Envoy RouteMatch (Istio `TranslateRouteMatch`).
 *
 * uri exact/prefix/regex → path/prefix/safeRegex; headers and withoutHeaders (inverted,
 * missing header treated as empty unless it is a presence match) sorted by name, then
 * `:method`, `:authority`, `:scheme`; query parameters; `ignoreUriCase` → caseSensitive
 * false; JWT claim headers (`@request.auth.claims.*`) → dynamic metadata matchers.
 * A StringMatch without a value (or the regex `*`) is a presence match.
 *
 * Gateway API PathPrefix matches whole path segments: Envoy gets path_separated_prefix,
 * gRPC clients (which do not know it) an equivalent regex. gRPC clients cannot see query
 * parameters, pseudo-headers or JWT claims: such a match is reported back as blocking,
 * and the route is left out for them.
 */
import type { JsonObject, JsonValue } from '../../xds/index.ts';
import { isRecord } from '../../model/index.ts';
import type { Flavor, JsonPathSegment } from '../types.ts';
import type { JsonRecord, MatchCondition } from './rules.ts';
import type { SourceRecorder } from './sources.ts';
import { at, under } from './sources.ts';
import { sharedPart } from '../shared-part.ts';

export interface MatchOptions {
  flavor: Flavor;
  /** Gateway API route: PathPrefix has path-segment semantics. */
  gatewaySemantics: boolean;
}

export interface TranslatedMatch {
  json: JsonObject;
  catchAll: boolean;
  /** Parts of the match proxyless gRPC clients cannot evaluate (the route is left out for them). */
  grpcBlocked: string[];
}

const RE2_META = /[\\^$.|?*+()[\]{}]/g;

export function quoteRegex(text: string): string {
  return text.replace(RE2_META, '\\$&');
}

/** gRPC clients anchor a regex as `^re$` without a group; an alternation needs one to keep its meaning. */
function grpcRegex(regex: string, flavor: Flavor): string {
  return flavor === 'grpc' && regex.includes('|') ? `(?:${regex})` : regex;
}

/** Istio StringMatch → Envoy StringMatcher; undefined for a presence match. */
export function stringMatcher(m: unknown, flavor: Flavor = 'envoy'): JsonObject | undefined {
  if (!isRecord(m)) return undefined;
  if (typeof m.exact === 'string') return { exact: m.exact };
  if (typeof m.prefix === 'string') return { prefix: m.prefix };
  if (typeof m.regex === 'string' && m.regex !== '*') return { safeRegex: { regex: grpcRegex(m.regex, flavor) } };
  return undefined;
}

function headerMatcher(name: string, m: unknown, invert: boolean, flavor: Flavor): JsonObject {
  const out: JsonObject = { name };
  const string = stringMatcher(m, flavor);
  if (string) out.stringMatch = string;
  else out.presentMatch = true;
  if (invert) {
    out.invertMatch = true;
    if (string) out.treatMissingHeaderAsEmpty = true;
  }
  return out;
}

const CLAIMS = '@request.auth.claims';

/** `@request.auth.claims.a.b` or `@request.auth.claims[a][b]` → ['a', 'b'] (Istio `ToRoutingClaim`); undefined otherwise. */
export function jwtClaimPath(header: string): string[] | undefined {
  if (!header.startsWith(CLAIMS)) return undefined;
  const rest = header.slice(CLAIMS.length);
  if (rest.startsWith('.')) {
    const parts = rest.slice(1).split('.');
    return parts.every((p) => p !== '') ? parts : undefined;
  }
  if (rest.startsWith('[')) {
    const parts: string[] = [];
    const re = /\[([^\][]+)\]/y;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = re.exec(rest)) !== null) {
      parts.push(m[1] as string);
      consumed = re.lastIndex;
    }
    return consumed === rest.length && parts.length > 0 ? parts : undefined;
  }
  return undefined;
}

function claimMatcher(claims: string[], m: unknown, invert: boolean): JsonObject {
  const string = stringMatcher(m);
  const value: JsonObject = string ? { listMatch: { oneOf: { stringMatch: string } } } : { presentMatch: true };
  const out: JsonObject = {
    filter: 'istio_authn',
    path: [{ key: 'request.auth.claims' }, ...claims.map((key) => ({ key }))],
    value,
  };
  if (invert) out.invert = true;
  return out;
}

/** The match of a rule without conditions (shared, frozen). */
export const MATCH_ALL: JsonObject = sharedPart({ prefix: '/' });
const NOTHING_BLOCKED: string[] = Object.freeze([]) as unknown as string[];

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface HeaderPart {
  matcher: JsonObject;
  key: string;
  /** '' for a pseudo-header (`method`, `authority`, `scheme`): the key itself is the node. */
  name: string;
}

/** Records that `path` (or `path` + `last`) came from a match key (or one of its map entries). */
function recordMatch(sources: SourceRecorder, path: readonly JsonPathSegment[], last: JsonPathSegment | undefined, match: MatchCondition, key: string, name?: string): void {
  const base = match.keyOrigins?.get(key) ?? match.origin;
  const node = name === undefined ? under(base.path, key) : under(base.path, key, name);
  if (last === undefined) sources.add(path, base.doc, node);
  else sources.addUnder(path, last, base.doc, node);
}

function collectHeaders(raw: JsonRecord, key: 'headers' | 'withoutHeaders', flavor: Flavor, headers: HeaderPart[], metadata: HeaderPart[], blocked: string[]): void {
  const map = raw[key];
  if (!isRecord(map)) return;
  const invert = key === 'withoutHeaders';
  for (const name in map) {
    const m = map[name];
    const claims = name.startsWith(CLAIMS) ? jwtClaimPath(name) : undefined;
    if (claims) {
      metadata.push({ matcher: claimMatcher(claims, m, invert), key, name });
      if (flavor === 'grpc') blocked.push(`JWT claim match on ${name}`);
    } else {
      headers.push({ matcher: headerMatcher(name, m, invert, flavor), key, name });
    }
  }
}

/** `{[specifier]: value}` with a literal key (objects with computed keys are slower to build and read). */
function specifierObject(specifier: string, value: JsonValue): JsonObject {
  switch (specifier) {
    case 'path':
      return { path: value };
    case 'safeRegex':
      return { safeRegex: value };
    case 'pathSeparatedPrefix':
      return { pathSeparatedPrefix: value };
    default:
      return { prefix: value };
  }
}

const PSEUDO_HEADERS: readonly (readonly [string, string])[] = [
  ['method', ':method'],
  ['authority', ':authority'],
  ['scheme', ':scheme'],
];

/**
 * Translates one match condition (undefined: match everything) and records where each part
 * came from under `base` (the RouteMatch's JSON path).
 */
export function translateMatch(match: MatchCondition | undefined, options: MatchOptions, sources: SourceRecorder, base: readonly JsonPathSegment[]): TranslatedMatch {
  const { flavor } = options;
  if (!match) return { json: MATCH_ALL, catchAll: true, grpcBlocked: NOTHING_BLOCKED };
  const raw: JsonRecord = match.raw;
  let blocked = NOTHING_BLOCKED;
  sources.addOrigin(base, match.origin);

  // path specifier
  let specifier = 'prefix';
  let value: JsonValue = '/';
  let catchAllPath = true;
  const uri = raw.uri;
  if (isRecord(uri)) {
    if (typeof uri.exact === 'string') {
      specifier = 'path';
      value = uri.exact;
      catchAllPath = false;
    } else if (typeof uri.prefix === 'string') {
      const prefix = uri.prefix;
      if (options.gatewaySemantics && prefix !== '/') {
        const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
        if (flavor === 'grpc') {
          specifier = 'safeRegex';
          value = { regex: `${quoteRegex(trimmed)}(/.*)?` };
        } else {
          specifier = 'pathSeparatedPrefix';
          value = trimmed;
        }
        catchAllPath = false;
      } else {
        value = prefix;
        catchAllPath = prefix === '/';
      }
    } else if (typeof uri.regex === 'string') {
      specifier = 'safeRegex';
      value = { regex: grpcRegex(uri.regex, flavor) };
      catchAllPath = uri.regex === '.*';
    }
    recordMatch(sources, base, specifier, match, 'uri');
  }
  const json: JsonObject = specifierObject(specifier, value);
  if (raw.ignoreUriCase === true) {
    json.caseSensitive = false;
    recordMatch(sources, base, 'caseSensitive', match, 'ignoreUriCase');
  }

  // headers (and JWT claims as dynamic metadata), sorted by name as Istio does, then pseudo-headers
  const headers: HeaderPart[] = [];
  const metadata: HeaderPart[] = [];
  const grpcBlocked: string[] = [];
  collectHeaders(raw, 'headers', flavor, headers, metadata, grpcBlocked);
  collectHeaders(raw, 'withoutHeaders', flavor, headers, metadata, grpcBlocked);
  if (headers.length > 1) headers.sort((a, b) => byName(a.name, b.name));
  for (const [key, header] of PSEUDO_HEADERS) {
    if (raw[key] === undefined || raw[key] === null) continue;
    headers.push({ matcher: headerMatcher(header, raw[key], false, flavor), key, name: '' });
    if (flavor === 'grpc') grpcBlocked.push(`${key} match`);
  }
  if (headers.length > 0) {
    const list: JsonValue[] = new Array(headers.length);
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i] as HeaderPart;
      list[i] = h.matcher;
      recordMatch(sources, at(base, 'headers', i), undefined, match, h.key, h.name === '' ? undefined : h.name);
    }
    json.headers = list;
  }
  if (metadata.length > 0) {
    if (metadata.length > 1) metadata.sort((a, b) => byName(a.name, b.name));
    const list: JsonValue[] = new Array(metadata.length);
    for (let i = 0; i < metadata.length; i++) {
      const m = metadata[i] as HeaderPart;
      list[i] = m.matcher;
      recordMatch(sources, at(base, 'dynamicMetadata', i), undefined, match, m.key, m.name);
    }
    json.dynamicMetadata = list;
  }

  // query parameters, sorted by name
  let params = 0;
  if (isRecord(raw.queryParams)) {
    const names = Object.keys(raw.queryParams).sort(byName);
    params = names.length;
    if (params > 0) {
      const list: JsonValue[] = new Array(params);
      for (let i = 0; i < params; i++) {
        const name = names[i] as string;
        const string = stringMatcher(raw.queryParams[name], flavor);
        list[i] = string ? { name, stringMatch: string } : { name, presentMatch: true };
        recordMatch(sources, at(base, 'queryParameters', i), undefined, match, 'queryParams', name);
      }
      json.queryParameters = list;
      if (flavor === 'grpc') grpcBlocked.push('query parameter match');
    }
  }
  if (grpcBlocked.length > 0) blocked = grpcBlocked;

  const catchAll = catchAllPath && headers.length === 0 && metadata.length === 0 && params === 0;
  return { json, catchAll, grpcBlocked: blocked };
}
