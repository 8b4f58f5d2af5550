// Test support for rollouts: a real Prometheus, metric families as the built-in templates
// query them, and a fake clock / scripted provider for analysis unit tests.
export { freePort, PROMETHEUS_BINARY, serveMetrics, startPrometheus } from './prometheus.ts';
export type { MetricsEndpoint, PrometheusOptions, ScrapeTarget, TestPrometheus } from './prometheus.ts';
export { envoyMetrics, GRPC_CODE_NAMES, grpcServerMetrics, istioMetrics } from './mesh-metrics.ts';
export type { Workload } from './mesh-metrics.ts';
export { FakeClock, metric, ScriptedProvider } from '../analysis/testing.ts';
