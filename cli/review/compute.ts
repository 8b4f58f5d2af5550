import { diffPolicies, validateSources } from '../../compiler/index.ts';
import { readTreeAtRevision } from '../../gitops/index.ts';
import type { ReviewResult } from './report.ts';
import { assembleReview } from './report.ts';

export interface ReviewInput {
  /** A git working tree or bare repository. */
  repo: string;
  base: string;
  head: string;
  /** Only the policy files below this folder of the repository. */
  path?: string;
}

/**
 * Reads both revisions straight from git (no checkout: the working tree is never touched),
 * validates them and diffs their models. The same function runs under `sluice review` and
 * in the pull-request action, so a report seen locally is the report CI posts.
 */
export async function computeReview(input: ReviewInput): Promise<ReviewResult> {
  const path = normalizePath(input.path);
  const options = path ? { path } : {};
  const [baseTree, headTree] = await Promise.all([readTreeAtRevision(input.repo, input.base, options), readTreeAtRevision(input.repo, input.head, options)]);
  return assembleReview(
    path,
    {
      base: { revision: input.base, tree: baseTree, validation: validateSources(baseTree.sources) },
      head: { revision: input.head, tree: headTree, validation: validateSources(headTree.sources) },
    },
    diffPolicies,
  );
}

function normalizePath(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/^\.?\/+/, '').replace(/\/+$/, '');
  return trimmed === '.' ? '' : trimmed;
}
