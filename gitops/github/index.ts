// GitHub's REST API for the pull-request review: the client, the sticky comment, check runs.
export { createGitHubClient, GitHubOctokit } from './client.ts';
export type { GitHubClient, GitHubClientOptions, LogLevel } from './client.ts';
export { describeApiError, FORK_DOCS, isRateLimited } from './errors.ts';
export { ACTIONS_BOT, digestLine, findStickyComment, tokenLogin, upsertStickyComment } from './sticky-comment.ts';
export type { CommentResult, IssueRef, StickyComment } from './sticky-comment.ts';
export { checkAnnotations } from './annotations.ts';
export type { CheckAnnotation } from './annotations.ts';
export { ANNOTATIONS_PER_REQUEST, CHECK_TEXT_LIMIT, publishCheckRun } from './check-run.ts';
export type { CheckRunInput, CheckRunResult, Conclusion } from './check-run.ts';
export { getPullRequest } from './pull-request.ts';
export type { PullRequestInfo } from './pull-request.ts';
export { ensureCommit, hasCommit } from './ensure-commit.ts';
