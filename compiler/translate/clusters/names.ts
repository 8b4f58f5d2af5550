/** Names of Envoy's catch-all clusters, as Istio spells them (listeners route unknown traffic to them). */
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
