/** What the caller was doing when a request failed: `post the pull-request comment`. */
export type Action = string;

interface RequestErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/** Where the fork-safe workflow is explained (a fork's token can read, never write). */
export const FORK_DOCS = 'docs/github-action.md#pull-requests-from-forks';

function statusOf(error: unknown): number | undefined {
  const status = (error as RequestErrorLike | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function apiMessage(error: unknown): string {
  const data = (error as RequestErrorLike | null)?.response?.data;
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') return (data as { message: string }).message;
  const message = (error as RequestErrorLike | null)?.message;
  return typeof message === 'string' ? message.split('\n')[0] ?? message : String(error);
}

function header(error: unknown, name: string): string | undefined {
  const value = (error as RequestErrorLike | null)?.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

function networkCause(error: unknown, message: string): string {
  let cause = (error as { cause?: unknown } | null)?.cause;
  while (cause && typeof cause === 'object') {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return message.includes(code) ? message : `${message}: ${code}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return message;
}

export function isRateLimited(error: unknown): boolean {
  const status = statusOf(error);
  // 429 is only ever a rate limit; a 403 is one when it says so (primary or secondary limit)
  if (status === 429) return true;
  if (status !== 403) return false;
  return header(error, 'x-ratelimit-remaining') === '0' || header(error, 'retry-after') !== undefined || /rate limit/i.test(apiMessage(error));
}

/**
 * One line that says what failed, why, and what to do, for a GitHub API error (never a
 * stack trace): a fork's read-only token, missing permissions, a rate limit, a bad token, an
 * unreachable server.
 */
export function describeApiError(error: unknown, action: Action): string {
  const status = statusOf(error);
  const message = apiMessage(error);
  // octokit reports a request that got no answer (refused, DNS, TLS) as a 500 without a response
  if (status === undefined || (error as RequestErrorLike).response === undefined) return `could not ${action}: GitHub's API could not be reached (${networkCause(error, message)})`;
  if (isRateLimited(error)) {
    const reset = Number(header(error, 'x-ratelimit-reset'));
    const when = Number.isFinite(reset) && reset > 0 ? `; it resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC` : '';
    return `could not ${action}: GitHub's API rate limit was reached (${status} ${message})${when}`;
  }
  if (status === 403 || (status === 404 && /not accessible|integration/i.test(message))) {
    return (
      `could not ${action}: GitHub refused it (${status} ${message}). The token cannot write here: a pull request from a fork ` +
      `gets a read-only token (post from a workflow_run job instead, see ${FORK_DOCS}), or the job lacks ` +
      `'pull-requests: write' / 'checks: write' permissions`
    );
  }
  if (status === 401) return `could not ${action}: GitHub rejected the token (401 ${message}); check the action's 'token' input`;
  if (status === 404) return `could not ${action}: not found (404 ${message}); the repository or pull request does not exist or the token cannot see it`;
  return `could not ${action}: GitHub answered ${status} (${message})`;
}
