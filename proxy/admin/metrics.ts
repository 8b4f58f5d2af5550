/**
 * The control plane's Prometheus metrics, in Istio's vocabulary with a `sluice_` prefix, fed
 * by the registry's and the cache's events. They live in a registry of their own (never
 * prom-client's global one), so two servers in one process (tests) do not share counters.
 *
 *   sluice_xds_connected_proxies{flavor}          gauge      streams open, by flavor
 *   sluice_xds_pushes_total{type}                 counter    responses sent (cds, eds, lds, rds…)
 *   sluice_xds_push_time_seconds{type}            histogram  snapshot published (or stream
 *                                                            connected, if later) → response sent
 *   sluice_xds_rejects_total{type}                counter    NACKs
 *   sluice_proxy_convergence_time                 histogram  seconds from a snapshot's publication
 *                                                            to every proxy of its class ACKing it
 *   sluice_xds_config_size_bytes{class}           gauge      encoded size of a class's snapshot
 *   sluice_snapshot_last_publish_timestamp_seconds gauge     wall clock of the last publication
 *   sluice_compile_errors_total{stage}            counter    policy errors found on a (re)load
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Snapshot } from '../../compiler/index.ts';
import type { SnapshotCache } from '../cache.ts';
import type { ProxyRegistry } from '../registry.ts';

const TYPE_LABELS: Readonly<Record<string, string>> = {
  Cluster: 'cds',
  ClusterLoadAssignment: 'eds',
  Listener: 'lds',
  RouteConfiguration: 'rds',
  Secret: 'sds',
};

/** `…v3.Cluster` → `cds`, as Istio labels its push metrics. */
export function typeLabel(typeUrl: string): string {
  const short = typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
  return TYPE_LABELS[short] ?? short.toLowerCase();
}

/** Bytes of every resource of a snapshot, encoded (the entries keep the bytes for the pushes). */
export function snapshotBytes(snapshot: Snapshot): number {
  let n = 0;
  for (const byName of snapshot.resources.values()) for (const entry of byName.values()) n += entry.bytes().byteLength;
  return n;
}

export interface MetricsOptions {
  registry: ProxyRegistry;
  cache: SnapshotCache;
  /** Also export Node's process metrics (CPU, memory, event loop lag). Default false. */
  processMetrics?: boolean;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

export type CompileStage = 'validate' | 'compile';

export class ControlPlaneMetrics {
  readonly registry = new Registry();
  private readonly connected: Gauge<'flavor'>;
  private readonly pushes: Counter<'type'>;
  private readonly pushTime: Histogram<'type'>;
  private readonly rejects: Counter<'type'>;
  private readonly convergence: Histogram;
  private readonly configSize: Gauge<'class'>;
  private readonly lastPublish: Gauge;
  private readonly compileErrors: Counter<'stage'>;
  private readonly unsubscribe: (() => void)[] = [];
  /** classKey → snapshot version → when it was published (ms), for push time. */
  private readonly published = new Map<string, { version: string; at: number }>();
  /** streamId → when it connected (ms). */
  private readonly connectedAt = new Map<string, number>();
  private readonly now: () => number;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    this.now = options.now ?? Date.now;
    this.connected = new Gauge({ name: 'sluice_xds_connected_proxies', help: 'xDS streams connected, by proxy flavor.', labelNames: ['flavor'], registers });
    this.pushes = new Counter({ name: 'sluice_xds_pushes_total', help: 'xDS responses sent, by type (cds, eds, lds, rds).', labelNames: ['type'], registers });
    this.pushTime = new Histogram({
      name: 'sluice_xds_push_time_seconds',
      help: 'Seconds from a snapshot being published (or the stream connecting, if later) to a response of it being sent.',
      labelNames: ['type'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 3, 5, 10, 20, 30],
      registers,
    });
    this.rejects = new Counter({ name: 'sluice_xds_rejects_total', help: 'xDS responses a proxy rejected (NACK), by type.', labelNames: ['type'], registers });
    this.convergence = new Histogram({
      name: 'sluice_proxy_convergence_time',
      help: 'Seconds from a snapshot being published to every proxy of its class having ACKed it (Istio: pilot_proxy_convergence_time).',
      buckets: [0.1, 0.5, 1, 3, 5, 10, 20, 30],
      registers,
    });
    this.configSize = new Gauge({ name: 'sluice_xds_config_size_bytes', help: 'Encoded size of the current snapshot of a proxy class, in bytes.', labelNames: ['class'], registers });
    this.lastPublish = new Gauge({ name: 'sluice_snapshot_last_publish_timestamp_seconds', help: 'Unix time of the last snapshot publication.', registers });
    this.compileErrors = new Counter({ name: 'sluice_compile_errors_total', help: 'Errors found in the policy when loading or compiling it, by stage (validate, compile).', labelNames: ['stage'], registers });
    // Zero-valued series exist from the start, so dashboards and rate() see them.
    for (const type of Object.values(TYPE_LABELS)) {
      this.pushes.inc({ type }, 0);
      this.rejects.inc({ type }, 0);
    }
    for (const flavor of ['envoy', 'grpc']) this.connected.set({ flavor }, 0);
    for (const stage of ['validate', 'compile']) this.compileErrors.inc({ stage }, 0);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'sluice_' });

    const events = options.registry.events;
    this.unsubscribe.push(
      events.on('connect', (p) => {
        this.connected.inc({ flavor: p.flavor });
        this.connectedAt.set(p.streamId, this.now());
      }),
      events.on('disconnect', (p) => {
        this.connected.dec({ flavor: p.flavor });
        this.connectedAt.delete(p.streamId);
      }),
      events.on('push', (e) => {
        const type = typeLabel(e.typeUrl);
        this.pushes.inc({ type });
        const published = this.published.get(e.classKey);
        const from = Math.max(published?.version === e.snapshotVersion ? published.at : 0, this.connectedAt.get(e.streamId) ?? 0);
        if (from > 0) this.pushTime.observe({ type }, Math.max(0, this.now() - from) / 1000);
      }),
      events.on('nack', (e) => this.rejects.inc({ type: typeLabel(e.typeUrl) })),
      events.on('classConverged', (e) => this.convergence.observe(e.durationMs / 1000)),
      options.cache.events.on('publish', (p) => {
        this.published.set(p.classKey, { version: p.snapshot.version, at: p.at });
        this.configSize.set({ class: p.classKey }, snapshotBytes(p.snapshot));
        this.lastPublish.set(p.at / 1000);
      }),
    );
  }

  /** The policy had `count` errors at `stage`; the last good snapshots keep serving. */
  compileFailed(stage: CompileStage, count: number): void {
    this.compileErrors.inc({ stage }, count);
  }

  /** A class was forgotten by the cache: its size series goes. */
  forgetClass(classKey: string): void {
    this.published.delete(classKey);
    this.configSize.remove({ class: classKey });
  }

  /** The exposition text (`GET /metrics`). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}
