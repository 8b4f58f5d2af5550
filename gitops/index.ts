/**
 * gitops/ — the policy repository: read a commit's policy without a checkout, keep a clone in
 * sync with a branch (poll and push webhook), persist the last good policy, classify Git
 * failures (SLU8xxx). It knows nothing of the xDS server: the cli hands GitSync a `publish`
 * callback and adapts it into the control plane's policy source.
 *
 *   const sync = new GitSync({ repo, branch, path, stateDir, publish, waitForAcks, pollExpression });
 *   await sync.start();            // publishes the persisted last good commit, then syncs in the background
 *   await sync.trigger('webhook'); // coalesced: only the newest head is compiled
 *   sync.status();                 // commits (published / rejected / skipped) and repository problems
 */
export { policyFolder, readTreeAtRevision, resolveCommit, RevisionError } from './revision.ts';
export type { CommitInfo, ReadTreeOptions, TreeAtRevision } from './revision.ts';
export { GitSync } from './sync.ts';
export type { Candidate, CommitRecord, CommitStatus, FindingSummary, GitProblem, GitSyncOptions, GitSyncStatus, PublishResult, SyncLogger, TriggerReason } from './sync.ts';
export { GitHubWebhook } from './webhook.ts';
export type { GitHubWebhookOptions, WebhookRequest, WebhookResponse } from './webhook.ts';
export { GitOpsMetrics } from './metrics.ts';
export { pollSchedule, PollScheduleError } from './schedule.ts';
export type { PollSchedule } from './schedule.ts';
export { classifyGitError, maskCredentials } from './git-errors.ts';
export type { ClassifiedGitError, GitFailureKind } from './git-errors.ts';
export * as gitopsCodes from './codes.ts';
