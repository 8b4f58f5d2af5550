/**
 * The rollout controller's data (plain JSON, journaled) and the ports it drives. The ports are
 * implemented by the composition root (cli/): the traffic plane by the xDS control plane, the
 * policy repository by gitops/, analysis by rollouts/analysis. rollouts/ imports only compiler/.
 */
import type { HeaderRouteOverlay, MirrorOverlay, PolicyModel, WeightOverlay } from '../../compiler/index.ts';

/** The analysis shapes the controller relies on (structurally rollouts/analysis's own). */
export type AnalysisPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface Measurement {
  metric: string;
  query: string;
  value: number | number[] | null;
  phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  startedAt: string;
  finishedAt: string;
  message?: string;
  dryRun?: boolean;
  noData?: boolean;
}

/** A run's resumable state: plain JSON the analysis engine defines. */
export type AnalysisRunState = object;

export type RolloutPhase = 'Progressing' | 'Paused' | 'Healthy' | 'Degraded';

/** One analysis reference as a Rollout writes it. */
export interface AnalysisRef {
  templateName: string;
  clusterScope?: boolean;
}

export interface AnalysisArg {
  name: string;
  value: string;
}

export interface AnalysisStepSpec {
  templates: readonly AnalysisRef[];
  args: readonly AnalysisArg[];
}

export type StepSpec =
  | { kind: 'setWeight'; weight: number }
  | { kind: 'pause'; durationMs?: number }
  | ({ kind: 'analysis' } & AnalysisStepSpec)
  | { kind: 'setHeaderRoute'; headerRoute: Omit<HeaderRouteOverlay, 'subset'> }
  | { kind: 'setMirrorRoute'; percentage: number; name?: string };

export type PromotionMode = 'commit' | 'pull-request' | 'none';

/** A Rollout as the controller runs it: defaults applied, durations in ms. */
export interface RolloutSpec {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  name: string;
  virtualService: string;
  /** Route by name or index in the VirtualService. */
  route: string | number;
  stableSubset: string;
  canarySubset: string;
  steps: readonly StepSpec[];
  background?: AnalysisStepSpec & { startingStep: number };
  progressDeadlineMs: number;
  ackDeadlineMs: number;
  /** Cron expressions; empty: always inside. */
  windows: readonly string[];
  promotion: { mode: PromotionMode; recordRollback: boolean };
  /** Changes when the Rollout or its canary subset changes: a new rollout starts then. */
  fingerprint: string;
  /** The routed service (from the canary destination's host): what analysis templates get as `service` and `namespace`. */
  service: { name: string; namespace: string };
  /** File of the VirtualService the promotion edits (policy-root relative), when known. */
  virtualServiceFile?: string;
}

/** The canary traffic the rollout currently asks for. */
export interface CanaryTraffic {
  weight: number;
  headerRoute?: HeaderRouteOverlay;
  mirror?: MirrorOverlay;
}

/** Snapshot versions per proxy class that a push produced. */
export type PushedVersions = Readonly<Record<string, string>>;

export interface PushState {
  versions: PushedVersions;
  /** Epoch ms. */
  at: number;
  /** Epoch ms every proxy routing to the service ACKed it: the step's clock starts here. */
  ackedAt?: number;
}

export interface StepState {
  index: number;
  /** Epoch ms the step began (inside a window). Absent: not begun yet. */
  startedAt?: number;
  push?: PushState;
  analysis?: AnalysisRunState;
  /** Epoch ms a timed pause ends (its clock starts at the ACK of the step before). */
  pauseUntil?: number;
}

/** Why a rollout was aborted: the deciding metric when there is one. */
export interface AbortReason {
  at: number;
  /** SLU81xx (rollouts/controller/codes.ts). */
  code: string;
  message: string;
  metric?: string;
  value?: number | number[] | null;
  condition?: string;
  query?: string;
}

export interface PromotionState {
  mode: PromotionMode;
  stage: 'writing' | 'waiting-to-be-served' | 'served';
  /** The commit written (commit mode) or the pull request's head commit. */
  sha?: string;
  url?: string;
  at: number;
}

/** Everything needed to resume a rollout: plain JSON, kept in the journal. */
export interface RolloutState {
  version: 1;
  key: string;
  fingerprint: string;
  /** Policy revision that started it. */
  revision: string;
  phase: RolloutPhase;
  reason: string;
  /** Epoch ms of the last phase change. */
  since: number;
  startedAt: number;
  /** Index of the current step; steps.length once every step is done. */
  stepIndex: number;
  step: StepState;
  traffic: CanaryTraffic;
  /** The push of a rollback, until every proxy ACKed it. */
  rollbackPush?: PushState;
  background?: AnalysisRunState;
  abort?: AbortReason;
  promotion?: PromotionState;
  /** Steps are complete; the time promotion started (for its deadline). */
  completedStepsAt?: number;
  /** Times the rollout was retried. */
  retries: number;
  /** `promote --full`: the remaining steps and the background analysis were skipped. */
  fullPromotion?: boolean;
}

// ------------------------------------------------------------------------------ ports

export interface Clock {
  now(): number;
}

/**
 * The data plane as the controller sees it. `apply` compiles the overlays of every active
 * rollout into new snapshots (an input of the compiler) and pushes them; it returns the
 * snapshot version of each proxy class whose configuration changed. `acknowledged` says
 * whether every proxy of those classes has ACKed its class's version.
 */
export interface TrafficPlane {
  apply(overlays: readonly WeightOverlay[]): Promise<PushedVersions>;
  acknowledged(versions: PushedVersions): Promise<{ done: boolean; waitingFor: string[] }>;
}

export interface FileChange {
  path: string;
  content: string;
}

/** The policy repository, for promotion and recorded rollbacks. Paths are repository-relative. */
export interface PolicyRepo {
  readFile(path: string): Promise<string>;
  /** Commits and pushes to the served branch; returns the commit sha. */
  commit(changes: readonly FileChange[], message: string): Promise<{ sha: string }>;
  openPullRequest(changes: readonly FileChange[], request: { title: string; body: string; branch: string }): Promise<{ url: string; sha: string }>;
}

/** A running analysis, as rollouts/analysis provides it. */
export interface AnalysisRunHandle {
  readonly phase: AnalysisPhase;
  /** Why the run has its phase (the deciding measurement), when it is decided. */
  readonly reason: string | undefined;
  /** The measurement that decided the run, when there is one. */
  readonly decisive: Measurement | undefined;
  /** Epoch ms the next measurement is due; undefined when nothing is due any more. */
  nextDueAt(): number | undefined;
  /** Takes the measurements due at `now`, returns them. */
  tick(now: number): Promise<Measurement[]>;
  terminate(): void;
  state(): AnalysisRunState;
  /** Metrics (dry-run ones aside) without a single Successful measurement yet. */
  undecidedMetrics(): string[];
}

export interface AnalysisRunner {
  /** Starts a run (templates resolved in `model`); throws with a clear message when they cannot be resolved. */
  start(rollout: RolloutSpec, spec: AnalysisStepSpec, now: number, model: PolicyModel): AnalysisRunHandle;
  resume(rollout: RolloutSpec, spec: AnalysisStepSpec, state: AnalysisRunState, model: PolicyModel): AnalysisRunHandle;
}

// ------------------------------------------------------------------------------ journal

export type JournalRecord =
  | { type: 'state'; at: number; key: string; state: RolloutState; spec?: RolloutSpec }
  | { type: 'transition'; at: number; key: string; from: RolloutPhase | null; to: RolloutPhase; step: number; reason: string }
  | { type: 'measurement'; at: number; key: string; run: string; measurement: Measurement }
  | { type: 'push'; at: number; key: string; traffic: CanaryTraffic; versions: PushedVersions }
  | { type: 'ack'; at: number; key: string; versions: PushedVersions; afterMs: number }
  | { type: 'command'; at: number; key: string; command: string; result: string }
  | { type: 'removed'; at: number; key: string; reason: string };

export interface Journal {
  append(record: JournalRecord): void;
  /** Every record, oldest first. */
  records(): JournalRecord[];
  close(): void;
}
