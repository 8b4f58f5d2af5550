import type { Resource, TranslateContext } from '../types.ts';

/** RouteConfigurations for the proxy class (envoy: one per outbound port; grpc: one per host:port). */
export function translateRoutes(_ctx: TranslateContext): Resource[] {
  return [];
}
