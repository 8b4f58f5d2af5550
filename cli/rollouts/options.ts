/** `sluice serve`'s rollout options: parsing, checking, and the wiring they describe. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../../proxy/index.ts';
import { UsageError } from '../errors.ts';
import { GitPolicyRepo } from './git-repo.ts';
import { RolloutWiring } from './wire.ts';

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const rolloutOptionSpec = {
  rollouts: { type: 'boolean' },
  'rollout-journal': { type: 'string' },
  prometheus: { type: 'string' },
  'rollout-token-file': { type: 'string' },
  'rollout-interval-ms': { type: 'string' },
  'github-repo': { type: 'string' },
  'github-api-url': { type: 'string' },
} as const;

export const rolloutUsage = `Rollout options:
  --rollouts                  Run the rollout controller for the Rollouts of the served policy
  --rollout-journal <file>    The decision journal (default: rollouts.jsonl in the state dir,
                              .sluice-state/ without --repo)
  --prometheus <url>          Prometheus for analysis (default: http://127.0.0.1:9090)
  --rollout-token-file <path> Bearer token of the rollout API (/api/rollouts, 'sluice
                              rollout'); without it the API answers 401 to everything
  --rollout-interval-ms <ms>  How often rollouts are reconciled (default: 1000)
  --github-repo <owner/name>  Promotion by pull request: the GitHub repository (token from
                              the environment variable GITHUB_TOKEN)
  --github-api-url <url>      GitHub API base URL (default: https://api.github.com)
`;

export interface RolloutValues {
  rollouts?: boolean;
  'rollout-journal'?: string;
  prometheus?: string;
  'rollout-token-file'?: string;
  'rollout-interval-ms'?: string;
  'github-repo'?: string;
  'github-api-url'?: string;
}

export interface RolloutSettings {
  journalPath: string;
  prometheus: string;
  token: string | undefined;
  intervalMs: number;
  git?: { origin: string; branch: string; workdir: string };
  github?: { owner: string; repo: string; baseUrl?: string; token: string };
}

/** Checks the options; undefined without --rollouts (then no other rollout option is allowed). */
export function rolloutSettings(values: RolloutValues, cwd: string, env: Readonly<Record<string, string | undefined>>, git?: { repo: string; branch: string; stateDir: string }): RolloutSettings | undefined {
  if (!values.rollouts) {
    for (const option of Object.keys(rolloutOptionSpec)) {
      if (option !== 'rollouts' && values[option as keyof RolloutValues] !== undefined) throw new UsageError(`--${option} goes with --rollouts`, 'serve');
    }
    return undefined;
  }
  const intervalMs = Number(values['rollout-interval-ms'] ?? '1000');
  // setTimeout fires at once for more than 2^31-1 ms (the controller would spin, not wait)
  if (!Number.isInteger(intervalMs) || intervalMs < 10 || intervalMs > MAX_TIMEOUT_MS) throw new UsageError(`--rollout-interval-ms takes a whole number of milliseconds (10 to ${MAX_TIMEOUT_MS}), got '${values['rollout-interval-ms']}'`, 'serve');
  const prometheus = values.prometheus ?? 'http://127.0.0.1:9090';
  if (!/^https?:\/\/[^/]+/.test(prometheus)) throw new UsageError(`--prometheus takes an http(s) URL, got '${prometheus}'`, 'serve');
  let token: string | undefined;
  const tokenFile = values['rollout-token-file'];
  if (tokenFile !== undefined) {
    try {
      token = readFileSync(resolve(cwd, tokenFile), 'utf8').trim();
    } catch (e) {
      throw new UsageError(`cannot read --rollout-token-file ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'serve');
    }
    if (token.length < 16) throw new UsageError(`the token in ${tokenFile} is shorter than 16 characters; use a long random one`, 'serve');
  }
  const stateDir = git?.stateDir ?? resolve(cwd, '.sluice-state');
  const settings: RolloutSettings = {
    journalPath: resolve(cwd, values['rollout-journal'] ?? join(stateDir, 'rollouts.jsonl')),
    prometheus,
    token,
    intervalMs,
  };
  if (git) settings.git = { origin: git.repo, branch: git.branch, workdir: join(stateDir, 'promotion-clone') };
  const githubRepo = values['github-repo'];
  if (githubRepo !== undefined) {
    const [owner, repo, ...rest] = githubRepo.split('/');
    if (!owner || !repo || rest.length > 0) throw new UsageError(`--github-repo takes OWNER/NAME, got '${githubRepo}'`, 'serve');
    const githubToken = env.GITHUB_TOKEN;
    if (!githubToken) throw new UsageError('--github-repo needs a token in the environment variable GITHUB_TOKEN', 'serve');
    settings.github = { owner, repo, token: githubToken, ...(values['github-api-url'] ? { baseUrl: values['github-api-url'] } : {}) };
  } else if (values['github-api-url'] !== undefined) throw new UsageError('--github-api-url goes with --github-repo', 'serve');
  return settings;
}

export function createRolloutWiring(settings: RolloutSettings, logger: Logger): RolloutWiring {
  const repo = settings.git ? new GitPolicyRepo({ ...settings.git, ...(settings.github ? { github: settings.github } : {}) }) : undefined;
  return new RolloutWiring({ journalPath: settings.journalPath, prometheus: settings.prometheus, token: settings.token, intervalMs: settings.intervalMs, logger, ...(repo ? { repo } : {}) });
}
