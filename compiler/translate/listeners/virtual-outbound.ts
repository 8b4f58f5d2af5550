/**
 * The sidecar's outbound entry point, as Istio's: iptables redirects every outbound
 * connection to 15001; `useOriginalDst` hands it to the `0.0.0.0_PORT` listener of its
 * original port, and what no listener takes is forwarded unchanged to its original
 * destination (`PassthroughCluster`, an ORIGINAL_DST cluster: outbound traffic policy
 * ALLOW_ANY, Istio's default).
 */
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { Resource } from '../types.ts';
import { socketAddress, tcpProxy } from './filters.ts';

export const VIRTUAL_OUTBOUND_LISTENER_NAME = 'virtualOutbound';
export const VIRTUAL_OUTBOUND_PORT = 15001;
/** The ORIGINAL_DST cluster the clusters translator provides for traffic to unknown destinations. */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

export function virtualOutboundListener(): Resource {
  return {
    typeUrl: RESOURCE_TYPE_URLS.listener,
    name: VIRTUAL_OUTBOUND_LISTENER_NAME,
    json: {
      name: VIRTUAL_OUTBOUND_LISTENER_NAME,
      address: socketAddress('0.0.0.0', VIRTUAL_OUTBOUND_PORT),
      trafficDirection: 'OUTBOUND',
      useOriginalDst: true,
      filterChains: [{ name: 'virtualOutbound-catchall-tcp', filters: [tcpProxy(PASSTHROUGH_CLUSTER, { cluster: PASSTHROUGH_CLUSTER })] }],
    },
    sources: [],
  };
}
