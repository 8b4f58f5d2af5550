/**
 * A Rollout of the policy model → the RolloutSpec the controller runs: steps typed, durations
 * in ms, defaults applied, and a fingerprint of what starts a new rollout (the Rollout's spec
 * and its canary subset's labels). The schema and analyzers have already rejected bad input;
 * what is left here is defaults and conversion.
 */
import { createHash } from 'node:crypto';
import type { PolicyModel, Rollout } from '../../compiler/index.ts';
import { arr, dig, isRecord, num, rec, str } from '../../compiler/model/index.ts';
import { durationNanos } from '../../compiler/schema/index.ts';
import type { AnalysisArg, AnalysisRef, AnalysisStepSpec, PromotionMode, RolloutSpec, StepSpec } from './types.ts';

export const DEFAULT_PROGRESS_DEADLINE_MS = 600_000;
export const DEFAULT_ACK_DEADLINE_MS = 30_000;

export function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const nanos = durationNanos(value);
  return nanos === undefined ? undefined : Number(nanos / 1_000_000n);
}

function analysisOf(value: unknown): AnalysisStepSpec {
  const templates: AnalysisRef[] = [];
  for (const t of arr(dig(value, 'templates'))) {
    const name = str(dig(t, 'templateName'));
    if (name === undefined) continue;
    templates.push(dig(t, 'clusterScope') === true ? { templateName: name, clusterScope: true } : { templateName: name });
  }
  const args: AnalysisArg[] = [];
  for (const a of arr(dig(value, 'args'))) {
    const name = str(dig(a, 'name'));
    const v = str(dig(a, 'value'));
    if (name !== undefined && v !== undefined) args.push({ name, value: v });
  }
  return { templates, args };
}

function stepOf(raw: Readonly<Record<string, unknown>>): StepSpec | undefined {
  if ('setWeight' in raw) return { kind: 'setWeight', weight: Math.max(0, Math.min(100, num(raw.setWeight) ?? 0)) };
  if ('pause' in raw) {
    const ms = durationMs(dig(raw.pause, 'duration'));
    return ms === undefined ? { kind: 'pause' } : { kind: 'pause', durationMs: ms };
  }
  if ('analysis' in raw) return { kind: 'analysis', ...analysisOf(raw.analysis) };
  if ('setHeaderRoute' in raw) {
    const match = arr(dig(raw.setHeaderRoute, 'match')).flatMap((m) => {
      const headerName = str(dig(m, 'headerName'));
      const value = rec(dig(m, 'headerValue'));
      if (headerName === undefined || !value) return [];
      const headerValue: { exact?: string; prefix?: string; regex?: string } = {};
      for (const k of ['exact', 'prefix', 'regex'] as const) if (typeof value[k] === 'string') headerValue[k] = value[k];
      return [{ headerName, headerValue }];
    });
    const name = str(dig(raw.setHeaderRoute, 'name'));
    return { kind: 'setHeaderRoute', headerRoute: name === undefined ? { match } : { name, match } };
  }
  if ('setMirrorRoute' in raw) {
    const name = str(dig(raw.setMirrorRoute, 'name'));
    const percentage = num(dig(raw.setMirrorRoute, 'percentage')) ?? 0;
    return name === undefined ? { kind: 'setMirrorRoute', percentage } : { kind: 'setMirrorRoute', percentage, name };
  }
  return undefined;
}

function windowsOf(value: unknown): string[] {
  return arr(value).flatMap((w) => {
    if (typeof w === 'string') return [w];
    const text = str(dig(w, 'schedule')) ?? str(dig(w, 'cron'));
    return text === undefined ? [] : [text];
  });
}

function canaryLabels(model: PolicyModel, rollout: Rollout): Record<string, string> | undefined {
  const destination = rollout.targetRoute?.destinations.find((d) => d.subset === rollout.canarySubset);
  return destination?.resolvedSubset ? { ...destination.resolvedSubset.labels } : undefined;
}

export function fingerprintOf(model: PolicyModel, rollout: Rollout): string {
  const canonical = JSON.stringify({ spec: rollout.raw, canary: canaryLabels(model, rollout) ?? null }, (_k, v: unknown) =>
    isRecord(v) && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** `reviews.shop.svc.cluster.local` → reviews in shop; another host → its first label, in the rollout's namespace. */
function serviceOf(rollout: Rollout): { name: string; namespace: string } {
  const destination = rollout.targetRoute?.destinations.find((d) => d.subset === rollout.canarySubset) ?? rollout.targetRoute?.destinations[0];
  const fqdn = destination?.host.fqdn ?? rollout.virtualServiceName;
  const labels = fqdn.split('.');
  const kubernetes = labels.length >= 3 && labels[2] === 'svc';
  return { name: labels[0] ?? fqdn, namespace: kubernetes ? (labels[1] ?? rollout.namespace) : rollout.namespace };
}

export function rolloutSpec(model: PolicyModel, rollout: Rollout): RolloutSpec {
  const raw = rollout.raw;
  const steps = rollout.steps.flatMap((s) => {
    const step = stepOf(s.raw);
    return step ? [step] : [];
  });
  const promotionMode = str(dig(raw, 'promotion', 'mode'));
  const mode: PromotionMode = promotionMode === 'pull-request' || promotionMode === 'none' ? promotionMode : 'commit';
  const spec: RolloutSpec = {
    key: `${rollout.namespace}/${rollout.name}`,
    namespace: rollout.namespace,
    name: rollout.name,
    virtualService: rollout.virtualServiceName,
    route: rollout.route ?? rollout.targetRoute?.name ?? rollout.targetRoute?.index ?? 0,
    stableSubset: rollout.stableSubset,
    canarySubset: rollout.canarySubset,
    service: serviceOf(rollout),
    steps,
    progressDeadlineMs: durationMs(raw.progressDeadline) ?? DEFAULT_PROGRESS_DEADLINE_MS,
    ackDeadlineMs: durationMs(raw.ackDeadline) ?? DEFAULT_ACK_DEADLINE_MS,
    windows: windowsOf(raw.windows),
    promotion: { mode, recordRollback: dig(raw, 'promotion', 'recordRollback') === true },
    fingerprint: fingerprintOf(model, rollout),
  };
  if (isRecord(raw.analysis)) spec.background = { ...analysisOf(raw.analysis), startingStep: num(raw.analysis.startingStep) ?? 0 };
  if (rollout.virtualService) spec.virtualServiceFile = rollout.virtualService.doc.file;
  return spec;
}
