/**
 * What an HTTP rule does, as Istio's validation checks it:
 * SLU4007 settings that cannot go together (route and redirect, route and directResponse,
 *   redirect and directResponse, fault/rewrite with redirect or directResponse, mirror and
 *   mirrors, a delegating rule with its own route or redirect);
 * SLU4008 a rule that does nothing (no route, redirect, directResponse or delegate);
 * SLU4017 a malformed redirect or rewrite.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { isRecord } from '../../model/index.ts';
import type { HttpRoute, VirtualService } from '../../model/index.ts';
import { at, describeRule, perVirtualService } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const CONFLICTING_ROUTE_SETTINGS = defineCode({
  code: 'SLU4007',
  stage: 'networking',
  severity: 'error',
  title: 'Route rule combines settings that exclude each other',
  hint: 'A rule either routes (route), redirects (redirect) or answers itself (directResponse); fault injection and rewrite only go with route, and mirror and mirrors are alternatives. Split the rule or drop one setting.',
});

export const RULE_WITHOUT_ACTION = defineCode({
  code: 'SLU4008',
  stage: 'networking',
  severity: 'error',
  title: 'Route rule has no action',
  hint: 'Give the rule a route (destinations), a redirect, a directResponse or a delegate.',
});

export const INVALID_REDIRECT_OR_REWRITE = defineCode({
  code: 'SLU4017',
  stage: 'networking',
  severity: 'error',
  title: 'Malformed redirect or rewrite',
  hint: 'A redirect needs a uri, authority, scheme or port and a 3xx redirectCode; a rewrite needs uri, uriRegexRewrite (with both match and rewrite) or authority, and not both uri and uriRegexRewrite.',
});

function present(raw: Readonly<Record<string, unknown>>, key: string): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function reportConflict(vs: VirtualService, route: HttpRoute, out: Diagnostic[], key: string, other: string, why: string): void {
  out.push(diagnostic(CONFLICTING_ROUTE_SETTINGS, at(vs, [...route.path, key], 'key'), `${describeRule(route)} has both ${other} and ${key}: ${why}`));
}

function checkRule(vs: VirtualService, route: HttpRoute, out: Diagnostic[]): void {
  const raw = route.raw;
  if (Array.isArray(raw.route) && raw.route.length > 0 && raw.redirect === undefined && raw.directResponse === undefined && raw.delegate === undefined && raw.mirrors === undefined && raw.rewrite === undefined) return; // the common case: a plain route
  const rule = describeRule(route);
  const conflict = (key: string, other: string, why: string) => reportConflict(vs, route, out, key, other, why);

  if (present(raw, 'delegate')) {
    if (present(raw, 'route')) conflict('route', 'delegate', 'a rule that delegates must leave routing to the delegate VirtualService (Istio rejects it)');
    if (present(raw, 'redirect')) conflict('redirect', 'delegate', 'a rule that delegates must leave redirects to the delegate VirtualService (Istio rejects it)');
  } else if (present(raw, 'redirect')) {
    if (present(raw, 'route')) conflict('redirect', 'route', 'a redirect answers the request itself, so the destinations would never be used (Istio rejects it)');
    if (present(raw, 'fault')) conflict('fault', 'redirect', 'fault injection applies to routed requests only (Istio rejects it)');
    if (present(raw, 'rewrite')) conflict('rewrite', 'redirect', 'a rewrite applies to routed requests only (Istio rejects it)');
    if (present(raw, 'directResponse')) conflict('directResponse', 'redirect', 'a rule can either redirect or answer directly (Istio rejects it)');
  } else if (present(raw, 'directResponse')) {
    if (present(raw, 'route')) conflict('directResponse', 'route', 'a direct response answers the request itself, so the destinations would never be used (Istio rejects it)');
    if (present(raw, 'fault')) conflict('fault', 'directResponse', 'fault injection applies to routed requests only (Istio rejects it)');
    if (present(raw, 'rewrite')) conflict('rewrite', 'directResponse', 'a rewrite applies to routed requests only (Istio rejects it)');
  } else if (!present(raw, 'route')) {
    out.push(
      diagnostic(RULE_WITHOUT_ACTION, at(vs, route.path), `${rule} has no route, redirect, directResponse or delegate, so it does nothing with the requests it matches (Istio rejects it)`),
    );
  }
  if (present(raw, 'mirror') && present(raw, 'mirrors')) {
    conflict('mirrors', 'mirror', 'use mirrors alone (mirror is the older single-target form; Istio rejects both together)');
  }

  const redirect = raw.redirect;
  if (isRecord(redirect)) {
    const path = [...route.path, 'redirect'];
    const hasTarget = ['uri', 'authority', 'scheme', 'port', 'derivePort'].some((k) => redirect[k] !== undefined && redirect[k] !== '');
    if (!hasTarget) out.push(diagnostic(INVALID_REDIRECT_OR_REWRITE, at(vs, path), `the redirect of ${rule} changes nothing: it needs a uri, authority, scheme or port`));
    const code = redirect.redirectCode;
    if (typeof code === 'number' && code !== 0 && (code < 300 || code > 399)) {
      out.push(diagnostic(INVALID_REDIRECT_OR_REWRITE, at(vs, [...path, 'redirectCode']), `redirectCode ${code} is not a redirect status; use a 3xx code (301, 302, 307, 308)`));
    }
    const scheme = redirect.scheme;
    if (typeof scheme === 'string' && scheme !== '' && scheme !== 'http' && scheme !== 'https') {
      out.push(diagnostic(INVALID_REDIRECT_OR_REWRITE, at(vs, [...path, 'scheme']), `redirect scheme "${scheme}" is not valid; use "http" or "https"`));
    }
  }
  const rewrite = raw.rewrite;
  if (isRecord(rewrite)) {
    const path = [...route.path, 'rewrite'];
    const uri = typeof rewrite.uri === 'string' && rewrite.uri !== '';
    const regexRewrite = rewrite.uriRegexRewrite;
    const authority = typeof rewrite.authority === 'string' && rewrite.authority !== '';
    if (uri && regexRewrite !== undefined) {
      out.push(diagnostic(INVALID_REDIRECT_OR_REWRITE, at(vs, [...path, 'uriRegexRewrite'], 'key'), `the rewrite of ${rule} has both uri and uriRegexRewrite; only one of them may be set`));
    } else if (!uri && regexRewrite === undefined && !authority) {
      out.push(diagnostic(INVALID_REDIRECT_OR_REWRITE, at(vs, path), `the rewrite of ${rule} changes nothing: it needs uri, uriRegexRewrite or authority`));
    }
    if (isRecord(regexRewrite)) {
      const missing = ['match', 'rewrite'].filter((k) => typeof regexRewrite[k] !== 'string' || regexRewrite[k] === '');
      if (missing.length > 0) {
        out.push(diagnostic(INVALID_REDIRECT_OR_REWRITE, at(vs, [...path, 'uriRegexRewrite']), `uriRegexRewrite of ${rule} needs both match and rewrite; ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing`));
      }
    }
  }
}

export const routeActions: Analyzer = perVirtualService({
  name: 'route-actions',
  codes: [CONFLICTING_ROUTE_SETTINGS, RULE_WITHOUT_ACTION, INVALID_REDIRECT_OR_REWRITE],
  check(vs, model, out) {
    if (vs.sourceKind !== 'VirtualService') return;
    for (const route of vs.http) checkRule(vs, route, out);
  },
});
