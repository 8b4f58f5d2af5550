/**
 * The rollout controller: one state machine per Rollout of the served policy.
 *
 * Phases: Progressing (a step runs, or waits for ACKs or a window), Paused (a pause, an
 * Inconclusive analysis, a promotion that cannot be written), Healthy (promoted), Degraded
 * (aborted: the canary has weight 0). Every change of phase or step is journaled with its
 * reason, every measurement with its query, value and verdict, and the whole state after each
 * reconcile, so a restart resumes from the journal exactly where the last run stopped (the
 * step, its pushed versions and ACK time, the pause's end, the analysis counters).
 *
 * A step that changes traffic compiles the rollout's overlay (all rollouts' overlays, as one
 * compiler input) and pushes it; the step's clock (its pause, its analysis) starts only once
 * every proxy ACKed the versions that push produced. No ACK within `ackDeadline` aborts.
 *
 * Everything is serialized: commands, policy syncs and reconciles never interleave.
 */
import type { PolicyModel, WeightOverlay } from '../../compiler/index.ts';
import { ABORTED_BY_USER, ACK_DEADLINE_EXCEEDED, ANALYSIS_FAILED, ANALYSIS_UNRESOLVED, PROGRESS_DEADLINE_EXCEEDED, PROMOTION_NOT_WRITTEN } from './codes.ts';
import { rolloutSpec } from './spec.ts';
import { describeStep, formatMs, formatValue, freshState, overlayOf, trafficAfter } from './state.ts';
import type {
  AbortReason,
  AnalysisRunHandle,
  AnalysisRunner,
  AnalysisStepSpec,
  Clock,
  FileChange,
  Journal,
  Measurement,
  PolicyRepo,
  PushState,
  PushedVersions,
  RolloutPhase,
  RolloutSpec,
  RolloutState,
  TrafficPlane,
} from './types.ts';
import type { RolloutMetrics } from './metrics.ts';
import { insideWindows } from './windows.ts';
import { setRouteWeights } from './yaml-edit.ts';

export interface ControllerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface RolloutControllerOptions {
  traffic: TrafficPlane;
  analysis: AnalysisRunner;
  journal: Journal;
  clock?: Clock;
  /** Where promotions (and recorded rollbacks) are written; without it they pause. */
  repo?: PolicyRepo;
  /** Repository path of a policy file as the model names it (default: unchanged). */
  repoPath?: (file: string) => string;
  metrics?: RolloutMetrics;
  logger?: ControllerLogger;
  /** Branch name prefix for promotion pull requests (default `sluice/promote-`). */
  pullRequestBranchPrefix?: string;
}

export type RolloutCommand = 'promote' | 'abort' | 'retry' | 'start';

export interface CommandResult {
  ok: boolean;
  message: string;
  status?: RolloutStatus;
}

export interface RolloutStatus {
  name: string;
  namespace: string;
  phase: RolloutPhase;
  reason: string;
  since: string;
  step: number;
  steps: number;
  /** What the current step does (`promotion` once the steps are done). */
  currentStep: string;
  canaryWeight: number;
  headerRoute: boolean;
  mirrorPercentage: number;
  revision: string;
  abort?: AbortReason & { atIso: string };
  promotion?: { mode: string; stage: string; sha?: string; url?: string };
  /** The last measurement of each metric. */
  measurements: Measurement[];
}

const TERMINAL = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);
const MAX_ADVANCES_PER_RECONCILE = 64;

type RunOutcome = 'Successful' | 'hold' | 'stopped';

export class RolloutController {
  private readonly specs = new Map<string, RolloutSpec>();
  private readonly states = new Map<string, RolloutState>();
  private readonly persisted = new Map<string, string>();
  private readonly runs = new Map<string, AnalysisRunHandle>();
  private readonly lastMeasurements = new Map<string, Map<string, Measurement>>();
  private readonly clock: Clock;
  private model: PolicyModel | undefined;
  private revision = '';
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private readonly options: RolloutControllerOptions;

  constructor(options: RolloutControllerOptions) {
    this.options = { ...options };
    this.clock = options.clock ?? { now: () => Date.now() };
    this.restore();
  }

  // ---------------------------------------------------------------- public surface

  /** Exports the journal's values through `metrics` from now on (and what is known so far). */
  setMetrics(metrics: RolloutMetrics): void {
    this.options.metrics = metrics;
    for (const state of this.states.values()) metrics.state(state);
    for (const [key, byMetric] of this.lastMeasurements) for (const m of byMetric.values()) metrics.measured(key, m);
  }

  /** The overlays of every rollout (what the traffic plane must serve before any proxy connects). */
  overlays(): WeightOverlay[] {
    const out: WeightOverlay[] = [];
    for (const [key, state] of [...this.states].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const spec = this.specs.get(key) ?? this.restoredSpecs.get(key);
      const overlay = spec && overlayOf(spec, state);
      if (overlay) out.push(overlay);
    }
    return out;
  }

  /**
   * A policy was published: new Rollouts (and Rollouts whose spec or canary subset changed)
   * start; removed ones stop and lose their overlay. Also where a promotion learns that its
   * commit is served.
   */
  sync(model: PolicyModel, revision: string): Promise<void> {
    return this.serialized(async () => {
      const now = this.clock.now();
      this.model = model;
      this.revision = revision;
      const before = JSON.stringify(this.overlays());
      const seen = new Set<string>();
      for (const rollout of model.rollouts) {
        if (!rollout.targetRoute) {
          this.options.logger?.warn(`rollout ${rollout.namespace}/${rollout.name}: its target route is not in the policy; not running it`, { rollout: `${rollout.namespace}/${rollout.name}` });
          continue;
        }
        const spec = rolloutSpec(model, rollout);
        seen.add(spec.key);
        this.specs.set(spec.key, spec);
        this.restoredSpecs.delete(spec.key);
        const state = this.states.get(spec.key);
        if (!state) this.begin(spec, freshState(spec, revision, now, `the Rollout appeared in revision ${short(revision)}`), null, now);
        else if (state.fingerprint !== spec.fingerprint) {
          this.dropRuns(spec.key);
          this.begin(spec, freshState(spec, revision, now, `the Rollout or its canary subset changed in revision ${short(revision)}: a new rollout starts`), state.phase, now);
        }
      }
      for (const key of [...this.states.keys()]) {
        if (seen.has(key)) continue;
        this.dropRuns(key);
        this.states.delete(key);
        this.persisted.delete(key);
        this.restoredSpecs.delete(key);
        this.specs.delete(key);
        this.options.journal.append({ type: 'removed', at: now, key, reason: `the Rollout is not in revision ${short(revision)}` });
        this.options.metrics?.forget(key);
      }
      if (JSON.stringify(this.overlays()) !== before) await this.pushAll(now);
      for (const key of this.states.keys()) this.persist(key, now);
    });
  }

  /** Advances every rollout as far as it can go now. */
  reconcile(): Promise<void> {
    return this.serialized(async () => {
      for (const key of [...this.states.keys()]) await this.reconcileOne(key);
    });
  }

  /** Reconciles every `intervalMs` until stop(). */
  run(intervalMs = 1000): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.reconcile()
        .catch((e: unknown) => this.options.logger?.warn(`rollout reconcile failed: ${(e as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, intervalMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.queue.catch(() => undefined);
  }

  status(key?: string): RolloutStatus[] {
    const out: RolloutStatus[] = [];
    for (const [k, state] of [...this.states].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (key !== undefined && k !== key) continue;
      const spec = this.specOf(k);
      if (!spec) continue;
      out.push(this.statusOf(spec, state));
    }
    return out;
  }

  /** Resolves `name` or `namespace/name` to a rollout key. */
  resolve(name: string): string | undefined {
    if (this.states.has(name)) return name;
    const matches = [...this.states.keys()].filter((k) => k.endsWith(`/${name}`));
    return matches.length === 1 ? matches[0] : undefined;
  }

  command(name: string, command: RolloutCommand, options: { full?: boolean } = {}): Promise<CommandResult> {
    return this.serialized(async () => {
      const key = this.resolve(name);
      const spec = key === undefined ? undefined : this.specOf(key);
      const state = key === undefined ? undefined : this.states.get(key);
      if (key === undefined || !spec || !state) return { ok: false, message: `no rollout named ${name}${this.states.size > 0 ? ` (rollouts: ${[...this.states.keys()].join(', ')})` : ''}` };
      const now = this.clock.now();
      const result = await this.apply(spec, state, command, options, now);
      this.options.journal.append({ type: 'command', at: now, key, command: options.full ? `${command} --full` : command, result: result.message });
      if (result.ok) await this.reconcileOne(key);
      this.persist(key, now);
      const current = this.states.get(key);
      return { ...result, status: current ? this.statusOf(spec, current) : undefined };
    });
  }

  // ---------------------------------------------------------------- restore and persist

  private readonly restoredSpecs = new Map<string, RolloutSpec>();

  private restore(): void {
    for (const record of this.options.journal.records()) {
      if (record.type === 'state') {
        this.states.set(record.key, record.state);
        this.persisted.set(record.key, JSON.stringify(record.state));
        if (record.spec) this.restoredSpecs.set(record.key, record.spec);
      } else if (record.type === 'removed') {
        this.states.delete(record.key);
        this.persisted.delete(record.key);
        this.restoredSpecs.delete(record.key);
      } else if (record.type === 'measurement') {
        this.remember(record.key, record.measurement);
      }
    }
    for (const state of this.states.values()) this.options.metrics?.state(state);
  }

  private persist(key: string, now: number): void {
    const state = this.states.get(key);
    if (!state) return;
    const json = JSON.stringify(state);
    if (this.persisted.get(key) === json) return;
    // the spec rides along so that a restarted controller can serve the overlays before the policy loads
    const spec = this.specOf(key);
    this.options.journal.append(spec ? { type: 'state', at: now, key, state, spec } : { type: 'state', at: now, key, state });
    this.persisted.set(key, json);
    this.options.metrics?.state(state);
  }

  private specOf(key: string): RolloutSpec | undefined {
    return this.specs.get(key) ?? this.restoredSpecs.get(key);
  }

  // ---------------------------------------------------------------- transitions

  private begin(spec: RolloutSpec, state: RolloutState, from: RolloutPhase | null, now: number): void {
    this.states.set(spec.key, state);
    this.options.journal.append({ type: 'transition', at: now, key: spec.key, from, to: state.phase, step: 0, reason: state.reason });
    this.options.logger?.info(`rollout ${spec.key}: ${state.reason}`, { rollout: spec.key, phase: state.phase });
  }

  /** Sets phase and reason; journals a transition when either changes. */
  private transition(spec: RolloutSpec, state: RolloutState, phase: RolloutPhase, reason: string, now: number): void {
    if (state.phase === phase && state.reason === reason) return;
    const from = state.phase;
    if (from !== phase) state.since = now;
    state.phase = phase;
    state.reason = reason;
    this.options.journal.append({ type: 'transition', at: now, key: spec.key, from, to: phase, step: state.stepIndex, reason });
    this.options.logger?.info(`rollout ${spec.key}: ${reason}`, { rollout: spec.key, phase, step: state.stepIndex });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- reconcile

  private async reconcileOne(key: string): Promise<void> {
    const spec = this.specs.get(key);
    const state = this.states.get(key);
    // a restored rollout waits for the policy before it moves (its spec may have changed)
    if (!spec || !state) return;
    const now = this.clock.now();
    try {
      for (let i = 0; i < MAX_ADVANCES_PER_RECONCILE; i++) if (!(await this.advance(spec, state, now))) break;
    } catch (e) {
      this.options.logger?.warn(`rollout ${key}: ${(e as Error).message}`, { rollout: key });
    }
    this.persist(key, now);
  }

  /** One move of the state machine; true when it should be asked again at once. */
  private async advance(spec: RolloutSpec, state: RolloutState, now: number): Promise<boolean> {
    if (state.phase === 'Degraded') {
      // a rollback whose push failed is pushed again until it goes through
      if (!state.rollbackPush) state.rollbackPush = await this.pushAll(now, spec.key);
      await this.watchAck(spec, state, state.rollbackPush, now, 'rollback');
      return false;
    }
    if (state.phase === 'Healthy') return false;
    if (state.promotion) return this.advancePromotion(spec, state, now);

    if (spec.background && state.stepIndex >= spec.background.startingStep && !state.fullPromotion) {
      const outcome = await this.tickRun(spec, state, 'background', spec.background, now);
      if (outcome === 'stopped') return false;
    }
    if (state.stepIndex >= spec.steps.length) return this.completeSteps(spec, state, now);

    const step = spec.steps[state.stepIndex];
    if (!step) return false;
    const current = state.step;
    const label = `step ${state.stepIndex + 1}/${spec.steps.length} (${describeStep(step)})`;
    if (current.startedAt === undefined) {
      if (!insideWindows(spec.windows, now)) {
        this.transition(spec, state, 'Progressing', `${label} waits for a deployment window (${spec.windows.join(' | ')})`, now);
        return false;
      }
      const traffic = trafficAfter(state.traffic, step, spec);
      if (traffic) {
        const before = state.traffic;
        state.traffic = traffic;
        try {
          current.push = await this.pushAll(now, spec.key);
        } catch (e) {
          // nothing was pushed: the step has not begun, the next reconcile tries again
          state.traffic = before;
          throw e;
        }
        current.startedAt = now;
        this.transition(spec, state, 'Progressing', `${label} began: pushed, waiting for every proxy to ACK`, now);
      } else {
        current.startedAt = now;
        this.transition(spec, state, 'Progressing', `${label} began`, now);
      }
    }
    if (current.push && current.push.ackedAt === undefined) {
      const acked = await this.watchAck(spec, state, current.push, now, label);
      if (!acked) {
        if (now - current.push.at > spec.ackDeadlineMs) {
          const waiting = (await this.options.traffic.acknowledged(current.push.versions)).waitingFor;
          await this.abort(spec, state, now, { at: now, code: ACK_DEADLINE_EXCEEDED.code, message: `${label}: not every proxy ACKed the new configuration within ackDeadline ${formatMs(spec.ackDeadlineMs)}${waiting.length > 0 ? ` (waiting for ${waiting.slice(0, 5).join(', ')}${waiting.length > 5 ? ', …' : ''})` : ''}` });
        }
        return false;
      }
    }
    const clockStart = current.push?.ackedAt ?? current.startedAt;
    switch (step.kind) {
      case 'pause': {
        if (step.durationMs === undefined) {
          this.transition(spec, state, 'Paused', `${label}: waiting for \`sluice rollout promote\``, now);
          return false;
        }
        current.pauseUntil ??= clockStart + step.durationMs;
        if (now < current.pauseUntil) {
          this.transition(spec, state, 'Paused', `${label}: paused until ${new Date(current.pauseUntil).toISOString()}`, now);
          return false;
        }
        break;
      }
      case 'analysis': {
        const outcome = await this.tickRun(spec, state, `step-${state.stepIndex}`, step, now);
        if (outcome === 'stopped') return false;
        if (outcome === 'hold') {
          if (now - clockStart > spec.progressDeadlineMs) {
            await this.abort(spec, state, now, { at: now, code: PROGRESS_DEADLINE_EXCEEDED.code, message: `${label}: no verdict within progressDeadline ${formatMs(spec.progressDeadlineMs)}` });
          } else {
            this.transition(spec, state, 'Progressing', `${label}: analysis running`, now);
          }
          return false;
        }
        break;
      }
      default:
        break;
    }
    this.completeStep(spec, state, now, `${label} done`);
    return true;
  }

  private completeStep(spec: RolloutSpec, state: RolloutState, now: number, reason: string): void {
    this.finishRun(spec.key, `step-${state.stepIndex}`);
    state.stepIndex++;
    state.step = { index: state.stepIndex };
    this.transition(spec, state, 'Progressing', reason, now);
  }

  /** Whether the push's versions are ACKed (journals the ACK once). */
  private async watchAck(spec: RolloutSpec, state: RolloutState, push: PushState | undefined, now: number, what: string): Promise<boolean> {
    if (!push) return true;
    if (push.ackedAt !== undefined) return true;
    const status = await this.options.traffic.acknowledged(push.versions);
    if (!status.done) return false;
    push.ackedAt = now;
    this.options.journal.append({ type: 'ack', at: now, key: spec.key, versions: push.versions, afterMs: now - push.at });
    this.options.logger?.info(`rollout ${spec.key}: every proxy ACKed ${what} after ${now - push.at} ms`, { rollout: spec.key, weight: state.traffic.weight });
    return true;
  }

  /**
   * Pushes the overlays of every rollout (one compile, one push) and returns the versions to
   * wait on. Pushes of other rollouts still waiting for ACKs now wait for these versions
   * instead: their proxies skip the superseded ones.
   */
  private async pushAll(now: number, forKey?: string): Promise<PushState> {
    const versions = await this.options.traffic.apply(this.overlays());
    for (const [key, state] of this.states) {
      for (const push of [state.step.push, state.rollbackPush]) {
        if (!push || push.ackedAt !== undefined || key === forKey) continue;
        push.versions = { ...push.versions, ...pick(versions, Object.keys(push.versions)) };
      }
    }
    if (forKey !== undefined) {
      const state = this.states.get(forKey);
      if (state) this.options.journal.append({ type: 'push', at: now, key: forKey, traffic: state.traffic, versions });
    }
    return { versions, at: now };
  }

  // ---------------------------------------------------------------- analysis

  private async tickRun(spec: RolloutSpec, state: RolloutState, id: string, analysis: AnalysisStepSpec, now: number): Promise<RunOutcome> {
    const runKey = `${spec.key}#${id}`;
    const background = id === 'background';
    let run = this.runs.get(runKey);
    if (!run) {
      const saved = background ? state.background : state.step.analysis;
      const model = this.model;
      if (!model) return 'hold';
      try {
        run = saved ? this.options.analysis.resume(spec, analysis, saved, model) : this.options.analysis.start(spec, analysis, now, model);
      } catch (e) {
        await this.abort(spec, state, now, { at: now, code: ANALYSIS_UNRESOLVED.code, message: `${background ? 'background analysis' : `analysis of step ${state.stepIndex + 1}`} cannot run: ${(e as Error).message}` });
        return 'stopped';
      }
      this.runs.set(runKey, run);
    }
    if (!TERMINAL.has(run.phase)) {
      const measurements = await run.tick(now);
      for (const m of measurements) {
        this.options.journal.append({ type: 'measurement', at: now, key: spec.key, run: id, measurement: m });
        this.remember(spec.key, m);
      }
    }
    if (background) state.background = run.state();
    else state.step.analysis = run.state();
    const what = background ? 'background analysis' : `analysis of step ${state.stepIndex + 1}`;
    switch (run.phase) {
      case 'Successful':
        return 'Successful';
      case 'Failed':
      case 'Error': {
        const m = run.decisive;
        const reason: AbortReason = { at: now, code: ANALYSIS_FAILED.code, message: `${what} ${run.phase === 'Failed' ? 'failed' : 'errored'}: ${run.reason ?? 'no reason given'}` };
        if (m) {
          reason.metric = m.metric;
          reason.value = m.value;
          reason.query = m.query;
          if (m.message !== undefined) reason.condition = m.message;
        }
        await this.abort(spec, state, now, reason);
        return 'stopped';
      }
      case 'Inconclusive':
        this.transition(spec, state, 'Paused', `${what} is inconclusive (${run.reason ?? 'no verdict'}): promote to go on, or abort`, now);
        return 'stopped';
      default:
        return 'hold';
    }
  }

  private finishRun(key: string, id: string): void {
    const run = this.runs.get(`${key}#${id}`);
    if (run) run.terminate();
    this.runs.delete(`${key}#${id}`);
  }

  private dropRuns(key: string): void {
    for (const runKey of [...this.runs.keys()]) {
      if (!runKey.startsWith(`${key}#`)) continue;
      this.runs.get(runKey)?.terminate();
      this.runs.delete(runKey);
    }
  }

  private remember(key: string, m: Measurement): void {
    let byMetric = this.lastMeasurements.get(key);
    if (!byMetric) this.lastMeasurements.set(key, (byMetric = new Map()));
    byMetric.set(m.metric, m);
    this.options.metrics?.measured(key, m);
  }

  // ---------------------------------------------------------------- abort

  private async abort(spec: RolloutSpec, state: RolloutState, now: number, reason: AbortReason): Promise<void> {
    this.dropRuns(spec.key);
    state.abort = reason;
    state.traffic = { weight: 0 };
    delete state.promotion;
    delete state.completedStepsAt;
    delete state.rollbackPush;
    this.transition(spec, state, 'Degraded', `aborted: ${reason.message}`, now);
    this.options.logger?.warn(`rollout ${spec.key}: ${reason.code} ${reason.message}`, { rollout: spec.key, code: reason.code, ...(reason.metric ? { metric: reason.metric, value: reason.value } : {}) });
    try {
      state.rollbackPush = await this.pushAll(now, spec.key);
    } catch (e) {
      this.options.logger?.warn(`rollout ${spec.key}: pushing the rollback failed (${(e as Error).message}); trying again`, { rollout: spec.key });
    }
    if (spec.promotion.recordRollback && spec.promotion.mode !== 'none') await this.recordRollback(spec, state, reason);
  }

  private async recordRollback(spec: RolloutSpec, state: RolloutState, reason: AbortReason): Promise<void> {
    const repo = this.options.repo;
    if (!repo) return;
    try {
      const changes = await this.finalWeights(spec, { [spec.stableSubset]: 100, [spec.canarySubset]: 0 });
      const value = reason.metric ? ` (${reason.metric} = ${formatValue(reason.value)})` : '';
      const { sha } = await repo.commit(changes, `rollout ${spec.key}: rolled back at step ${state.stepIndex + 1}${value}\n\n${reason.message}\n`);
      this.options.logger?.info(`rollout ${spec.key}: rollback recorded in ${short(sha)}`, { rollout: spec.key });
    } catch (e) {
      this.options.logger?.warn(`rollout ${spec.key}: recording the rollback in Git failed: ${(e as Error).message}`, { rollout: spec.key });
    }
  }

  // ---------------------------------------------------------------- promotion

  private async completeSteps(spec: RolloutSpec, state: RolloutState, now: number): Promise<boolean> {
    state.completedStepsAt ??= now;
    const label = 'promotion';
    // never promote on no data: every background metric must have passed at least once
    const background = this.runs.get(`${spec.key}#background`);
    if (background && !state.fullPromotion) {
      const undecided = background.undecidedMetrics();
      if (undecided.length > 0) {
        if (now - state.completedStepsAt > spec.progressDeadlineMs) {
          await this.abort(spec, state, now, { at: now, code: PROGRESS_DEADLINE_EXCEEDED.code, message: `background analysis has no successful measurement of ${undecided.join(', ')} within progressDeadline ${formatMs(spec.progressDeadlineMs)}: not promoting on no data` });
        } else {
          this.transition(spec, state, 'Progressing', `every step is done; promotion waits until background analysis has a successful measurement of ${undecided.join(', ')}`, now);
        }
        return false;
      }
    }
    this.finishRun(spec.key, 'background');
    if (state.traffic.weight !== 100 || state.traffic.headerRoute || state.traffic.mirror) {
      const before = state.traffic;
      state.traffic = { weight: 100 };
      let push: PushState;
      try {
        push = await this.pushAll(now, spec.key);
      } catch (e) {
        state.traffic = before;
        throw e;
      }
      state.step = { index: state.stepIndex, startedAt: now, push };
      this.transition(spec, state, 'Progressing', `every step is done: the canary gets 100%; waiting for every proxy to ACK`, now);
    }
    const push = state.step.push;
    if (push && push.ackedAt === undefined) {
      if (!(await this.watchAck(spec, state, push, now, label))) {
        if (now - push.at > spec.ackDeadlineMs) await this.abort(spec, state, now, { at: now, code: ACK_DEADLINE_EXCEEDED.code, message: `promotion: not every proxy ACKed 100% to the canary within ackDeadline ${formatMs(spec.ackDeadlineMs)}` });
        return false;
      }
    }
    if (spec.promotion.mode === 'none') {
      this.transition(spec, state, 'Healthy', 'promoted: every step passed; the canary keeps 100% through the rollout overlay (promotion mode none: Git is not changed)', now);
      return false;
    }
    state.promotion = { mode: spec.promotion.mode, stage: 'writing', at: now };
    return true;
  }

  /** The change that routes 100% to the canary (or restores the stable), for the policy repo. */
  private async finalWeights(spec: RolloutSpec, weights: Record<string, number>): Promise<FileChange[]> {
    const repo = this.options.repo;
    if (!repo) throw new Error('no policy repository is configured');
    if (!spec.virtualServiceFile) throw new Error(`the file of VirtualService ${spec.namespace}/${spec.virtualService} is not known`);
    const path = this.options.repoPath ? this.options.repoPath(spec.virtualServiceFile) : spec.virtualServiceFile;
    const text = await repo.readFile(path);
    const edit = setRouteWeights(text, { namespace: spec.namespace, virtualService: spec.virtualService, route: spec.route }, weights);
    if (!edit.ok) throw new Error(`${path}: ${edit.message}`);
    return edit.changed ? [{ path, content: edit.text }] : [];
  }

  /** Whether the served policy routes the target to the canary only (what promotion writes). */
  private servedPromoted(spec: RolloutSpec): boolean {
    const rollout = this.model?.rollouts.find((r) => `${r.namespace}/${r.name}` === spec.key);
    const route = rollout?.targetRoute;
    if (!route) return false;
    const weightOf = (subset: string) => {
      const d = route.destinations.find((x) => x.subset === subset);
      return d === undefined ? undefined : (d.weight ?? (route.destinations.length === 1 ? 100 : 0));
    };
    const stable = weightOf(spec.stableSubset);
    return weightOf(spec.canarySubset) === 100 && (stable === undefined || stable === 0);
  }

  private async advancePromotion(spec: RolloutSpec, state: RolloutState, now: number): Promise<boolean> {
    const promotion = state.promotion;
    if (!promotion) return false;
    if (promotion.stage === 'writing') {
      if (!this.options.repo) {
        this.transition(spec, state, 'Paused', `every step passed, but promotion mode ${promotion.mode} needs a policy repository (sluice serve --repo); the canary keeps 100% meanwhile`, now);
        return false;
      }
      try {
        const changes = await this.finalWeights(spec, { [spec.stableSubset]: 0, [spec.canarySubset]: 100 });
        const message = `rollout ${spec.key}: promote ${spec.canarySubset} to 100%\n\nEvery step of the rollout passed (started at revision ${short(state.revision)}).\n`;
        if (changes.length === 0) {
          promotion.sha = this.revision;
        } else if (promotion.mode === 'commit') {
          promotion.sha = (await this.options.repo.commit(changes, message)).sha;
        } else {
          const pr = await this.options.repo.openPullRequest(changes, { title: `rollout ${spec.key}: promote ${spec.canarySubset} to 100%`, body: message, branch: `${this.options.pullRequestBranchPrefix ?? 'sluice/promote-'}${spec.namespace}-${spec.name}-${state.fingerprint}` });
          promotion.sha = pr.sha;
          promotion.url = pr.url;
        }
      } catch (e) {
        this.transition(spec, state, 'Progressing', `writing the promotion failed (${(e as Error).message}); retrying`, now);
        this.options.logger?.warn(`rollout ${spec.key}: ${PROMOTION_NOT_WRITTEN.code} writing the promotion failed: ${(e as Error).message}`, { rollout: spec.key, code: PROMOTION_NOT_WRITTEN.code });
        return false;
      }
      promotion.stage = 'waiting-to-be-served';
      promotion.at = now;
      this.transition(spec, state, 'Progressing', promotion.mode === 'commit' ? `promotion committed as ${short(promotion.sha ?? '')}; waiting until it is served` : `promotion pull request opened (${promotion.url ?? ''}); waiting until it is merged and served`, now);
    }
    if (promotion.stage === 'waiting-to-be-served') {
      if (!this.servedPromoted(spec)) return false;
      promotion.stage = 'served';
      this.transition(spec, state, 'Healthy', `promoted: revision ${short(this.revision)} routes 100% to ${spec.canarySubset} and is served`, now);
      await this.pushAll(now, spec.key);
    }
    return false;
  }

  // ---------------------------------------------------------------- commands

  private async apply(spec: RolloutSpec, state: RolloutState, command: RolloutCommand, options: { full?: boolean }, now: number): Promise<CommandResult> {
    switch (command) {
      case 'abort':
        if (state.phase === 'Degraded') return { ok: false, message: `${spec.key} is already aborted` };
        if (state.phase === 'Healthy') return { ok: false, message: `${spec.key} is Healthy (promoted); start a new rollout to change it` };
        await this.abort(spec, state, now, { at: now, code: ABORTED_BY_USER.code, message: 'aborted by `sluice rollout abort`' });
        return { ok: true, message: `${spec.key} aborted: the canary has weight 0` };
      case 'retry':
        if (state.phase !== 'Degraded') return { ok: false, message: `${spec.key} is ${state.phase}; only an aborted (Degraded) rollout can be retried` };
        this.dropRuns(spec.key);
        this.restart(spec, state, now, `retried by \`sluice rollout retry\` (retry ${state.retries + 1})`, state.retries + 1);
        return { ok: true, message: `${spec.key} restarts from step 1` };
      case 'start': {
        const before = JSON.stringify(this.overlays());
        this.dropRuns(spec.key);
        this.restart(spec, state, now, 'started by `sluice rollout start`', 0);
        // the fresh state asks for weight 0: serve it now, not only at the first step that changes traffic
        if (JSON.stringify(this.overlays()) !== before) {
          try {
            await this.pushAll(now);
          } catch (e) {
            this.options.logger?.warn(`rollout ${spec.key}: pushing weight 0 for the restart failed (${(e as Error).message}); the first step that changes traffic pushes it`, { rollout: spec.key });
          }
        }
        return { ok: true, message: `${spec.key} starts from step 1` };
      }
      case 'promote': {
        if (state.phase === 'Degraded') return { ok: false, message: `${spec.key} is aborted; retry it first` };
        if (state.phase === 'Healthy') return { ok: false, message: `${spec.key} is already promoted` };
        if (state.promotion) return { ok: false, message: `${spec.key} is already being promoted (${state.promotion.stage})` };
        if (options.full) {
          this.dropRuns(spec.key);
          state.fullPromotion = true;
          state.stepIndex = spec.steps.length;
          state.step = { index: state.stepIndex };
          this.transition(spec, state, 'Progressing', 'fully promoted by `sluice rollout promote --full`: remaining steps and analysis skipped', now);
          return { ok: true, message: `${spec.key}: skipping to promotion` };
        }
        if (state.stepIndex >= spec.steps.length) {
          // promotion is held by background analysis: promote lets it go on
          state.fullPromotion = true;
          this.finishRun(spec.key, 'background');
          return { ok: true, message: `${spec.key}: promotion no longer waits for background analysis` };
        }
        const backgroundRun = this.runs.get(`${spec.key}#background`);
        if (backgroundRun?.phase === 'Inconclusive') {
          this.finishRun(spec.key, 'background');
          delete state.background;
          this.transition(spec, state, 'Progressing', 'promoted past an inconclusive background analysis: it starts over', now);
          return { ok: true, message: `${spec.key}: background analysis starts over` };
        }
        const label = `step ${state.stepIndex + 1}/${spec.steps.length} (${describeStep(spec.steps[state.stepIndex])})`;
        this.completeStep(spec, state, now, `${label} promoted by \`sluice rollout promote\``);
        return { ok: true, message: `${spec.key}: ${label} skipped` };
      }
    }
  }

  private restart(spec: RolloutSpec, state: RolloutState, now: number, reason: string, retries: number): void {
    const fresh = freshState(spec, this.revision || state.revision, now, reason, retries);
    const from = state.phase;
    this.states.set(spec.key, fresh);
    this.options.journal.append({ type: 'transition', at: now, key: spec.key, from, to: fresh.phase, step: 0, reason });
    this.options.logger?.info(`rollout ${spec.key}: ${reason}`, { rollout: spec.key });
  }

  private statusOf(spec: RolloutSpec, state: RolloutState): RolloutStatus {
    const status: RolloutStatus = {
      name: spec.name,
      namespace: spec.namespace,
      phase: state.phase,
      reason: state.reason,
      since: new Date(state.since).toISOString(),
      step: Math.min(state.stepIndex + 1, spec.steps.length),
      steps: spec.steps.length,
      currentStep: describeStep(spec.steps[state.stepIndex]),
      canaryWeight: state.traffic.weight,
      headerRoute: state.traffic.headerRoute !== undefined,
      mirrorPercentage: state.traffic.mirror?.percentage ?? 0,
      revision: state.revision,
      measurements: [...(this.lastMeasurements.get(spec.key)?.values() ?? [])],
    };
    if (state.abort) status.abort = { ...state.abort, atIso: new Date(state.abort.at).toISOString() };
    if (state.promotion) {
      status.promotion = { mode: state.promotion.mode, stage: state.promotion.stage };
      if (state.promotion.sha !== undefined) status.promotion.sha = state.promotion.sha;
      if (state.promotion.url !== undefined) status.promotion.url = state.promotion.url;
    }
    return status;
  }
}

function short(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 8) : revision;
}

function pick(versions: PushedVersions, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (versions[k] !== undefined) out[k] = versions[k];
  return out;
}
