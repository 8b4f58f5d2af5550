/**
 * CORS (Istio `TranslateCORSPolicy`) → envoy.extensions.filters.http.cors.v3.CorsPolicy in
 * `typed_per_filter_config["envoy.filters.http.cors"]`: origins as string matchers (legacy
 * `allowOrigin` strings as exact matches), lists joined with commas, maxAge in whole
 * seconds, filter enabled for every request, unmatched preflights forwarded unless
 * `unmatchedPreflights: IGNORE`.
 */
import type { JsonObject } from '../../xds/index.ts';
import { isRecord } from '../../model/index.ts';
import { durationNanos } from './duration.ts';
import { stringMatcher } from './match.ts';

export const CORS_FILTER = 'envoy.filters.http.cors';
const CORS_POLICY = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

function joined(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const items = value.filter((v): v is string => typeof v === 'string');
  return items.length > 0 ? items.join(',') : undefined;
}

export function translateCors(policy: unknown): JsonObject | undefined {
  if (!isRecord(policy)) return undefined;
  const out: JsonObject = { '@type': CORS_POLICY };
  if (Array.isArray(policy.allowOrigins)) {
    const matchers: JsonObject[] = [];
    for (const m of policy.allowOrigins) {
      const matcher = stringMatcher(m);
      if (matcher) matchers.push(matcher);
    }
    out.allowOriginStringMatch = matchers;
  } else if (Array.isArray(policy.allowOrigin)) {
    out.allowOriginStringMatch = policy.allowOrigin.filter((o): o is string => typeof o === 'string').map((exact) => ({ exact }));
  }
  const methods = joined(policy.allowMethods);
  if (methods !== undefined) out.allowMethods = methods;
  const headers = joined(policy.allowHeaders);
  if (headers !== undefined) out.allowHeaders = headers;
  const expose = joined(policy.exposeHeaders);
  if (expose !== undefined) out.exposeHeaders = expose;
  const maxAge = durationNanos(policy.maxAge);
  if (maxAge !== undefined) out.maxAge = String(Math.floor(maxAge / 1e9));
  if (typeof policy.allowCredentials === 'boolean') out.allowCredentials = policy.allowCredentials;
  out.filterEnabled = { defaultValue: { numerator: 100, denominator: 'HUNDRED' } };
  out.forwardNotMatchingPreflights = policy.unmatchedPreflights !== 'IGNORE';
  return out;
}
