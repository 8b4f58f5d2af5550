/**
 * simple-git as the sync uses it: never prompts (a missing credential is an error, not a hung
 * process), gives up on a command that stops making progress, and keeps the operator's
 * transport and credential settings. simple-git 4 strips ambient `GIT_*` variables (and
 * refuses ones that can run programs) unless they are named; these are the ones that say how
 * to reach and authenticate to a remote. They come from the operator's environment, never from
 * the repository or a webhook.
 */
import { dirname, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';

const TRANSPORT_ENVIRONMENT = [
  'GIT_TERMINAL_PROMPT',
  'GIT_CEILING_DIRECTORIES',
  'GIT_SSH_COMMAND',
  'GIT_SSH',
  'GIT_SSH_VARIANT',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_HTTP_LOW_SPEED_LIMIT',
  'GIT_HTTP_LOW_SPEED_TIME',
  'GIT_SSL_CAINFO',
  'GIT_SSL_NO_VERIFY',
];
const allowed = new Set(TRANSPORT_ENVIRONMENT.map((k) => k.toLowerCase()));
/** Variables outside GIT_* that make git run a program (simple-git refuses them). */
const PROGRAM_VARIABLES = new Set(['editor', 'visual', 'pager', 'prefix']);

/**
 * `isolated`: git must use the repository at `baseDir` and nothing else. Without a ceiling, a
 * damaged clone would make git look upwards and act on whatever repository encloses the state
 * dir (a state dir inside the user's own checkout, say).
 */
export function gitAt(baseDir: string, options: { timeoutMs?: number; isolated?: boolean } = {}): SimpleGit {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (value === undefined || ((lower.startsWith('git_') || PROGRAM_VARIABLES.has(lower)) && !allowed.has(lower))) continue;
    env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  if (options.isolated) env.GIT_CEILING_DIRECTORIES = dirname(resolve(baseDir));
  // BatchMode: ssh fails on a missing key or an unknown host key instead of asking.
  env.GIT_SSH_COMMAND ??= 'ssh -o BatchMode=yes';
  return simpleGit({
    baseDir,
    allowEnvironment: TRANSPORT_ENVIRONMENT,
    unsafe: { allowUnsafeSshCommand: true, allowUnsafeAskPass: true, allowUnsafeConfigPaths: true },
    timeout: { block: options.timeoutMs ?? 120_000 },
  }).env(env);
}
