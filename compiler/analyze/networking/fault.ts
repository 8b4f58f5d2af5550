/**
 * Fault injection, mirroring percentages and status codes:
 * SLU4013 a fault that injects nothing (no abort and no delay; an abort without an error
 *   type; a delay without fixedDelay; the unsupported http2Error / exponentialDelay);
 * SLU4014 a percentage outside 0–100 (fault abort/delay, mirrorPercentage, mirrors[]);
 * SLU4015 an HTTP status Envoy will not send (abort httpStatus, directResponse status:
 *   200–599), or an unknown gRPC status name.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import { isRecord } from '../../model/index.ts';
import type { VirtualService } from '../../model/index.ts';
import { at, describeRule, perVirtualService } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const INCOMPLETE_FAULT = defineCode({
  code: 'SLU4013',
  stage: 'networking',
  severity: 'error',
  title: 'Fault injection injects nothing',
  hint: 'Give the fault an abort (httpStatus or grpcStatus, with a percentage) and/or a delay (fixedDelay, with a percentage).',
});

export const PERCENTAGE_OUT_OF_RANGE = defineCode({
  code: 'SLU4014',
  stage: 'networking',
  severity: 'error',
  title: 'Percentage outside 0–100',
  hint: 'Percentages are between 0 and 100 (fractions allowed: 0.1 is one request in a thousand).',
});

export const INVALID_STATUS = defineCode({
  code: 'SLU4015',
  stage: 'networking',
  severity: 'error',
  title: 'Invalid status code',
  hint: 'HTTP statuses for aborts and direct responses are 200–599; gRPC statuses are names such as UNAVAILABLE or DEADLINE_EXCEEDED.',
});

const GRPC_STATUS_NAMES = new Set([
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
]);

function checkPercentage(vs: VirtualService, value: unknown, path: readonly PathSegment[], what: string, out: Diagnostic[]): void {
  if (typeof value !== 'number' || (value >= 0 && value <= 100)) return;
  out.push(diagnostic(PERCENTAGE_OUT_OF_RANGE, at(vs, path), `${what} is ${value}%; it must be between 0 and 100`));
}

function checkHttpStatus(vs: VirtualService, value: unknown, path: readonly PathSegment[], what: string, out: Diagnostic[]): void {
  if (typeof value !== 'number' || (value >= 200 && value <= 599)) return;
  const why = value === 600 ? 'Istio accepts 600 but Envoy rejects it' : 'Istio rejects it';
  out.push(diagnostic(INVALID_STATUS, at(vs, path), `${what} ${value} is not an HTTP status between 200 and 599 (${why})`));
}

function checkFault(vs: VirtualService, fault: unknown, base: readonly PathSegment[], rule: string, out: Diagnostic[]): void {
  if (!isRecord(fault)) return;
  const abort = fault.abort;
  const delay = fault.delay;
  if (abort === undefined && delay === undefined) {
    out.push(diagnostic(INCOMPLETE_FAULT, at(vs, base, 'key'), `the fault of ${rule} has neither abort nor delay, so it injects nothing (Istio rejects it)`));
    return;
  }
  if (isRecord(abort)) {
    const path = [...base, 'abort'];
    if (abort.http2Error !== undefined) {
      out.push(diagnostic(INCOMPLETE_FAULT, at(vs, [...path, 'http2Error'], 'key'), `abort.http2Error of ${rule} is not supported by Istio; use httpStatus or grpcStatus`));
    } else if (abort.httpStatus === undefined && abort.grpcStatus === undefined) {
      out.push(diagnostic(INCOMPLETE_FAULT, at(vs, path, 'key'), `the abort of ${rule} has no httpStatus or grpcStatus, so it aborts nothing`, { severity: 'warning' }));
    }
    checkHttpStatus(vs, abort.httpStatus, [...path, 'httpStatus'], `abort httpStatus of ${rule}`, out);
    if (typeof abort.grpcStatus === 'string' && !GRPC_STATUS_NAMES.has(abort.grpcStatus)) {
      out.push(diagnostic(INVALID_STATUS, at(vs, [...path, 'grpcStatus']), `abort grpcStatus "${abort.grpcStatus}" of ${rule} is not a gRPC status name (UNAVAILABLE, DEADLINE_EXCEEDED, ...)`));
    }
    checkPercentage(vs, isRecord(abort.percentage) ? abort.percentage.value : undefined, [...path, 'percentage', 'value'], `abort percentage of ${rule}`, out);
  }
  if (isRecord(delay)) {
    const path = [...base, 'delay'];
    if (delay.exponentialDelay !== undefined) {
      out.push(diagnostic(INCOMPLETE_FAULT, at(vs, [...path, 'exponentialDelay'], 'key'), `delay.exponentialDelay of ${rule} is not supported by Istio; use fixedDelay`));
    } else if (delay.fixedDelay === undefined) {
      out.push(diagnostic(INCOMPLETE_FAULT, at(vs, path, 'key'), `the delay of ${rule} has no fixedDelay, so it delays nothing (Envoy rejects a delay without a duration)`));
    }
    checkPercentage(vs, isRecord(delay.percentage) ? delay.percentage.value : undefined, [...path, 'percentage', 'value'], `delay percentage of ${rule}`, out);
    checkPercentage(vs, delay.percent, [...path, 'percent'], `delay percent of ${rule}`, out);
  }
}

export const faults: Analyzer = perVirtualService({
  name: 'faults',
  codes: [INCOMPLETE_FAULT, PERCENTAGE_OUT_OF_RANGE, INVALID_STATUS],
  check(vs, model, out) {
    if (vs.sourceKind !== 'VirtualService') return;
    for (const route of vs.http) {
      const raw = route.raw;
      const rule = describeRule(route);
      checkFault(vs, raw.fault, [...route.path, 'fault'], rule, out);
      checkPercentage(vs, isRecord(raw.mirrorPercentage) ? raw.mirrorPercentage.value : undefined, [...route.path, 'mirrorPercentage', 'value'], `mirrorPercentage of ${rule}`, out);
      checkPercentage(vs, typeof raw.mirrorPercent === 'number' ? raw.mirrorPercent : undefined, [...route.path, 'mirrorPercent'], `mirrorPercent of ${rule}`, out);
      if (Array.isArray(raw.mirrors)) {
        raw.mirrors.forEach((m, i) => {
          if (isRecord(m) && isRecord(m.percentage)) checkPercentage(vs, m.percentage.value, [...route.path, 'mirrors', i, 'percentage', 'value'], `mirror percentage of ${rule}`, out);
        });
      }
      if (isRecord(raw.directResponse)) checkHttpStatus(vs, raw.directResponse.status, [...route.path, 'directResponse', 'status'], `directResponse status of ${rule}`, out);
    }
  },
});
