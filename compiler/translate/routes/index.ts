/**
 * RouteConfigurations for a proxy class, with source maps.
 *
 * envoy: one per outbound port with HTTP services (`outboundRouteName(port)`), a virtual
 * host per service on the port. grpc: one per service and port (`grpcRouteName(host, port)`),
 * a single virtual host with domain `*`. Routes follow Istio's pilot (route.go, retry.go);
 * see the modules for each part of the mapping.
 */
import type { Resource, TranslateContext } from '../types.ts';
import { indexOverlays } from './destinations.ts';
import { envoyRouteConfigurations } from './envoy.ts';
import { grpcRouteConfigurations } from './grpc.ts';
import { HashPolicies } from './hash.ts';
import { checkOverlays } from './overlays.ts';
import { Reporter } from './report.ts';
import type { ReportCall } from './report.ts';
import { hostMemoOf } from './host-memo.ts';
import type { RouteContext } from './route.ts';
import { RouteSelector } from './select.ts';
import { visibleServices } from './services.ts';
import type { SourceRecorder } from './sources.ts';

export { isRoutedPort, serviceNames, visibleServices } from './services.ts';
export * as routeCodes from './codes.ts';

/** RouteConfigurations for the proxy class (envoy: one per outbound port; grpc: one per host:port). */
export function translateRoutes(ctx: TranslateContext): Resource[] {
  const memo = hostMemoOf(ctx);
  const report = new Reporter(ctx);
  const selector = new RouteSelector(ctx, report);
  const hashes = new HashPolicies(ctx);
  const overlays = indexOverlays(ctx.options.overlays);
  // with a memo, what the overlay checks report is recorded (routes/host-memo.ts)
  const prefix: ReportCall[] = [];
  if (memo) report.tap = prefix;
  checkOverlays(ctx, report);
  report.tap = undefined;
  const flavor = ctx.proxy.flavor;
  const contextFor = (listenPort: number, sources: SourceRecorder): RouteContext => ({
    ctx,
    flavor,
    listenPort,
    sources,
    report,
    hashes,
    overlays,
    directResponseBody: false,
  });
  const services = visibleServices(ctx);
  const built = flavor === 'grpc' ? grpcRouteConfigurations(services, selector, contextFor, memo) : envoyRouteConfigurations(services, ctx.proxy.namespace, selector, contextFor, memo);
  memo?.finish({ selector, hashes, overlays, prefix, report }, built.resources, built.assembly);
  return built.resources;
}
