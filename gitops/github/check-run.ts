import type { CheckAnnotation } from './annotations.ts';
import type { GitHubClient } from './client.ts';
import { truncateUtf8 } from './truncate.ts';

/** The Checks API takes at most 50 annotations per request; more are appended by updates. */
export const ANNOTATIONS_PER_REQUEST = 50;
/**
 * `output.summary` and `output.text` hold at most 65,535 UTF-8 bytes: the docs say
 * characters, GitHub answers "summary exceeds a maximum bytesize of 65535".
 */
export const CHECK_TEXT_LIMIT = 65_535;

export type Conclusion = 'success' | 'failure' | 'neutral';

export interface CheckRunInput {
  owner: string;
  repo: string;
  name: string;
  /** The commit the check belongs to (a pull request's head, not its merge commit). */
  headSha: string;
  conclusion: Conclusion;
  title: string;
  summary: string;
  annotations: readonly CheckAnnotation[];
  detailsUrl?: string;
  /**
   * What the run reports, kept as the check run's `external_id`: when the commit already has
   * a completed run of this name with the same digest (a re-run), nothing is written.
   */
  digest?: string;
}

export interface CheckRunResult {
  id: number;
  url: string;
  /** Write requests sent: 1 + one per further 50 annotations; 0 when an identical run existed. */
  requests: number;
}

/** A completed run of this name on this commit that reported the same digest. */
async function identicalRun(client: GitHubClient, input: CheckRunInput): Promise<{ id: number; url: string } | undefined> {
  if (!input.digest) return undefined;
  const runs = await client.paginate(client.rest.checks.listForRef, { owner: input.owner, repo: input.repo, ref: input.headSha, check_name: input.name, per_page: 100 });
  const same = runs.find((run) => run.external_id === input.digest && run.status === 'completed');
  return same ? { id: Number(same.id), url: same.html_url ?? '' } : undefined;
}

function clampText(text: string): string {
  return truncateUtf8(text, CHECK_TEXT_LIMIT, '\n…');
}

/**
 * A completed check run with every annotation: created with the first 50 (in progress when
 * more follow), then updated with 50 more at a time; the last request completes it. A
 * re-run that reports the same as the commit's earlier run writes nothing.
 */
export async function publishCheckRun(client: GitHubClient, input: CheckRunInput): Promise<CheckRunResult> {
  const existing = await identicalRun(client, input);
  if (existing) return { ...existing, requests: 0 };
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < input.annotations.length; i += ANNOTATIONS_PER_REQUEST) batches.push(input.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  if (batches.length === 0) batches.push([]);
  const output = (annotations: CheckAnnotation[]) => ({
    title: input.title.slice(0, 255),
    summary: clampText(input.summary),
    ...(annotations.length > 0 ? { annotations } : {}),
  });
  const final = { status: 'completed' as const, conclusion: input.conclusion, completed_at: new Date().toISOString() };
  const { data } = await client.rest.checks.create({
    owner: input.owner,
    repo: input.repo,
    name: input.name,
    head_sha: input.headSha,
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
    ...(input.digest ? { external_id: input.digest } : {}),
    ...(batches.length === 1 ? final : { status: 'in_progress' as const }),
    output: output(batches[0] ?? []),
  });
  const id = Number(data.id);
  for (let i = 1; i < batches.length; i++) {
    try {
      await client.rest.checks.update({ owner: input.owner, repo: input.repo, check_run_id: id, ...(i === batches.length - 1 ? final : {}), output: output(batches[i] ?? []) });
    } catch (error) {
      await completeCut(client, input, id, final, input.annotations.length - i * ANNOTATIONS_PER_REQUEST);
      throw error;
    }
  }
  return { id, url: data.html_url ?? '', requests: batches.length };
}

/**
 * A run left in progress would show as pending on the pull request forever: when appending
 * annotations fails, the run is still completed with its verdict and says how many are
 * missing. Best effort: if this fails too, the caller reports the first error.
 */
async function completeCut(client: GitHubClient, input: CheckRunInput, id: number, final: object, missing: number): Promise<void> {
  const note = `> [!WARNING]\n> ${missing} of ${input.annotations.length} annotations could not be sent; the job summary lists every finding.\n\n`;
  await client.rest.checks
    .update({ owner: input.owner, repo: input.repo, check_run_id: id, ...final, output: { title: input.title.slice(0, 255), summary: clampText(note + input.summary) } })
    .catch(() => undefined);
}
