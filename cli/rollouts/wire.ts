/**
 * `sluice serve --rollouts`: the rollout controller wired to the control plane. rollouts/ and
 * proxy/ do not know each other; here the control plane becomes the controller's TrafficPlane
 * (overlays compiled as input, ACKs read from the proxy registry), the policy source is
 * observed so every published model reaches the controller, the rollout API is mounted on
 * the admin server and the rollout metrics join its registry.
 *
 * Order matters on a restart: the journal is read first and its overlays are handed to the
 * control plane before it serves, so reconnecting proxies get the rollout's weights, never a
 * blip of the weights written in Git.
 */
import type { ControlPlane } from '../../proxy/admin/control-plane.ts';
import type { PolicySink, PolicySource } from '../../proxy/admin/policy-source.ts';
import type { Logger } from '../../proxy/index.ts';
import { FileJournal, MemoryJournal, PrometheusAnalysisRunner, ROLLOUT_API_PREFIX, RolloutController, RolloutMetrics, rolloutApi } from '../../rollouts/index.ts';
import type { AnalysisRunner, Journal, PolicyRepo, PushedVersions, TrafficPlane } from '../../rollouts/index.ts';

export interface RolloutWiringOptions {
  /** JSON-lines journal file; undefined keeps it in memory (nothing survives a restart). */
  journalPath: string | undefined;
  prometheus: string;
  /** Bearer token of the rollout API; without one the API answers 401. */
  token: string | undefined;
  intervalMs: number;
  repo?: PolicyRepo;
  logger: Logger;
  /** Analysis other than Prometheus (tests). */
  analysis?: AnalysisRunner;
}

/** The control plane as the controller's TrafficPlane (attached once the plane exists). */
export class ControlPlaneTraffic implements TrafficPlane {
  plane: ControlPlane | undefined;

  private get attached(): ControlPlane {
    if (!this.plane) throw new Error('the control plane is not attached yet');
    return this.plane;
  }

  async apply(overlays: Parameters<TrafficPlane['apply']>[0]): Promise<PushedVersions> {
    const outcome = await this.attached.setOverlays(overlays);
    if (!outcome.ok) {
      const first = outcome.diagnostics[0];
      throw new Error(`the rollout overlay does not compile (${outcome.diagnostics.length} error(s)${first ? `, first: ${first.code} ${first.message}` : ''}); nothing was pushed`);
    }
    return Object.fromEntries(outcome.versions);
  }

  async acknowledged(versions: PushedVersions): Promise<{ done: boolean; waitingFor: string[] }> {
    const waitingFor: string[] = [];
    for (const [classKey, snapshotVersion] of Object.entries(versions)) {
      const report = this.attached.xds.registry.convergence({ classKey, snapshotVersion });
      waitingFor.push(...report.pending, ...report.rejected.map((r) => `${r.nodeId} (rejected: ${r.message})`));
    }
    return { done: waitingFor.length === 0, waitingFor };
  }
}

export class RolloutWiring {
  readonly controller: RolloutController;
  readonly journal: Journal;
  private readonly traffic = new ControlPlaneTraffic();

  /** Reads the journal; `observe` the policy source, build the control plane with it, then `attach`. */
  constructor(private readonly options: RolloutWiringOptions) {
    const logger = options.logger;
    const journal = options.journalPath ? new FileJournal(options.journalPath) : new MemoryJournal();
    if (journal instanceof FileJournal) for (const p of journal.problems) logger.warn(`${options.journalPath}:${p.line}: SLU8107 ${p.message}`, { file: options.journalPath, line: p.line, code: 'SLU8107' });
    this.journal = journal;
    this.controller = new RolloutController({
      traffic: this.traffic,
      analysis: options.analysis ?? new PrometheusAnalysisRunner({ prometheus: options.prometheus }),
      journal,
      repo: options.repo,
      logger: { info: (m, f) => logger.info(m, f), warn: (m, f) => logger.warn(m, f) },
    });
  }

  /** Mounts the API and the metrics on the control plane, and sends it the journal's overlays (before it serves). */
  async attach(plane: ControlPlane): Promise<void> {
    this.traffic.plane = plane;
    this.controller.setMetrics(new RolloutMetrics(plane.metrics.registry));
    const api = rolloutApi(this.controller, { token: this.options.token });
    for (const method of ['GET', 'POST'] as const) {
      for (const path of [ROLLOUT_API_PREFIX, `${ROLLOUT_API_PREFIX}/*`]) {
        plane.admin.route({ method, path, maxBodyBytes: 4096, handler: (request) => api({ method: request.method, path: request.path, headers: request.headers, body: request.body, json: () => request.json() }) });
      }
    }
    const overlays = this.controller.overlays();
    if (overlays.length > 0) await plane.setOverlays(overlays);
  }

  /** The source, observed: each published model goes to the controller. */
  observe(source: PolicySource): PolicySource {
    const controller = this.controller;
    const logger = this.options.logger;
    return {
      kind: source.kind,
      start(sink: PolicySink) {
        return source.start({
          async publish(update) {
            const outcome = await sink.publish(update);
            if (outcome.ok) await controller.sync(update.model, update.revision).catch((e: unknown) => logger.warn(`rollouts: ${(e as Error).message}`));
            return outcome;
          },
          rejected: (attempt) => sink.rejected(attempt),
        });
      },
      close: () => source.close(),
      ...(source.status ? { status: () => source.status?.() ?? {} } : {}),
      ...(source.waitingFor ? { waitingFor: () => source.waitingFor?.() } : {}),
      ...(source.reload ? { reload: () => source.reload?.() ?? Promise.resolve() } : {}),
    };
  }


  start(): void {
    this.controller.run(this.options.intervalMs);
  }

  async close(): Promise<void> {
    await this.controller.stop();
    this.journal.close();
  }
}
