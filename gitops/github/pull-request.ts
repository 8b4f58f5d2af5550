import type { GitHubClient } from './client.ts';
import type { IssueRef } from './sticky-comment.ts';

export interface PullRequestInfo {
  number: number;
  headSha: string;
  baseSha: string;
  state: string;
}

export async function getPullRequest(client: GitHubClient, ref: IssueRef): Promise<PullRequestInfo> {
  const { data } = await client.rest.pulls.get({ owner: ref.owner, repo: ref.repo, pull_number: ref.number });
  return { number: data.number, headSha: data.head.sha, baseSha: data.base.sha, state: data.state };
}
