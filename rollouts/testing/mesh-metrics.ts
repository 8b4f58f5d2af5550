/**
 * prom-client metric families named as the built-in golden-signal templates query them, for
 * test backends and tests that feed traffic by hand:
 *
 * - `grpcServerMetrics`: the go-grpc-prometheus server family (grpc_server_handled_total,
 *   grpc_server_handling_seconds) with the labels `{service, namespace, version}` that
 *   the `sluice-grpc-*` templates select on. A gRPC test backend records each call.
 * - `istioMetrics`: istio_requests_total and istio_request_duration_milliseconds as an
 *   Istio sidecar reports them (reporter="destination").
 * - `envoyMetrics`: envoy_cluster_upstream_rq_total / _rq_xx / _rq_time as Envoy's
 *   /stats/prometheus names them, for the cluster `outbound|PORT|SUBSET|HOST`.
 */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export interface Workload {
  service: string;
  namespace: string;
  /** The subset (its pods' `version` label). */
  version: string;
}

/** Milliseconds; the Istio default buckets. */
const MS_BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** The gRPC status names go-grpc-prometheus puts in `grpc_code`, by code number. */
export const GRPC_CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

export function grpcServerMetrics(registry: Registry) {
  const labelNames = ['service', 'namespace', 'version', 'grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'] as const;
  const handled = new Counter({ name: 'grpc_server_handled_total', help: 'RPCs completed on the server, regardless of success or failure.', labelNames, registers: [registry] });
  const seconds = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Response latency (seconds) of gRPC that had been application-level handled by the server.',
    labelNames: ['service', 'namespace', 'version', 'grpc_type', 'grpc_service', 'grpc_method'] as const,
    buckets: MS_BUCKETS.map((ms) => ms / 1000),
    registers: [registry],
  });
  return {
    /** One unary call: `code` is the gRPC status number (0 = OK). */
    record(w: Workload, call: { grpcService: string; method: string; code: number; seconds: number }): void {
      const base = { service: w.service, namespace: w.namespace, version: w.version, grpc_type: 'unary', grpc_service: call.grpcService, grpc_method: call.method };
      handled.inc({ ...base, grpc_code: GRPC_CODE_NAMES[call.code] ?? String(call.code) });
      seconds.observe(base, call.seconds);
    },
  };
}

export function istioMetrics(registry: Registry) {
  const labelNames = ['reporter', 'destination_service_name', 'destination_service_namespace', 'destination_version', 'destination_workload', 'response_code'] as const;
  const requests = new Counter({ name: 'istio_requests_total', help: 'Requests, as Istio reports them.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'istio_request_duration_milliseconds',
    help: 'Request duration in milliseconds, as Istio reports it.',
    labelNames,
    buckets: MS_BUCKETS,
    registers: [registry],
  });
  return {
    record(w: Workload, request: { status: number; ms: number }): void {
      const labels = {
        reporter: 'destination',
        destination_service_name: w.service,
        destination_service_namespace: w.namespace,
        destination_version: w.version,
        destination_workload: `${w.service}-${w.version}`,
        response_code: String(request.status),
      };
      requests.inc(labels);
      duration.observe(labels, request.ms);
    },
  };
}

export function envoyMetrics(registry: Registry) {
  const total = new Counter({ name: 'envoy_cluster_upstream_rq_total', help: 'Total upstream requests.', labelNames: ['envoy_cluster_name'] as const, registers: [registry] });
  const byClass = new Counter({ name: 'envoy_cluster_upstream_rq_xx', help: 'Upstream requests by response code class.', labelNames: ['envoy_cluster_name', 'envoy_response_code_class'] as const, registers: [registry] });
  const time = new Histogram({ name: 'envoy_cluster_upstream_rq_time', help: 'Upstream request time (ms).', labelNames: ['envoy_cluster_name'] as const, buckets: MS_BUCKETS, registers: [registry] });
  return {
    record(w: Workload, request: { status: number; ms: number; port?: number }): void {
      const cluster = `outbound|${request.port ?? 9080}|${w.version}|${w.service}.${w.namespace}.svc.cluster.local`;
      total.inc({ envoy_cluster_name: cluster });
      byClass.inc({ envoy_cluster_name: cluster, envoy_response_code_class: String(Math.floor(request.status / 100)) });
      time.observe({ envoy_cluster_name: cluster }, request.ms);
    },
  };
}
