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
import { matchOrigin } from './rules.ts';
import type { SourceRecorder } from './sources.ts';
import { at } from './sources.ts';

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

function sortedEntries(value: unknown): [string, unknown][] {
  if (!isRecord(value)) return [];
  return Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Translates one match condition (undefined: match everything) and records where each part
 * came from under `base` (the RouteMatch's JSON path).
 */
export function translateMatch(match: MatchCondition | undefined, options: MatchOptions, sources: SourceRecorder, base: readonly JsonPathSegment[]): TranslatedMatch {
  const { flavor } = options;
  const json: JsonObject = { prefix: '/' };
  const blocked: string[] = [];
  if (!match) return { json, catchAll: true, grpcBlocked: blocked };
  const raw: JsonRecord = match.raw;
  sources.addOrigin(base, match.origin);

  // path
  const uri = raw.uri;
  let catchAllPath = true;
  if (isRecord(uri)) {
    const origin = matchOrigin(match, 'uri');
    if (typeof uri.exact === 'string') {
      delete json.prefix;
      json.path = uri.exact;
      sources.addOrigin(at(base, 'path'), origin);
      catchAllPath = false;
    } else if (typeof uri.prefix === 'string') {
      const prefix = uri.prefix;
      if (options.gatewaySemantics && prefix !== '/') {
        const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
        delete json.prefix;
        if (flavor === 'grpc') {
          json.safeRegex = { regex: `${quoteRegex(trimmed)}(/.*)?` };
          sources.addOrigin(at(base, 'safeRegex'), origin);
        } else {
          json.pathSeparatedPrefix = trimmed;
          sources.addOrigin(at(base, 'pathSeparatedPrefix'), origin);
        }
        catchAllPath = false;
      } else {
        json.prefix = prefix;
        sources.addOrigin(at(base, 'prefix'), origin);
        catchAllPath = prefix === '/';
      }
    } else if (typeof uri.regex === 'string') {
      delete json.prefix;
      json.safeRegex = { regex: grpcRegex(uri.regex, flavor) };
      sources.addOrigin(at(base, 'safeRegex'), origin);
      catchAllPath = uri.regex === '.*';
    }
  }
  if (raw.ignoreUriCase === true) {
    json.caseSensitive = false;
    sources.addOrigin(at(base, 'caseSensitive'), matchOrigin(match, 'ignoreUriCase'));
  }

  // headers (and JWT claims as dynamic metadata), sorted by name as Istio does
  const headers: { matcher: JsonObject; key: string; name: string }[] = [];
  const metadata: { matcher: JsonObject; key: string; name: string }[] = [];
  for (const [key, invert] of [
    ['headers', false],
    ['withoutHeaders', true],
  ] as const) {
    for (const [name, m] of sortedEntries(raw[key])) {
      const claims = jwtClaimPath(name);
      if (claims) {
        metadata.push({ matcher: claimMatcher(claims, m, invert), key, name });
        if (flavor === 'grpc') blocked.push(`JWT claim match on ${name}`);
      } else {
        headers.push({ matcher: headerMatcher(name, m, invert, flavor), key, name });
      }
    }
  }
  headers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const [key, header] of [
    ['method', ':method'],
    ['authority', ':authority'],
    ['scheme', ':scheme'],
  ] as const) {
    if (raw[key] === undefined || raw[key] === null) continue;
    headers.push({ matcher: headerMatcher(header, raw[key], false, flavor), key, name: '' });
    if (flavor === 'grpc') blocked.push(`${key} match`);
  }
  if (headers.length > 0) {
    const list: JsonValue[] = [];
    headers.forEach((h, i) => {
      list.push(h.matcher);
      sources.addOrigin(at(base, 'headers', i), h.name === '' ? matchOrigin(match, h.key) : matchOrigin(match, h.key, h.name));
    });
    json.headers = list;
  }
  if (metadata.length > 0) {
    json.dynamicMetadata = metadata.map((m, i) => {
      sources.addOrigin(at(base, 'dynamicMetadata', i), matchOrigin(match, m.key, m.name));
      return m.matcher;
    });
  }

  // query parameters
  const params = sortedEntries(raw.queryParams);
  if (params.length > 0) {
    json.queryParameters = params.map(([name, m], i): JsonObject => {
      sources.addOrigin(at(base, 'queryParameters', i), matchOrigin(match, 'queryParams', name));
      const string = stringMatcher(m, flavor);
      return string ? { name, stringMatch: string } : { name, presentMatch: true };
    });
    if (flavor === 'grpc') blocked.push('query parameter match');
  }

  const catchAll = catchAllPath && headers.length === 0 && metadata.length === 0 && params.length === 0;
  return { json, catchAll, grpcBlocked: blocked };
}
