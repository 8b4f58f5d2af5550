import { writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { GitHubClient } from '../../gitops/github/index.ts';
import { createGitHubClient, describeApiError, ensureCommit, getPullRequest } from '../../gitops/github/index.ts';
import { formatSarif } from '../format/sarif.ts';
import { plural } from '../format/summary.ts';
import { failing, formatReviewMarkdown, JOB_SUMMARY_LIMIT } from '../format/review-markdown.ts';
import { formatReviewHuman } from '../format/review-human.ts';
import { computeReview } from '../review/compute.ts';
import type { ReviewReport } from '../review/report.ts';
import { noEffect, nothingReviewed, reviewCounts } from '../review/report.ts';
import { packageInfo } from '../version.ts';
import { readArtifact, writeArtifact } from './artifact.ts';
import type { ActionInputs, ActionIO, GitHubContext } from './context.ts';
import { ActionInputError, readContext, readInputs } from './context.ts';
import type { PublishOutcome, PublishTarget } from './publish.ts';
import { publishReview } from './publish.ts';
import type { AnnotationOverflow } from './workflow.ts';
import { appendSummary, logLine, logQuoted, setOutputs, writeAnnotations } from './workflow.ts';

/** GitHub code scanning takes at most 25,000 results per run. */
const SARIF_RESULTS_LIMIT = 25_000;

export interface ActionDependencies {
  /** Builds the API client; tests shorten retry waits. The real octokit either way. */
  client?: (token: string, baseUrl: string, io: ActionIO) => GitHubClient;
}

function defaultClient(token: string, baseUrl: string, io: ActionIO): GitHubClient {
  return createGitHubClient({
    token,
    baseUrl,
    userAgent: `sluice-action/${packageInfo().version}`,
    log: (level, message) => {
      if (level === 'warn' || level === 'error') logLine(io, 'info', `github: ${message}`);
    },
  });
}

/**
 * The pull-request action. `full` (the default) analyses and posts; `analyze` only writes
 * the report (a fork's pull request, whose token cannot write); `post` posts a report an
 * analysing run uploaded, from a `workflow_run` job that never checks out the fork's code.
 * Returns the exit code: 1 when head has findings at or above `fail-on`, 2 when the action
 * cannot run at all (one clear line), 0 otherwise. Posting failures never fail the run.
 */
export async function runAction(io: ActionIO, dependencies: ActionDependencies = {}): Promise<number> {
  try {
    const inputs = readInputs(io.env);
    const context = readContext(io.env);
    const client = () => (dependencies.client ?? defaultClient)(inputs.token, context.apiUrl, io);
    return inputs.mode === 'post' ? await post(io, inputs, context, client) : await analyze(io, inputs, context, client);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logLine(io, 'error', `sluice: ${message.split('\n')[0]}`);
    if (io.env.SLUICE_DEBUG === '1' && error instanceof Error && error.stack) logLine(io, 'info', error.stack);
    return 2;
  }
}

function repoRelative(workspace: string, path: string): string {
  const absolute = isAbsolute(path) ? path : join(workspace, path);
  return relative(workspace, absolute).split('\\').join('/');
}

async function analyze(io: ActionIO, inputs: ActionInputs, context: GitHubContext, client: () => GitHubClient): Promise<number> {
  const base = inputs.base || context.pullRequest?.baseSha;
  if (!base) throw new ActionInputError(`no base revision: set the 'base' input (the event is '${context.eventName || 'unknown'}', not a pull request)`);
  const repo = context.workspace;
  if (await ensureCommit(repo, base).catch((error: Error) => {
    throw new ActionInputError(`cannot fetch the base commit ${base}: ${error.message.split('\n')[0]}; check out with 'fetch-depth: 0' or set 'base'`);
  })) logLine(io, 'info', `sluice: fetched the base commit ${base}`);

  const { report, files } = await computeReview({ repo, base, head: inputs.head, path: repoRelative(repo, inputs.path) }).catch((error: Error) => {
    if (error.name !== 'RevisionError') throw error;
    throw new ActionInputError(`${error.message}; a branch or tag must be fetched first (actions/checkout with 'fetch-depth: 0'), or give a commit sha`);
  });
  if (nothingReviewed(report)) {
    logLine(io, 'warning', `sluice: no policy files ${report.path ? `under '${report.path}'` : 'in the repository'} at base or at head: nothing was reviewed; check the 'path' input`);
  }
  const failOn = inputs.failOn;
  logQuoted(io, 'sluice review', formatReviewHuman(report, { color: false, failOn: failOn === 'never' ? 'error' : failOn, files }));
  const overflow = writeAnnotations(io, report.diagnostics, repo);

  const written: string[] = [];
  if (inputs.sarif) {
    const sarifPath = isAbsolute(inputs.sarif) ? inputs.sarif : join(repo, inputs.sarif);
    const info = packageInfo();
    if (report.diagnostics.length > SARIF_RESULTS_LIMIT) {
      logLine(io, 'warning', `sluice: the SARIF file holds the first ${SARIF_RESULTS_LIMIT} of ${report.diagnostics.length} findings (code scanning takes no more per run); all are in ${repoRelative(repo, join(inputs.reportDir, 'sluice-review.json'))}`);
    }
    writeFileSync(
      sarifPath,
      formatSarif(
        { diagnostics: report.diagnostics.slice(0, SARIF_RESULTS_LIMIT), files, documentCount: report.head.documentCount, fileCount: report.head.fileCount },
        { cwd: repo, root: repo, tool: { name: 'sluice', version: info.version, ...(info.homepage ? { informationUri: info.homepage } : {}) } },
      ),
    );
    written.push(inputs.sarif);
  }
  const pullRequest = context.pullRequest ? { number: context.pullRequest.number, headSha: context.pullRequest.headSha } : undefined;
  const artifact = writeArtifact(isAbsolute(inputs.reportDir) ? inputs.reportDir : join(repo, inputs.reportDir), { report, failOn, ...(pullRequest ? { pullRequest } : {}) });
  written.push(repoRelative(repo, artifact));

  writeSummary(context, report, inputs, overflow, written);
  setOutputs(context.outputFile, outputsOf(report, failOn, artifact));

  if (inputs.mode === 'full' && (inputs.comment || inputs.checkRun)) {
    if (!context.pullRequest) logLine(io, 'info', `sluice: not a pull request (event '${context.eventName}'): nothing to comment on; the report is in the job summary`);
    else if (!inputs.token) reportFailures(io, context, { failures: ['could not post to the pull request: no token (set the `token` input)'] });
    else {
      const outcome = await publishReview(client(), report, targetOf(context, context.pullRequest.number, context.pullRequest.headSha), publishOptions(inputs, failOn));
      reportOutcome(io, context, outcome);
    }
  }
  return finish(io, report, failOn);
}

async function post(io: ActionIO, inputs: ActionInputs, context: GitHubContext, client: () => GitHubClient): Promise<number> {
  const artifact = readArtifact(isAbsolute(inputs.reportDir) ? inputs.reportDir : join(context.workspace, inputs.reportDir));
  const { report } = artifact;
  // the verdict follows this (trusted) workflow's fail-on, not the one the artifact carries
  const failOn = inputs.failOn;
  const run = context.workflowRun;
  const number = pullRequestOf(run, artifact.pullRequest?.number);
  const summary = formatReviewMarkdown(report, { limit: JOB_SUMMARY_LIMIT - 4096, measure: 'bytes', failOn, hints: true });
  appendSummary(context.stepSummary, summary);
  if (number === undefined) {
    logLine(io, 'warning', 'sluice: the report names no pull request; nothing to post');
    return 0;
  }
  if (!inputs.token) throw new ActionInputError('mode post needs a token that can write to pull requests');
  const github = client();
  let headSha: string;
  try {
    const pr = await getPullRequest(github, { owner: context.owner, repo: context.repo, number });
    headSha = pr.headSha;
  } catch (error) {
    reportFailures(io, context, { failures: [describeApiError(error, `read pull request #${number}`)] });
    return 0;
  }
  // The artifact comes from a run the pull request could change: post only for the commit that run analysed.
  const analysed = run?.headSha ?? artifact.pullRequest?.headSha;
  if (analysed !== headSha) {
    logLine(io, 'warning', `sluice: pull request #${number} is at ${headSha.slice(0, 7)}, the report is for ${analysed?.slice(0, 7) ?? 'an unknown commit'}; not posting it`);
    return 0;
  }
  const outcome = await publishReview(github, report, { ...targetOf(context, number, headSha), currentHead: headSha }, publishOptions(inputs, failOn));
  reportOutcome(io, context, outcome);
  return 0;
}

/**
 * Which pull request to post on. The run's list names the pull requests of the analysed
 * branch (a branch may have several, into different bases: only the artifact says which
 * one was analysed); it is empty for a fork's, and then only the artifact names it. Either
 * way the caller then checks the pull request's head against the analysed commit.
 */
function pullRequestOf(run: GitHubContext['workflowRun'], named: number | undefined): number | undefined {
  if (!run || run.pullRequests.length === 0) return named;
  return named !== undefined && run.pullRequests.includes(named) ? named : run.pullRequests[0];
}

function targetOf(context: GitHubContext, pullRequest: number, headSha: string): PublishTarget {
  return { owner: context.owner, repo: context.repo, pullRequest, headSha, serverUrl: context.serverUrl, ...(context.runUrl ? { runUrl: context.runUrl } : {}) };
}

function publishOptions(inputs: ActionInputs, failOn: ActionInputs['failOn']) {
  return { failOn, comment: inputs.comment, checkRun: inputs.checkRun, commentAuthor: inputs.commentAuthor, version: packageInfo().version };
}

function writeSummary(context: GitHubContext, report: ReviewReport, inputs: ActionInputs, overflow: AnnotationOverflow, written: string[]): void {
  const hidden = overflow.hidden;
  const notes: string[] = [];
  const hiddenParts = [hidden.error ? plural(hidden.error, 'error') : '', hidden.warning ? plural(hidden.warning, 'warning') : '', hidden.info ? plural(hidden.info, 'notice') : ''].filter(Boolean);
  if (hiddenParts.length > 0) {
    notes.push(`> [!NOTE]`, `> ${hiddenParts.join(', ')} not shown as annotations in the diff (GitHub shows 10 of each kind per step, some kept for the step's own messages); all ${report.diagnostics.length} findings are listed below, in the check run and in the SARIF file.`, '');
  }
  const limit = JOB_SUMMARY_LIMIT - 4096 - Buffer.byteLength(notes.join('\n'));
  const fullReport = { label: `the step log and in ${written.join(', ')}` };
  const body = formatReviewMarkdown(report, { limit, measure: 'bytes', failOn: inputs.failOn, hints: true, fullReport });
  const [first, ...rest] = body.split('\n');
  // the notes go under the heading
  appendSummary(context.stepSummary, notes.length === 0 ? body : [first, '', ...notes.slice(0, -1), ...rest].join('\n'));
}

function outputsOf(report: ReviewReport, failOn: ActionInputs['failOn'], artifact: string): Record<string, string> {
  const counts = reviewCounts(report);
  return {
    errors: String(counts.errors),
    warnings: String(counts.warnings),
    changed: String(!noEffect(report)),
    failed: String(failing(report, failOn)),
    report: artifact,
  };
}

function reportOutcome(io: ActionIO, context: GitHubContext, outcome: PublishOutcome): void {
  if (outcome.comment) logLine(io, 'info', `sluice: pull-request comment ${outcome.comment.action}: ${outcome.comment.url}`);
  if (outcome.skipped) logLine(io, 'info', `sluice: ${outcome.skipped}`);
  if (outcome.checkRun?.requests === 0) logLine(io, 'info', `sluice: check run unchanged: ${outcome.checkRun.url || outcome.checkRun.id}`);
  else if (outcome.checkRun) logLine(io, 'info', `sluice: check run ${outcome.checkRun.url || outcome.checkRun.id} (${plural(outcome.checkRun.requests, 'request')})`);
  reportFailures(io, context, outcome);
}

function reportFailures(io: ActionIO, context: GitHubContext, outcome: Pick<PublishOutcome, 'failures'>): void {
  if (outcome.failures.length === 0) return;
  for (const failure of outcome.failures) logLine(io, 'warning', `sluice: ${failure}. The whole report is in the job summary.`);
  appendSummary(context.stepSummary, ['', '> [!WARNING]', '> Posting to the pull request failed; this summary is the report.', ...outcome.failures.map((f) => `> - ${f.replace(/[\r\n]+/g, ' ')}`), ''].join('\n'));
}

function finish(io: ActionIO, report: ReviewReport, failOn: ActionInputs['failOn']): number {
  if (!failing(report, failOn)) return 0;
  const counts = reviewCounts(report);
  const n = failOn === 'warning' ? counts.errors + counts.warnings : counts.errors;
  logLine(io, 'error', `sluice: ${plural(n, 'finding')} at or above fail-on (${failOn}) in the policy`);
  return 1;
}
