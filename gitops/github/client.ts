import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

/**
 * Octokit with what a CI tool needs: REST methods, pagination, retries of 5xx and network
 * errors, and GitHub's rate limits respected (writes spaced out, a primary or secondary limit
 * waited out once if the wait is short, otherwise the request fails and the caller reports it).
 */
export const GitHubOctokit = Octokit.plugin(paginateRest, restEndpointMethods, retry, throttling);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface GitHubClientOptions {
  token: string;
  /** The REST API root: GITHUB_API_URL on a runner (GitHub Enterprise Server differs), a local server in tests. */
  baseUrl?: string;
  userAgent?: string;
  log?: (level: LogLevel, message: string) => void;
  /** A rate limit that resets later than this is not waited for: the request fails and the caller falls back. Default 60 s. */
  maxRateLimitWaitSeconds?: number;
  /** Retries of a 5xx or network error. Default 3 (after 1, 4, 9 × `retryBaseMs`). */
  retries?: number;
  /** Default 1000 ms. */
  retryBaseMs?: number;
  /** Requests with the same id share write spacing; default one per client. */
  throttleId?: string;
}

let clients = 0;

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const log = options.log ?? (() => {});
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const wait = retryCount < 1 && retryAfter <= maxWait;
    log('warn', `GitHub ${kind} rate limit hit by ${request.method} ${request.url}; ${wait ? `retrying in ${retryAfter} s` : `not waiting ${retryAfter} s for it`}`);
    return wait;
  };
  return new GitHubOctokit({
    auth: options.token,
    baseUrl: (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'sluice',
    log: {
      debug: (message: string) => log('debug', message),
      info: (message: string) => log('info', message),
      warn: (message: string) => log('warn', message),
      error: (message: string) => log('error', message),
    },
    retry: { retries: options.retries ?? 3, ...(options.retryBaseMs === undefined ? {} : { retryAfterBaseValue: options.retryBaseMs }) },
    throttle: {
      id: options.throttleId ?? `sluice-${process.pid}-${++clients}`,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      ...(options.retryBaseMs === undefined ? {} : { retryAfterBaseValue: options.retryBaseMs }),
    },
  });
}
