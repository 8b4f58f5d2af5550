import type { CheckAnnotation } from './annotations.ts';
import type { GitHubClient } from './client.ts';

/** The Checks API takes at most 50 annotations per request; more are appended by updates. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** `output.summary` and `output.text` hold at most 65,535 characters. */
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
}

export interface CheckRunResult {
  id: number;
  url: string;
  /** Requests sent: 1 + one per further 50 annotations. */
  requests: number;
}

function clampText(text: string): string {
  return text.length <= CHECK_TEXT_LIMIT ? text : `${text.slice(0, CHECK_TEXT_LIMIT - 2)}\n…`;
}

/**
 * A completed check run with every annotation: created with the first 50 (in progress when
 * more follow), then updated with 50 more at a time; the last request completes it.
 */
export async function publishCheckRun(client: GitHubClient, input: CheckRunInput): Promise<CheckRunResult> {
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
    ...(batches.length === 1 ? final : { status: 'in_progress' as const }),
    output: output(batches[0] ?? []),
  });
  for (let i = 1; i < batches.length; i++) {
    await client.rest.checks.update({
      owner: input.owner,
      repo: input.repo,
      check_run_id: Number(data.id),
      ...(i === batches.length - 1 ? final : {}),
      output: output(batches[i] ?? []),
    });
  }
  return { id: Number(data.id), url: data.html_url ?? '', requests: batches.length };
}
