import type { CheckRunResult, CommentResult, GitHubClient } from '../../gitops/github/index.ts';
import { checkAnnotations, describeApiError, getPullRequest, publishCheckRun, tokenLogin, upsertStickyComment } from '../../gitops/github/index.ts';
import type { FailOn } from '../format/review-markdown.ts';
import { CHECK_SUMMARY_LIMIT, COMMENT_LIMIT, failing, formatReviewMarkdown } from '../format/review-markdown.ts';
import { plural } from '../format/summary.ts';
import type { ReviewReport } from '../review/report.ts';
import { noEffect, reviewCounts } from '../review/report.ts';
import { reviewDigest } from '../review/serialize.ts';
import { summaryText } from '../format/diff-report.ts';

export interface PublishTarget {
  owner: string;
  repo: string;
  pullRequest: number;
  /** The pull request's head commit: check runs and links belong to it. */
  headSha: string;
  serverUrl: string;
  runUrl?: string;
  /** The pull request's head as just read from GitHub; read again before commenting when undefined. */
  currentHead?: string;
}

export interface PublishOptions {
  failOn: FailOn;
  comment: boolean;
  checkRun: boolean;
  commentAuthor: string;
  version: string;
}

export interface PublishOutcome {
  comment?: CommentResult;
  checkRun?: CheckRunResult;
  /** Why the comment was not written although asked for (the pull request moved on). */
  skipped?: string;
  /** One clear line per API call that failed; the job summary still has the whole report. */
  failures: string[];
}

/** The hidden line that identifies the comment for one policy folder. */
export function commentMarker(path: string): string {
  return `<!-- sluice-review path=${encodeURIComponent(path || '.')} -->`;
}

function blobLink(target: PublishTarget, report: ReviewReport) {
  return (file: string, line: number, side: 'base' | 'head'): string => {
    const sha = side === 'base' ? report.base.commit : target.headSha;
    const path = file.split('/').map(encodeURIComponent).join('/');
    return `${target.serverUrl}/${target.owner}/${target.repo}/blob/${sha}/${path}#L${line}`;
  };
}

export function checkTitle(report: ReviewReport): string {
  const counts = reviewCounts(report);
  const parts: string[] = [];
  if (counts.errors > 0) parts.push(plural(counts.errors, 'error'));
  if (counts.warnings > 0) parts.push(plural(counts.warnings, 'warning'));
  if (counts.infos > 0) parts.push(plural(counts.infos, 'info'));
  const findings = parts.length === 0 ? 'no findings' : parts.join(', ');
  return `${findings} · ${noEffect(report) ? 'no effect on traffic' : summaryText(report.diff)}`;
}

function fullReportOf(target: PublishTarget): { label: string; url?: string } {
  return { label: 'the job summary', ...(target.runUrl ? { url: target.runUrl } : {}) };
}

/**
 * The sticky comment: its marker, its body (under GitHub's size limit, links into the pull
 * request's commits, a pointer to the job summary) and the digest that says whether it changed.
 */
export function renderComment(report: ReviewReport, target: PublishTarget, options: Pick<PublishOptions, 'failOn' | 'version'>): { marker: string; body: string; digest: string } {
  const marker = commentMarker(report.path);
  const footer = [`<sub>sluice ${options.version} · ${target.headSha.slice(0, 7)}${target.runUrl ? ` · [run and job summary](${target.runUrl})` : ''}</sub>`];
  const body = formatReviewMarkdown(report, { limit: COMMENT_LIMIT - 100, failOn: options.failOn, marker, link: blobLink(target, report), fullReport: fullReportOf(target), footer });
  return { marker, body, digest: reviewDigest(report, `${options.version}|${options.failOn}`) };
}

/**
 * Posts the review on the pull request: the sticky comment and a check run with every
 * finding as an annotation. A failure of either (a fork's read-only token, a rate limit, a
 * permission) is returned as a message, never thrown: the caller has written the job
 * summary already, so nothing is lost.
 */
export async function publishReview(client: GitHubClient, report: ReviewReport, target: PublishTarget, options: PublishOptions): Promise<PublishOutcome> {
  const outcome: PublishOutcome = { failures: [] };
  const link = blobLink(target, report);
  const fullReport = fullReportOf(target);

  if (options.comment) {
    const { marker, body, digest } = renderComment(report, target, options);
    try {
      // runs for two pushes may finish out of order: the comment shows the newest commit's report only
      const headSha = target.currentHead ?? (await getPullRequest(client, { owner: target.owner, repo: target.repo, number: target.pullRequest })).headSha;
      if (headSha !== target.headSha) {
        outcome.skipped = `pull request #${target.pullRequest} is at ${headSha.slice(0, 7)} now, this report is for ${target.headSha.slice(0, 7)}: the comment is left to the run for the newer commit`;
      } else {
        const author = options.commentAuthor || (await tokenLogin(client));
        outcome.comment = await upsertStickyComment(client, { owner: target.owner, repo: target.repo, number: target.pullRequest }, { marker, body, digest, author });
      }
    } catch (error) {
      outcome.failures.push(describeApiError(error, 'post the pull-request comment'));
    }
  }

  if (options.checkRun) {
    const name = report.path ? `sluice review (${report.path})` : 'sluice review';
    try {
      outcome.checkRun = await publishCheckRun(client, {
        owner: target.owner,
        repo: target.repo,
        name,
        headSha: target.headSha,
        conclusion: failing(report, options.failOn) ? 'failure' : 'success',
        title: checkTitle(report),
        summary: formatReviewMarkdown(report, { limit: CHECK_SUMMARY_LIMIT - 100, measure: 'bytes', failOn: options.failOn, link, fullReport }),
        annotations: checkAnnotations(report.diagnostics),
        digest: reviewDigest(report, `${options.version}|${options.failOn}`),
        ...(target.runUrl ? { detailsUrl: target.runUrl } : {}),
      });
    } catch (error) {
      outcome.failures.push(describeApiError(error, 'create the check run'));
    }
  }
  return outcome;
}
