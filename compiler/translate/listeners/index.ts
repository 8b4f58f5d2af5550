import type { Resource, TranslateContext } from '../types.ts';

/** Listeners: envoy outbound per port and inbound (mTLS, RBAC, JWT); grpc api_listeners and server listeners. */
export function translateListeners(_ctx: TranslateContext): Resource[] {
  return [];
}
