/**
 * Envoy sidecar inbound clusters `inbound|PORT||`: where the inbound listener's filter chains
 * send a connection once it is accepted — the application on 127.0.0.1:PORT (a STATIC
 * cluster, as the listeners translator documents). One per port the workload serves,
 * exactly the ports the inbound listener has chains for (the listeners translator's
 * `inboundPorts`), with Istio's default limits and the port's upstream protocol (HTTP/2 for
 * HTTP2/GRPC/GRPC-WEB ports, the client's protocol for ports of unknown protocol).
 *
 * Proxyless gRPC servers have no inbound clusters (their routes are non-forwarding).
 */
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { inboundClusterName, inboundPorts } from '../listeners/envoy-inbound.ts';
import { classWorkloads } from '../listeners/registry.ts';
import { Reporter } from '../listeners/sources.ts';
import type { Resource, TranslateContext } from '../types.ts';
import { applyConnectionPool } from './connection-pool.ts';
import type { ClusterDraft } from './draft.ts';
import type { Findings } from './findings.ts';

export function inboundClusters(ctx: TranslateContext, findings: Findings): Resource[] {
  if (ctx.proxy.flavor !== 'envoy') return [];
  // the listeners translator reports unresolved ports; asking it again must not repeat them
  const quiet: TranslateContext = { ...ctx, report: () => undefined, reportAt: () => undefined };
  const ports = inboundPorts(quiet, classWorkloads(ctx.model, ctx.proxy), new Reporter(quiet));
  return ports.map(({ port, protocol, origin }) => {
    const name = inboundClusterName(port);
    const draft: ClusterDraft = { name, host: name, flavor: 'envoy', json: { name, type: 'STATIC' }, sources: [{ path: [], origin }], findings };
    applyConnectionPool(draft, undefined, protocol);
    draft.json.lbPolicy = 'ROUND_ROBIN';
    draft.json.loadAssignment = {
      clusterName: name,
      endpoints: [{ locality: {}, lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: port } } } }] }],
    };
    return { typeUrl: RESOURCE_TYPE_URLS.cluster, name, json: draft.json as JsonObject, sources: draft.sources };
  });
}
