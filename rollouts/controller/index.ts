/**
 * The rollout controller: Rollouts of the served policy run step by step, ACK-gated, judged by
 * analysis, rolled back or promoted to Git, journaled. The composition root (cli/) gives it a
 * TrafficPlane (the xDS control plane), a PolicyRepo (Git), an AnalysisRunner
 * (PrometheusAnalysisRunner) and a Journal (FileJournal), calls `sync(model, revision)` on
 * every published policy, `run()` to reconcile, and mounts `rolloutApi` on the admin server.
 */
export { RolloutController } from './controller.ts';
export type { CommandResult, ControllerLogger, RolloutCommand, RolloutControllerOptions, RolloutStatus } from './controller.ts';
export { PrometheusAnalysisRunner } from './analysis.ts';
export type { PrometheusAnalysisOptions } from './analysis.ts';
export { authorized, ROLLOUT_API_PREFIX, rolloutApi } from './api.ts';
export type { RolloutApiRequest, RolloutApiResponse } from './api.ts';
export { FileJournal, MemoryJournal } from './journal.ts';
export type { JournalProblem } from './journal.ts';
export { RolloutMetrics } from './metrics.ts';
export { DEFAULT_ACK_DEADLINE_MS, DEFAULT_PROGRESS_DEADLINE_MS, rolloutSpec } from './spec.ts';
export { insideWindows } from './windows.ts';
export { setRouteWeights } from './yaml-edit.ts';
export type { EditResult, RouteTarget } from './yaml-edit.ts';
export type {
  AbortReason,
  AnalysisRunHandle,
  AnalysisRunner,
  AnalysisStepSpec,
  CanaryTraffic,
  Clock,
  FileChange,
  Journal,
  JournalRecord,
  PolicyRepo,
  PromotionMode,
  PromotionState,
  PushedVersions,
  PushState,
  RolloutPhase,
  RolloutSpec,
  RolloutState,
  StepSpec,
  StepState,
  TrafficPlane,
} from './types.ts';
export * as rolloutCodes from './codes.ts';
