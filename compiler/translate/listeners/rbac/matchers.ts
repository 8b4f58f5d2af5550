/**
 * AuthorizationPolicy values → Envoy matchers, with Istio's wildcard rules: `*` alone means
 * "any non-empty value", `prefix*` and `*suffix` are prefix and suffix matches, anything
 * else is exact. Regexes are RE2, fully anchored (Envoy and gRPC both match the whole value).
 */
import { isIP } from 'node:net';
import type { JsonObject } from '../../../xds/index.ts';

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type Wildcard = { kind: 'any' } | { kind: 'exact' | 'prefix' | 'suffix'; text: string };

export function wildcard(value: string): Wildcard {
  if (value === '*') return { kind: 'any' };
  if (value.length > 1 && value.endsWith('*')) return { kind: 'prefix', text: value.slice(0, -1) };
  if (value.length > 1 && value.startsWith('*')) return { kind: 'suffix', text: value.slice(1) };
  return { kind: 'exact', text: value };
}

const ANY_REGEX: JsonObject = { safeRegex: { regex: '.+' } };

/** A StringMatcher; `*` matches any non-empty value. */
export function stringMatcher(value: string, ignoreCase = false): JsonObject {
  const w = wildcard(value);
  if (w.kind === 'any') return ANY_REGEX;
  const out: JsonObject = { [w.kind]: w.text };
  if (ignoreCase) out.ignoreCase = true;
  return out;
}

/** A value as a regex fragment (wildcards become `.*`). */
export function regexFragment(value: string): string {
  const w = wildcard(value);
  if (w.kind === 'any') return '.*';
  if (w.kind === 'prefix') return `${escapeRegex(w.text)}.*`;
  if (w.kind === 'suffix') return `.*${escapeRegex(w.text)}`;
  return escapeRegex(w.text);
}

const SPIFFE = 'spiffe://';

/** A peer identity (`cluster.local/ns/NS/sa/SA`) → the certificate's URI SAN matcher. */
export function principalName(value: string): JsonObject {
  const w = wildcard(value);
  if (w.kind === 'any') return ANY_REGEX;
  const text = w.text.startsWith(SPIFFE) ? w.text.slice(SPIFFE.length) : w.text;
  if (w.kind === 'exact') return { exact: SPIFFE + text };
  if (w.kind === 'prefix') return { prefix: SPIFFE + text };
  // suffix: the identity must still be a SPIFFE one
  return { safeRegex: { regex: `${escapeRegex(SPIFFE)}.*${escapeRegex(text)}` } };
}

/** A namespace → the identities of its workloads. */
export function namespacePrincipal(value: string): JsonObject {
  return { safeRegex: { regex: `.*/ns/${regexFragment(value)}/.*` } };
}

/** A service account (`ns/sa`, or `sa` in `namespace`) → its identity in any trust domain. */
export function serviceAccountPrincipal(value: string, namespace: string): JsonObject {
  const slash = value.indexOf('/');
  const ns = slash >= 0 ? value.slice(0, slash) : namespace;
  const sa = slash >= 0 ? value.slice(slash + 1) : value;
  return { safeRegex: { regex: `${escapeRegex(SPIFFE)}[^/]+/ns/${escapeRegex(ns)}/sa/${escapeRegex(sa)}` } };
}

/** A trust domain → identities issued in it. */
export function trustDomainPrincipal(value: string): JsonObject {
  if (value === '*') return ANY_REGEX;
  return { safeRegex: { regex: `${escapeRegex(SPIFFE)}${regexFragment(value)}/.*` } };
}

/** `1.2.3.4` or `10.0.0.0/8` → CidrRange; undefined when it is neither. */
export function cidr(value: string): JsonObject | undefined {
  const slash = value.indexOf('/');
  const address = slash >= 0 ? value.slice(0, slash) : value;
  const family = isIP(address);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return { addressPrefix: address, prefixLen: max };
  const lenText = value.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > max) return undefined;
  return { addressPrefix: address, prefixLen: len };
}

export function port(value: string | number): number | undefined {
  const n = typeof value === 'number' ? value : /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

/**
 * A header value matcher that finds the value among comma-joined values (Envoy joins
 * repeated headers with `,`, gRPC metadata too), so a second header cannot hide the first.
 */
export function headerValue(name: string, value: string): JsonObject {
  if (value === '*') return { name, presentMatch: true };
  const v = regexFragment(value);
  return { name, safeRegexMatch: { regex: `^${v}$|^${v},.*|.*,${v},.*|.*,${v}$` } };
}

/** `:authority` (case-insensitive; a host written without a port also matches it with any port). */
export function hostMatchers(value: string): JsonObject[] {
  const w = wildcard(value);
  if (w.kind === 'any') return [{ name: ':authority', presentMatch: true }];
  if (w.kind === 'prefix') return [{ name: ':authority', stringMatch: { prefix: w.text, ignoreCase: true } }];
  if (w.kind === 'suffix') {
    return [
      { name: ':authority', stringMatch: { suffix: w.text, ignoreCase: true } },
      { name: ':authority', stringMatch: { safeRegex: { regex: `(?i).*${escapeRegex(w.text)}:[0-9]+` } } },
    ];
  }
  if (w.text.includes(':')) return [{ name: ':authority', stringMatch: { exact: w.text, ignoreCase: true } }];
  return [
    { name: ':authority', stringMatch: { exact: w.text, ignoreCase: true } },
    { name: ':authority', stringMatch: { prefix: `${w.text}:`, ignoreCase: true } },
  ];
}

const TEMPLATE = /\{\*\*?\}/;

/**
 * A request path → the `url_path` matcher (the path without the query string). Istio path
 * templates become regexes: `{*}` one segment, `{**}` any number of characters.
 */
export function pathMatcher(value: string): JsonObject {
  if (!TEMPLATE.test(value)) return stringMatcher(value);
  let regex = '';
  for (const part of value.split(/(\{\*\*?\})/)) {
    if (part === '{*}') regex += '[^/]+';
    else if (part === '{**}') regex += '.*';
    else regex += escapeRegex(part);
  }
  return { safeRegex: { regex } };
}
