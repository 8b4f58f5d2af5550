/**
 * Fault injection (Istio `TranslateFault`) → envoy.extensions.filters.http.fault.v3.HTTPFault,
 * carried per route in `typed_per_filter_config["envoy.filters.http.fault"]`.
 *
 * Percentages are per million (`percentage.value` 0.1 → 1000/MILLION); the legacy integer
 * `percent` of a delay is per hundred. An absent percentage is written as 0 (Istio: no
 * request is affected) because gRPC clients reject a fault without one. Abort by
 * `httpStatus` or `grpcStatus` (a gRPC code name); delay by `fixedDelay`. Exponential delays
 * and HTTP/2 error aborts have no Envoy equivalent and are reported.
 */
import type { JsonObject } from '../../xds/index.ts';
import { isRecord } from '../../model/index.ts';
import { envoyDuration } from './duration.ts';

export const FAULT_FILTER = 'envoy.filters.http.fault';
const HTTP_FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

const GRPC_CODES: Readonly<Record<string, number>> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** Istio Percent `{value}` (0–100, fractional) → FractionalPercent per million. */
export function perMillion(percentage: unknown): JsonObject | undefined {
  if (!isRecord(percentage)) return undefined;
  const value = typeof percentage.value === 'number' && Number.isFinite(percentage.value) ? percentage.value : 0;
  return { numerator: Math.max(0, Math.round(value * 10_000)), denominator: 'MILLION' };
}

/** An integer percent (legacy fields) → FractionalPercent per hundred. */
export function perHundred(percent: number): JsonObject {
  return { numerator: Math.max(0, Math.trunc(percent)), denominator: 'HUNDRED' };
}

export interface TranslatedFault {
  /** The HTTPFault Any, or undefined when nothing translatable is left. */
  config?: JsonObject;
  /** Parts without an Envoy equivalent (reported, left out). */
  unsupported: string[];
}

export function translateFault(fault: unknown): TranslatedFault {
  const unsupported: string[] = [];
  if (!isRecord(fault)) return { unsupported };
  const out: JsonObject = { '@type': HTTP_FAULT };
  const delay = fault.delay;
  if (isRecord(delay)) {
    const fixed = envoyDuration(delay.fixedDelay);
    if (fixed !== undefined) {
      const percentage = perMillion(delay.percentage) ?? perHundred(typeof delay.percent === 'number' ? delay.percent : 0);
      out.delay = { fixedDelay: fixed, percentage };
    } else if (delay.exponentialDelay !== undefined) {
      unsupported.push('fault.delay.exponentialDelay');
    }
  }
  const abort = fault.abort;
  if (isRecord(abort)) {
    const percentage = perMillion(abort.percentage) ?? { numerator: 0, denominator: 'MILLION' };
    if (typeof abort.httpStatus === 'number') {
      out.abort = { httpStatus: abort.httpStatus, percentage };
    } else if (typeof abort.grpcStatus === 'string' && GRPC_CODES[abort.grpcStatus] !== undefined) {
      out.abort = { grpcStatus: GRPC_CODES[abort.grpcStatus] as number, percentage };
    } else if (abort.http2Error !== undefined) {
      unsupported.push('fault.abort.http2Error');
    }
  }
  if (out.delay === undefined && out.abort === undefined) return { unsupported };
  return { config: out, unsupported };
}
