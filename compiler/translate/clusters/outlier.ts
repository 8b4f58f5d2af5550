/**
 * DestinationRule `outlierDetection` → the cluster's outlier detection.
 *
 * Envoy, as Istio: success-rate ejection off (`enforcingSuccessRate: 0`);
 * consecutive5xxErrors → consecutive5xx (enforced 100%, or 0 to turn it off),
 * consecutiveGatewayErrors → consecutiveGatewayFailure (same), interval, baseEjectionTime,
 * maxEjectionPercent; splitExternalLocalOriginErrors / consecutiveLocalOriginFailures;
 * minHealthPercent → commonLbConfig.healthyPanicThreshold (0 when unset: Istio turns
 * Envoy's panic mode off). Envoy's own defaults apply to what is unset (5 consecutive 5xx).
 *
 * gRPC (@grpc/grpc-js-xds) ignores the consecutive_* fields: it reads interval,
 * baseEjectionTime, maxEjectionTime, maxEjectionPercent, and the success-rate and
 * failure-percentage fields (success rate is on unless enforcingSuccessRate is 0). So the
 * consecutive-errors rule is sent as a failure-percentage rule that ejects exactly what it
 * would in the least traffic that can trigger it: with N the smallest enabled count
 * (consecutive5xxErrors, default 5, and consecutiveGatewayErrors; gRPC counts every non-OK
 * status as a failure), an endpoint is ejected when, within one interval, it served at
 * least N calls (failurePercentageRequestVolume N) and more than (N-1)/N of them failed
 * (failurePercentageThreshold ⌊100(N-1)/N⌋; with exactly N calls that is all N, i.e. N
 * failures in a row), enforced always (enforcingFailurePercentage 100), even when it is the
 * only endpoint with traffic (failurePercentageMinimumHosts 1; gRPC's default of 5 would
 * never eject anything in a small cluster). Success-rate ejection stays off, as in Istio.
 */
import { DEPRECATED_IGNORED, OUTLIER_UNSUPPORTED } from './codes.ts';
import { mapSource, UINT32_MAX, type ClusterDraft } from './draft.ts';
import { bool, count, duration, sharedPart, memo, type Part } from './json.ts';

/** Envoy's default consecutive_5xx when outlier detection is configured. */
const ENVOY_DEFAULT_CONSECUTIVE_5XX = 5;

function common(outlier: Part, out: Record<string, unknown>): void {
  const interval = duration(outlier.value.interval);
  if (interval !== undefined && interval !== '0s') out.interval = interval;
  const base = duration(outlier.value.baseEjectionTime);
  if (base !== undefined && base !== '0s') out.baseEjectionTime = base;
  const percent = count(outlier.value.maxEjectionPercent);
  if (percent !== undefined && percent > 0) out.maxEjectionPercent = Math.min(percent, 100);
}

function deprecated(draft: ClusterDraft, outlier: Part): void {
  if (outlier.value.consecutiveErrors !== undefined) {
    draft.findings.at(DEPRECATED_IGNORED, outlier, `outlierDetection.consecutiveErrors is deprecated and ignored (as Istio does); ${draft.host} uses consecutive5xxErrors and consecutiveGatewayErrors only`, [
      'consecutiveErrors',
    ]);
  }
}

/** The consecutive-errors count gRPC clients are given as a failure-percentage rule, or undefined when both rules are off. */
export function grpcEjectionCount(outlier: Part): number | undefined {
  const fiveXx = count(outlier.value.consecutive5xxErrors) ?? ENVOY_DEFAULT_CONSECUTIVE_5XX;
  const gateway = count(outlier.value.consecutiveGatewayErrors) ?? 0;
  const enabled = [fiveXx, gateway].filter((n) => n > 0);
  return enabled.length === 0 ? undefined : Math.min(...enabled, UINT32_MAX);
}

function grpcJson(outlier: Part): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  common(outlier, out);
  out.enforcingSuccessRate = 0;
  const n = grpcEjectionCount(outlier);
  if (n !== undefined) {
    out.enforcingFailurePercentage = 100;
    out.failurePercentageThreshold = Math.floor((100 * (n - 1)) / n);
    out.failurePercentageMinimumHosts = 1;
    out.failurePercentageRequestVolume = n;
  }
  return out;
}

function grpcFindings(draft: ClusterDraft, outlier: Part): void {
  const minHealth = count(outlier.value.minHealthPercent);
  if (minHealth !== undefined && minHealth > 0) {
    draft.findings.at(OUTLIER_UNSUPPORTED, outlier, `gRPC clients have no panic threshold; minHealthPercent of ${draft.host} is not sent to them (they never send to ejected endpoints)`, [
      'minHealthPercent',
    ]);
  }
  for (const key of ['splitExternalLocalOriginErrors', 'consecutiveLocalOriginFailures']) {
    const value = outlier.value[key];
    if (value === undefined || value === null || value === false) continue;
    draft.findings.at(OUTLIER_UNSUPPORTED, outlier, `gRPC clients count every failed call alike; ${key} of ${draft.host} is not sent to them`, [key]);
  }
}

function envoyJson(outlier: Part): Record<string, unknown> {
  const out: Record<string, unknown> = { enforcingSuccessRate: 0 };
  const fiveXx = count(outlier.value.consecutive5xxErrors);
  if (fiveXx !== undefined) {
    out.consecutive5xx = Math.min(fiveXx, UINT32_MAX);
    out.enforcingConsecutive5xx = fiveXx > 0 ? 100 : 0;
  }
  const gateway = count(outlier.value.consecutiveGatewayErrors);
  if (gateway !== undefined) {
    out.consecutiveGatewayFailure = Math.min(gateway, UINT32_MAX);
    out.enforcingConsecutiveGatewayFailure = gateway > 0 ? 100 : 0;
  }
  common(outlier, out);
  if (bool(outlier.value.splitExternalLocalOriginErrors) === true) {
    out.splitExternalLocalOriginErrors = true;
    const local = count(outlier.value.consecutiveLocalOriginFailures);
    if (local !== undefined && local > 0) {
      out.consecutiveLocalOriginFailure = Math.min(local, UINT32_MAX);
      out.enforcingConsecutiveLocalOriginFailure = 100;
    }
    out.enforcingLocalOriginSuccessRate = 0;
  }
  return out;
}

const computed = new WeakMap<object, Map<string, Record<string, unknown>>>();
const PANIC_THRESHOLDS = new Map<number, unknown>();

export function applyOutlierDetection(draft: ClusterDraft, outlier: Part | undefined): void {
  if (!outlier) return;
  deprecated(draft, outlier);
  const grpc = draft.flavor === 'grpc';
  draft.json.outlierDetection = memo(computed, outlier.value, draft.flavor, () => sharedPart(grpc ? grpcJson(outlier) : envoyJson(outlier)));
  mapSource(draft, ['outlierDetection'], outlier);
  if (grpc) {
    grpcFindings(draft, outlier);
    return;
  }
  const minHealth = Math.min(count(outlier.value.minHealthPercent) ?? 0, 100);
  let threshold = PANIC_THRESHOLDS.get(minHealth);
  if (!threshold) PANIC_THRESHOLDS.set(minHealth, (threshold = sharedPart({ value: minHealth })));
  const commonLb = (draft.json.commonLbConfig ??= {}) as Record<string, unknown>;
  commonLb.healthyPanicThreshold = threshold;
  mapSource(draft, ['commonLbConfig', 'healthyPanicThreshold'], outlier);
}
