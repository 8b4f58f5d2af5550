/**
 * Where a route sends traffic: cluster names (Istio `GetDestinationCluster`) and weights.
 *
 * - Port: the destination's, else the service's only port, else the listener port.
 * - One destination → `cluster`, whatever its weight (Istio). Several → `weighted_clusters`
 *   with weight-0 (or weightless) destinations dropped and the weights kept exactly as
 *   written (Envoy no longer needs a sum of 100); a single one left → `cluster`.
 * - Gateway API: backend weights default to 1; weight 0 means no traffic even for a lone
 *   backend, and a rule whose backends all have weight 0 answers 500.
 * - Weight overlays (the rollout controller's current weights) replace the weight of each
 *   destination whose subset they name, before any of the above. An overlay's header route
 *   (vhost.ts) and mirror (route.ts) are added the same way: as inputs, never as patches.
 */
import type { RouteDestination, VirtualService } from '../../model/index.ts';
import type { TranslateContext, WeightOverlay } from '../types.ts';
import { clusterName } from '../naming.ts';

/** Cluster name for traffic to `host` (FQDN) with an optional explicit port and subset. */
export function destinationCluster(ctx: TranslateContext, host: string, port: number | undefined, subset: string | undefined, listenPort: number): string {
  let p = port;
  if (p === undefined) {
    const service = ctx.index.servicesFor(host)[0];
    p = service && service.ports.length === 1 ? (service.ports[0]?.number ?? listenPort) : listenPort;
  }
  return clusterName('outbound', p, subset === '' ? undefined : subset, host);
}

export interface WeightedDestination {
  destination: RouteDestination;
  /** Index in the rule's destination list (its source node). */
  index: number;
  weight: number;
}

export type Target =
  | { kind: 'single'; destination: RouteDestination; index: number }
  | { kind: 'weighted'; destinations: WeightedDestination[] }
  /** Nothing can receive traffic: Gateway API → 500; Istio → an empty split (verify reports it). */
  | { kind: 'none' };

/** Overlays by `namespace/name` of the VirtualService they target. */
export type OverlayIndex = ReadonlyMap<string, readonly WeightOverlay[]>;

export function indexOverlays(overlays: readonly WeightOverlay[] | undefined): OverlayIndex {
  const out = new Map<string, WeightOverlay[]>();
  for (const o of overlays ?? []) {
    const key = `${o.namespace}/${o.virtualService}`;
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(o);
  }
  return out;
}

/** The overlay for a rule (by name or index), or undefined. */
export function overlayFor(overlays: OverlayIndex, vs: VirtualService, rule: { index: number; name?: string }): WeightOverlay | undefined {
  if (overlays.size === 0) return undefined;
  const list = overlays.get(`${vs.namespace}/${vs.name}`);
  if (!list) return undefined;
  for (const o of list) {
    if (o.route === rule.index || (rule.name !== undefined && o.route === rule.name)) return o;
  }
  return undefined;
}

function weightOf(d: RouteDestination, overlay: Readonly<Record<string, number>> | undefined): number | undefined {
  if (overlay && d.subset !== undefined && Object.prototype.hasOwnProperty.call(overlay, d.subset)) return overlay[d.subset];
  return d.weight;
}

/** Where a rule's traffic goes, with overlay weights applied. */
export function targetOf(vs: VirtualService, destinations: readonly RouteDestination[], overlay?: Readonly<Record<string, number>>): Target {
  const gateway = vs.sourceKind !== 'VirtualService';
  if (destinations.length === 0) return { kind: 'none' };
  if (destinations.length === 1 && !gateway && !overlay) return { kind: 'single', destination: destinations[0] as RouteDestination, index: 0 };
  const kept: WeightedDestination[] = [];
  for (let index = 0; index < destinations.length; index++) {
    const destination = destinations[index] as RouteDestination;
    const w = weightOf(destination, overlay) ?? (gateway ? 1 : destinations.length === 1 ? 100 : 0);
    if (w !== 0) kept.push({ destination, index, weight: w });
  }
  if (kept.length === 0) {
    // a lone Istio destination always gets the traffic, even with an overlay weight of 0
    if (!gateway && destinations.length === 1) return { kind: 'single', destination: destinations[0] as RouteDestination, index: 0 };
    return { kind: 'none' };
  }
  if (kept.length === 1) {
    const only = kept[0] as WeightedDestination;
    if (only.weight > 0) return { kind: 'single', destination: only.destination, index: only.index };
  }
  return { kind: 'weighted', destinations: kept };
}
