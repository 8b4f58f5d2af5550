import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { FailOn } from '../format/review-markdown.ts';

/** What the action reads and writes: injectable so tests run it in-process. */
export interface ActionIO {
  env: Readonly<Record<string, string | undefined>>;
  /** The step's log (workflow commands are read from it). */
  stdout: { write(chunk: string): void };
}

export type Mode = 'full' | 'analyze' | 'post';

export interface ActionInputs {
  /** The policy folder inside the repository ('' = all of it). */
  path: string;
  /** Base revision; empty = the pull request's base commit. */
  base: string;
  head: string;
  failOn: FailOn;
  comment: boolean;
  checkRun: boolean;
  /** Where to write the SARIF file ('' = none). */
  sarif: string;
  token: string;
  mode: Mode;
  /** Folder for the review JSON (the artifact of the fork-safe workflow). */
  reportDir: string;
  /** Whose earlier comment to update; empty = the token's user, or github-actions[bot]. */
  commentAuthor: string;
}

export interface PullRequestContext {
  number: number;
  baseSha: string;
  headSha: string;
}

export interface GitHubContext {
  eventName: string;
  owner: string;
  repo: string;
  apiUrl: string;
  serverUrl: string;
  /** The repository checkout. */
  workspace: string;
  /** The run's page, where the job summary is shown. */
  runUrl?: string;
  stepSummary?: string;
  outputFile?: string;
  pullRequest?: PullRequestContext;
  /** For `workflow_run` events: the head commit of the run that analysed the pull request. */
  workflowRun?: { headSha: string; pullRequests: number[] };
}

/** A bad input or a context the action cannot work in: one line, exit 2. */
export class ActionInputError extends Error {
  override readonly name = 'ActionInputError';
}

function input(env: ActionIO['env'], name: string, fallback = ''): string {
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

function bool(env: ActionIO['env'], name: string, fallback: boolean): boolean {
  const value = input(env, name, String(fallback)).toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  throw new ActionInputError(`input '${name}' must be true or false, not '${value}'`);
}

function choice<T extends string>(env: ActionIO['env'], name: string, fallback: T, choices: readonly T[]): T {
  const value = input(env, name, fallback) as T;
  if (!choices.includes(value)) throw new ActionInputError(`input '${name}' must be one of ${choices.join(', ')}, not '${value}'`);
  return value;
}

export function readInputs(env: ActionIO['env']): ActionInputs {
  const sarif = input(env, 'sarif', 'sluice.sarif');
  return {
    path: input(env, 'path', '.'),
    base: input(env, 'base'),
    head: input(env, 'head', 'HEAD'),
    failOn: choice<FailOn>(env, 'fail-on', 'error', ['error', 'warning', 'never']),
    comment: bool(env, 'comment', true),
    checkRun: bool(env, 'check-run', true),
    sarif: sarif.toLowerCase() === 'false' ? '' : sarif,
    token: input(env, 'token', env.GITHUB_TOKEN ?? ''),
    mode: choice<Mode>(env, 'mode', 'full', ['full', 'analyze', 'post']),
    reportDir: input(env, 'report-dir', 'sluice-review'),
    commentAuthor: input(env, 'comment-author'),
  };
}

interface EventPayload {
  pull_request?: { number?: unknown; base?: { sha?: unknown }; head?: { sha?: unknown } };
  workflow_run?: { head_sha?: unknown; pull_requests?: { number?: unknown }[] };
}

function readEvent(path: string | undefined): EventPayload {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EventPayload;
  } catch (error) {
    throw new ActionInputError(`cannot read the event payload ${path}: ${(error as Error).message}`);
  }
}

export function readContext(env: ActionIO['env']): GitHubContext {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const context: GitHubContext = {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    owner,
    repo,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    serverUrl,
    workspace: isAbsolute(workspace) ? workspace : resolve(workspace),
  };
  if (owner && repo && env.GITHUB_RUN_ID) context.runUrl = `${serverUrl}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`;
  if (env.GITHUB_STEP_SUMMARY) context.stepSummary = env.GITHUB_STEP_SUMMARY;
  if (env.GITHUB_OUTPUT) context.outputFile = env.GITHUB_OUTPUT;
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const pr = event.pull_request;
  if (pr && typeof pr.number === 'number' && typeof pr.base?.sha === 'string' && typeof pr.head?.sha === 'string') {
    context.pullRequest = { number: pr.number, baseSha: pr.base.sha, headSha: pr.head.sha };
  }
  const run = event.workflow_run;
  if (run && typeof run.head_sha === 'string') {
    context.workflowRun = { headSha: run.head_sha, pullRequests: (run.pull_requests ?? []).map((p) => p.number).filter((n): n is number => typeof n === 'number') };
  }
  return context;
}
