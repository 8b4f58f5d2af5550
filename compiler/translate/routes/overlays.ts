/**
 * Weight overlays that cannot apply are reported (SLU7007) where the policy can be pointed
 * at: a VirtualService that exists but has no such HTTP route, or a route without a
 * destination in one of the overlay's subsets (weights, header route or mirror). An overlay for a VirtualService that does
 * not exist has no policy node to point at; the rollout controller owns that case.
 */
import type { VirtualService } from '../../model/index.ts';
import type { TranslateContext, WeightOverlay } from '../types.ts';
import { OVERLAY_NOT_APPLIED } from './codes.ts';
import type { Reporter } from './report.ts';

function findVirtualService(ctx: TranslateContext, o: WeightOverlay): VirtualService | undefined {
  return (
    ctx.index.virtualService(o.namespace, o.virtualService) ??
    ctx.index.virtualService(o.namespace, o.virtualService, 'HTTPRoute') ??
    ctx.index.virtualService(o.namespace, o.virtualService, 'GRPCRoute')
  );
}

export function checkOverlays(ctx: TranslateContext, report: Reporter): void {
  for (const o of ctx.options.overlays ?? []) {
    const vs = findVirtualService(ctx, o);
    if (!vs) continue;
    const rule = vs.http.find((h) => h.index === o.route || (h.name !== undefined && h.name === o.route));
    const where = `${vs.sourceKind} ${vs.namespace}/${vs.name}`;
    if (!rule) {
      const section = vs.sourceKind === 'VirtualService' ? 'http' : 'rules';
      report.once(OVERLAY_NOT_APPLIED, vs.doc, ['spec', section], `weight overlay for route ${JSON.stringify(o.route)} of ${where}: it has no such HTTP route, so its written weights are used`);
      continue;
    }
    const subsets = new Set(rule.destinations.map((d) => d.subset));
    const missing = Object.keys(o.weights).filter((s) => !subsets.has(s));
    for (const extra of [o.headerRoute?.subset, o.mirror?.subset]) if (extra !== undefined && !subsets.has(extra) && !missing.includes(extra)) missing.push(extra);
    if (missing.length > 0) {
      report.once(
        OVERLAY_NOT_APPLIED,
        vs.doc,
        rule.path,
        `weight overlay for route ${JSON.stringify(o.route)} of ${where} sets weights for subset${missing.length === 1 ? '' : 's'} ${missing.map((m) => `"${m}"`).join(', ')}, which the route has no destination for: ${missing.length === 1 ? 'that weight (or header route, or mirror) is' : 'those are'} not applied`,
      );
    }
  }
}
