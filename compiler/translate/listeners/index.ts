/**
 * Listeners for one proxy class.
 *
 * - envoy: `virtualOutbound` (15001, original destination, passthrough), one outbound
 *   listener per port of the services the proxy can call (`0.0.0.0_PORT`: HTTP with RDS,
 *   or TCP), and `virtualInbound` (15006) with filter chains per served port and mTLS mode,
 *   carrying jwt_authn and RBAC;
 * - grpc: one `api_listener` per target name and port of the services the proxy can call,
 *   and one server listener per IP:port the class's workloads serve.
 *
 * Every listener carries a source map back to the policy nodes behind its parts; what a
 * flavor cannot express is reported (SLU7040–SLU7059), never dropped silently. Output is
 * sorted by name.
 */
import type { Resource, TranslateContext } from '../types.ts';
import { envoyInboundListener } from './envoy-inbound.ts';
import { envoyOutboundListeners } from './envoy-outbound.ts';
import { grpcClientListeners } from './grpc-client.ts';
import { grpcServerListeners } from './grpc-server.ts';
import { Reporter } from './sources.ts';
import { virtualOutboundListener } from './virtual-outbound.ts';

export { inboundClusterName } from './envoy-inbound.ts';
export { peerAuthenticationMode } from './peer-authentication.ts';
export type { EffectiveMode, PeerAuthenticationDecision } from './peer-authentication.ts';
export { PASSTHROUGH_CLUSTER } from './virtual-outbound.ts';

function byName(a: Resource, b: Resource): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Listeners: envoy outbound per port and inbound (mTLS, RBAC, JWT); grpc api_listeners and server listeners. */
export function translateListeners(ctx: TranslateContext): Resource[] {
  const reporter = new Reporter(ctx);
  const out: Resource[] = [];
  if (ctx.proxy.flavor === 'envoy') {
    out.push(virtualOutboundListener());
    out.push(...envoyOutboundListeners(ctx, reporter));
    const inbound = envoyInboundListener(ctx, reporter);
    if (inbound) out.push(inbound);
  } else {
    for (const r of grpcClientListeners(ctx, reporter)) out.push(r);
    for (const r of grpcServerListeners(ctx, reporter)) out.push(r);
  }
  return out.sort(byName);
}
