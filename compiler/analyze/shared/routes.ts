/**
 * Iteration over every route destination of every VirtualService (Gateway API routes
 * included, in their converted form), with the weight Istio/Envoy will actually give it.
 */
import type { HttpRoute, PolicyModel, RouteDestination, TcpTlsRoute, VirtualService } from '../../model/types.ts';

export interface DestinationUse {
  vs: VirtualService;
  route: HttpRoute | TcpTlsRoute;
  section: 'http' | 'tcp' | 'tls';
  destination: RouteDestination;
  /** The share of traffic it receives, in the route's own units (100 for a lone destination). */
  effectiveWeight: number;
}

/**
 * Istio sends everything to a lone destination whatever its weight; with several, a
 * destination without a weight gets 0. Gateway API: weight defaults to 1, and 0 means no
 * traffic even for a single backend.
 */
export function effectiveWeight(vs: VirtualService, destinations: readonly RouteDestination[], d: RouteDestination): number {
  if (vs.sourceKind !== 'VirtualService') return d.weight ?? 1;
  if (destinations.length === 1) return 100;
  return d.weight ?? 0;
}

export function* routesOf(vs: VirtualService): Generator<{ route: HttpRoute | TcpTlsRoute; section: 'http' | 'tcp' | 'tls' }> {
  for (const route of vs.http) yield { route, section: 'http' };
  for (const route of vs.tcp) yield { route, section: 'tcp' };
  for (const route of vs.tls) yield { route, section: 'tls' };
}

const SECTIONS = ['http', 'tcp', 'tls'] as const;

export function forEachDestination(model: PolicyModel, visit: (use: DestinationUse) => void): void {
  for (const vs of model.virtualServices) forEachDestinationOf(vs, visit);
}

export function forEachDestinationOf(vs: VirtualService, visit: (use: DestinationUse) => void): void {
  for (const section of SECTIONS) {
    const routes: readonly (HttpRoute | TcpTlsRoute)[] = vs[section];
    for (let r = 0; r < routes.length; r++) {
      const route = routes[r] as HttpRoute | TcpTlsRoute;
      const destinations = route.destinations;
      for (let d = 0; d < destinations.length; d++) {
        const destination = destinations[d] as RouteDestination;
        visit({ vs, route, section, destination, effectiveWeight: effectiveWeight(vs, destinations, destination) });
      }
    }
  }
}
