// Helpers for the action's tests (not a test file itself): a bookinfo policy repository in
// git, and one run of the action the way the runner starts it (env, event file, summary file).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGitHubClient } from '../../gitops/github/index.ts';
import type { TestRepo } from '../../gitops/testing/repo.ts';
import { createTestRepo } from '../../gitops/testing/repo.ts';
import { runAction } from './main.ts';

export const BOOKINFO = fileURLToPath(new URL('../../../shared/conformance/istio-bookinfo/', import.meta.url));
export const read = (file: string): string => readFileSync(join(BOOKINFO, file), 'utf8');

/** A policy repo with bookinfo's platform, its DestinationRules and reviews at 90-10, under `policies/`. */
export async function bookinfoRepo(): Promise<{ repo: TestRepo; base: string }> {
  const repo = await createTestRepo({
    files: {
      'policies/bookinfo.yaml': read('platform/bookinfo.yaml'),
      'policies/destination-rule-all.yaml': read('networking/destination-rule-all.yaml'),
      'policies/reviews.yaml': read('networking/virtual-service-reviews-90-10.yaml'),
      'README.md': '# mesh policy\n',
    },
  });
  return { repo, base: (await repo.git.revparse(['HEAD'])).trim() };
}

export interface RunOptions {
  api: string;
  workspace: string;
  event?: Record<string, unknown>;
  eventName?: string;
  inputs?: Record<string, string>;
  runId?: number;
}

export interface RunResult {
  code: number;
  log: string;
  summary: string;
  outputs: string;
  /** The SARIF file and the review artifact, when written. */
  sarif?: string;
  artifact?: string;
}

/** Runs the action's entry point in-process against `api` with the real octokit (short retry waits). */
export async function runActionOnce(options: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-action-'));
  try {
    const eventPath = join(dir, 'event.json');
    writeFileSync(eventPath, JSON.stringify(options.event ?? {}));
    const summary = join(dir, 'summary.md');
    const output = join(dir, 'output.txt');
    writeFileSync(summary, '');
    writeFileSync(output, '');
    const env: Record<string, string> = {
      GITHUB_EVENT_NAME: options.eventName ?? 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: 'acme/mesh-policy',
      GITHUB_API_URL: options.api,
      GITHUB_SERVER_URL: 'https://github.test',
      GITHUB_RUN_ID: String(options.runId ?? 77),
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      INPUT_TOKEN: 'ghs_test_token',
      'INPUT_REPORT-DIR': join(dir, 'report'),
      INPUT_SARIF: join(dir, 'sluice.sarif'),
    };
    for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${name.toUpperCase()}`] = value;
    let log = '';
    const code = await runAction(
      { env, stdout: { write: (chunk) => void (log += chunk) } },
      { client: (token, baseUrl) => createGitHubClient({ token, baseUrl, retryBaseMs: 5 }) },
    );
    const optional = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
    const result: RunResult = { code, log, summary: readFileSync(summary, 'utf8'), outputs: readFileSync(output, 'utf8') };
    const sarif = optional(join(dir, 'sluice.sarif'));
    const artifact = optional(join(dir, 'report', 'sluice-review.json'));
    if (sarif !== undefined) result.sarif = sarif;
    if (artifact !== undefined) result.artifact = artifact;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pullRequestEvent(number: number, baseSha: string, headSha: string): Record<string, unknown> {
  return { action: 'synchronize', number, pull_request: { number, base: { sha: baseSha }, head: { sha: headSha } } };
}
