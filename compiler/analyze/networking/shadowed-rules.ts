/**
 * SLU4001: an HTTP rule of a VirtualService that can never match, because earlier rules
 * already match everything it matches (Istio evaluates rules in order, first match wins).
 * SLU4002: a single match condition that can never be the one that matches (an earlier
 * match, in this rule or an earlier one, already covers it).
 *
 * Coverage is proved, never guessed: match A covers match B when every condition of A is
 * implied by B (same or narrower URI, headers, query parameters, port, source labels...).
 * Regexes cover only identical regexes (or `.*`). Gateway API routes are not checked:
 * their rules are ordered by specificity, not by position.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { isRecord } from '../../model/index.ts';
import type { HttpRoute, VirtualService } from '../../model/index.ts';
import { at, describeRule, perVirtualService, place, related } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const UNREACHABLE_RULE = defineCode({
  code: 'SLU4001',
  stage: 'networking',
  severity: 'warning',
  title: 'Route rule can never match',
  hint: 'Move the more specific rule before the broader one (rules are evaluated in order and the first match wins), or remove the unreachable rule.',
  istio: 'IST0130',
});

export const INEFFECTIVE_MATCH = defineCode({
  code: 'SLU4002',
  stage: 'networking',
  severity: 'info',
  title: 'Match condition duplicates an earlier one',
  hint: 'Remove the duplicate match, or move it before the match that covers it.',
  istio: 'IST0131',
});

type Json = Record<string, unknown>;

/** Keys of an HTTPMatchRequest that do not restrict what it matches. */
const NEUTRAL_KEYS = new Set(['name', 'statPrefix']);
const CATCH_ALL_REGEX = new Set(['.*', '^.*$', '.+', '/.*', '^/.*', '^/.*$']);

function isCatchAll(match: Json): boolean {
  for (const key in match) {
    if (NEUTRAL_KEYS.has(key)) continue;
    if (key === 'ignoreUriCase') continue;
    if (key === 'uri' && isRecord(match.uri)) {
      const uri = match.uri;
      if (uri.prefix === '/' || uri.prefix === '') continue;
      if (typeof uri.regex === 'string' && CATCH_ALL_REGEX.has(uri.regex)) continue;
    }
    return false;
  }
  return true;
}

/** Does string match `a` match every string `b` matches? */
function stringCovers(a: unknown, b: unknown, aIgnoreCase = false, bIgnoreCase = false, isUri = false): boolean {
  if (!isRecord(a)) return false;
  if (Object.keys(a).length === 0) return isRecord(b); // presence
  if (!isRecord(b)) return false;
  if (isUri && (a.prefix === '/' || a.prefix === '')) return true;
  if (typeof a.regex === 'string') return (b.regex === a.regex && !bIgnoreCase) || (isUri && CATCH_ALL_REGEX.has(a.regex));
  if (bIgnoreCase && !aIgnoreCase) return false;
  const norm = (s: string) => (aIgnoreCase ? s.toLowerCase() : s);
  const bValue = typeof b.exact === 'string' ? b.exact : typeof b.prefix === 'string' ? b.prefix : undefined;
  if (bValue === undefined) return false;
  if (typeof a.exact === 'string') return typeof b.exact === 'string' && norm(a.exact) === norm(b.exact);
  if (typeof a.prefix === 'string') return norm(bValue).startsWith(norm(a.prefix));
  return false;
}

function mapCovers(a: unknown, b: unknown, covers: (x: unknown, y: unknown) => boolean): boolean {
  if (!isRecord(a)) return a === undefined;
  for (const key in a) {
    const bMap = isRecord(b) ? b : {};
    if (!(key in bMap) || !covers(a[key], bMap[key])) return false;
  }
  return true;
}

function deepEqual(x: unknown, y: unknown): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}

/** Does match `a` match every request match `b` matches? */
export function matchCovers(a: Json, b: Json): boolean {
  if (isCatchAll(a)) return true;
  const aIgnore = a.ignoreUriCase === true;
  const bIgnore = b.ignoreUriCase === true;
  for (const key in a) {
    if (NEUTRAL_KEYS.has(key) || key === 'ignoreUriCase') continue;
    const av = a[key];
    const bv = b[key];
    switch (key) {
      case 'uri':
        if (!stringCovers(av, bv, aIgnore, bIgnore, true)) return false;
        break;
      case 'scheme':
      case 'method':
      case 'authority':
        if (!stringCovers(av, bv)) return false;
        break;
      case 'headers':
      case 'queryParams':
        if (!mapCovers(av, bv, (x, y) => stringCovers(x, y))) return false;
        break;
      case 'withoutHeaders':
        if (!mapCovers(av, bv, deepEqual)) return false;
        break;
      case 'sourceLabels':
        if (!mapCovers(av, bv, (x, y) => x === y)) return false;
        break;
      case 'gateways': {
        if (!Array.isArray(av)) return false;
        if (!Array.isArray(bv) || bv.length === 0) return false;
        if (!bv.every((g) => av.includes(g))) return false;
        break;
      }
      case 'port':
      case 'sourceNamespace':
        if (av !== bv) return false;
        break;
      default:
        if (!deepEqual(av, bv)) return false;
    }
  }
  return true;
}

function matchesOf(route: HttpRoute): Json[] {
  return route.matches.length === 0 ? [{}] : (route.matches as Json[]);
}

function describeMatch(route: HttpRoute, k: number): string {
  return route.matches.length === 0 ? `${describeRule(route)} (no match: every request)` : `match[${k}] of ${describeRule(route)}`;
}

function checkVirtualService(vs: VirtualService, out: Diagnostic[]): void {
  const earlier: { route: HttpRoute; k: number; match: Json }[] = [];
  for (const route of vs.http) {
    const matches = matchesOf(route);
    const coveredBy: ({ route: HttpRoute; k: number } | undefined)[] = matches.map((m) => earlier.find((e) => matchCovers(e.match, m)));
    const allCovered = coveredBy.every((c) => c !== undefined);
    if (allCovered && coveredBy.length > 0) {
      const shadows = [...new Set(coveredBy.map((c) => c?.route))].filter((r): r is HttpRoute => r !== undefined);
      const first = coveredBy[0];
      const reason =
        first && first.route.matches.length === 0
          ? `${describeRule(first.route)} before it has no match and takes every request`
          : shadows.length === 1 && shadows[0]
            ? `${describeRule(shadows[0])} before it already matches every request it matches`
            : `earlier rules (${shadows.map((r) => describeRule(r)).join(', ')}) already match every request it matches`;
      out.push(
        diagnostic(UNREACHABLE_RULE, at(vs, route.path), `${describeRule(route)} of VirtualService ${vs.name} can never match: ${reason} (${place(vs, shadows[0]?.path ?? route.path)})`, {
          related: shadows.map((r) => related(vs, r.path, `${describeRule(r)} matches first`)),
        }),
      );
    } else {
      coveredBy.forEach((c, k) => {
        if (!c) return;
        const path = [...route.path, 'match', k];
        out.push(
          diagnostic(
            INEFFECTIVE_MATCH,
            at(vs, path),
            `match[${k}] of ${describeRule(route)} can never take effect: ${describeMatch(c.route, c.k)} already matches every request it matches (${place(vs, [...c.route.path, 'match', c.k])})`,
            { related: [related(vs, [...c.route.path, 'match', c.k], `${describeMatch(c.route, c.k)} matches first`)] },
          ),
        );
      });
    }
    // within one rule, a later match covered by an earlier one of the same rule is redundant
    if (route.matches.length > 1) {
      for (let k = 1; k < matches.length; k++) {
        if (coveredBy[k]) continue;
        const m = matches[k];
        if (!m) continue;
        for (let j = 0; j < k; j++) {
          const prior = matches[j];
          if (prior && matchCovers(prior, m)) {
            out.push(
              diagnostic(INEFFECTIVE_MATCH, at(vs, [...route.path, 'match', k]), `match[${k}] of ${describeRule(route)} can never take effect: match[${j}] of the same rule already matches every request it matches`, {
                related: [related(vs, [...route.path, 'match', j], `match[${j}] matches first`)],
              }),
            );
            break;
          }
        }
      }
    }
    matches.forEach((match, k) => earlier.push({ route, k, match }));
  }
}

export const shadowedRules: Analyzer = perVirtualService({
  name: 'shadowed-rules',
  codes: [UNREACHABLE_RULE, INEFFECTIVE_MATCH],
  check(vs, model, out) {
    if (vs.sourceKind === 'VirtualService' && vs.http.length > 0) checkVirtualService(vs, out);
  },
});
