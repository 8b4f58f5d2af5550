/**
 * Retry policies (VirtualService `http[].retries`):
 * SLU4009 retry settings while attempts is 0 or absent: retries are off, the settings are
 *   ignored (Istio's admission webhook rejects the combination);
 * SLU4010 negative attempts;
 * SLU4011 a retryOn token neither Envoy's HTTP nor gRPC retry conditions know, nor an
 *   HTTP status code (Istio rejects it; `5xx, reset` with a space is one of them);
 * SLU4012 perTryTimeout not shorter than the route timeout: the first try may use the
 *   whole budget, so retries after a per-try timeout never happen.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import { isRecord } from '../../model/index.ts';
import { at, describeRule, formatMs, parseDurationMs, perVirtualService } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const RETRIES_DISABLED = defineCode({
  code: 'SLU4009',
  stage: 'networking',
  severity: 'warning',
  title: 'Retry settings with retries disabled',
  hint: 'Set `attempts` to the number of retries you want (retries are off when it is 0 or absent), or remove the other retry settings.',
});

export const NEGATIVE_RETRY_ATTEMPTS = defineCode({
  code: 'SLU4010',
  stage: 'networking',
  severity: 'error',
  title: 'Negative retry attempts',
  hint: 'attempts is the number of retries: 0 disables retries, a positive number enables them.',
});

export const UNKNOWN_RETRY_ON = defineCode({
  code: 'SLU4011',
  stage: 'networking',
  severity: 'error',
  title: 'Unknown retryOn condition',
  hint: 'retryOn is a comma-separated list without spaces of Envoy retry conditions (5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, ...; for gRPC cancelled, deadline-exceeded, internal, resource-exhausted, unavailable) or HTTP status codes.',
});

export const PER_TRY_TIMEOUT_TOO_LONG = defineCode({
  code: 'SLU4012',
  stage: 'networking',
  severity: 'warning',
  title: 'perTryTimeout not shorter than the route timeout',
  hint: 'Make perTryTimeout shorter than the route timeout (e.g. timeout / (attempts + 1)); the route timeout covers all tries together.',
});

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on conditions, as Istio accepts them. */
export const RETRY_ON_CONDITIONS: ReadonlySet<string> = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** HTTP status codes with a registered name (what Istio's check, Go's http.StatusText, knows). */
const HTTP_STATUS_CODES: ReadonlySet<number> = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406,
  407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506,
  507, 508, 510, 511,
]);

export function retryOnProblems(retryOn: string): string[] {
  const problems: string[] = [];
  for (const token of retryOn.split(',')) {
    if (RETRY_ON_CONDITIONS.has(token)) continue;
    if (/^\d+$/.test(token) && HTTP_STATUS_CODES.has(Number(token))) continue;
    if (token === '') problems.push('an empty condition (stray comma)');
    else if (token.trim() !== token && (RETRY_ON_CONDITIONS.has(token.trim()) || HTTP_STATUS_CODES.has(Number(token.trim())))) problems.push(`"${token}" (spaces are not allowed around conditions)`);
    else if (/^\d+$/.test(token)) problems.push(`"${token}" (not an HTTP status code)`);
    else problems.push(`"${token}"`);
  }
  return problems;
}

export const retries: Analyzer = perVirtualService({
  name: 'retries',
  codes: [RETRIES_DISABLED, NEGATIVE_RETRY_ATTEMPTS, UNKNOWN_RETRY_ON, PER_TRY_TIMEOUT_TOO_LONG],
  check(vs, model, out) {
    if (vs.sourceKind !== 'VirtualService') return;
    for (const route of vs.http) {
      const r = route.raw.retries;
      if (!isRecord(r)) continue;
      const path = [...route.path, 'retries'];
      const rule = describeRule(route);
      const attempts = typeof r.attempts === 'number' ? r.attempts : undefined;
      if (attempts !== undefined && attempts < 0) {
        out.push(diagnostic(NEGATIVE_RETRY_ATTEMPTS, at(vs, [...path, 'attempts']), `retries.attempts of ${rule} is ${attempts}; it must be 0 (no retries) or more`));
      } else if (attempts === undefined || attempts === 0) {
        const configured = ['perTryTimeout', 'retryOn', 'retryRemoteLocalities', 'backoff', 'retryIgnorePreviousHosts'].filter((k) => r[k] !== undefined);
        if (configured.length > 0) {
          out.push(
            diagnostic(
              RETRIES_DISABLED,
              at(vs, attempts === undefined ? path : [...path, 'attempts'], attempts === undefined ? 'key' : 'value'),
              `retries of ${rule} set ${configured.join(', ')} but attempts is ${attempts === undefined ? 'absent (0)' : '0'}, which turns retries off: the settings are ignored (Istio's validation rejects this combination)`,
            ),
          );
        }
      }
      if (typeof r.retryOn === 'string') {
        const problems = retryOnProblems(r.retryOn);
        if (problems.length > 0) {
          out.push(
            diagnostic(UNKNOWN_RETRY_ON, at(vs, [...path, 'retryOn']), `retryOn "${r.retryOn}" of ${rule} has ${problems.length > 1 ? 'unknown conditions' : 'an unknown condition'}: ${problems.join(', ')}`),
          );
        }
      }
      const perTry = parseDurationMs(r.perTryTimeout);
      const timeout = parseDurationMs(route.raw.timeout);
      if ((attempts ?? 0) > 0 && perTry !== undefined && timeout !== undefined && timeout > 0 && perTry >= timeout) {
        out.push(
          diagnostic(
            PER_TRY_TIMEOUT_TOO_LONG,
            at(vs, [...path, 'perTryTimeout']),
            `perTryTimeout ${formatMs(perTry)} of ${rule} is not shorter than its timeout ${formatMs(timeout)}: the route timeout covers all tries, so a try that times out leaves no time to retry`,
          ),
        );
      }
    }
  },
});
