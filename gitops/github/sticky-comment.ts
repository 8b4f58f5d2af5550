import type { GitHubClient } from './client.ts';
import { isRateLimited } from './errors.ts';

export interface IssueRef {
  owner: string;
  repo: string;
  /** The pull request's number (pull requests are issues for comments). */
  number: number;
}

export interface StickyComment {
  /**
   * The hidden HTML comment that identifies this tool's comment (and, in a monorepo, which
   * policy folder it is about). The body must contain it.
   */
  marker: string;
  body: string;
  /**
   * A digest of what the comment reports; when the existing comment carries the same one,
   * nothing is written (a re-run or a push that changes nothing stays quiet).
   */
  digest: string;
  /** The login that posts: only its comments are candidates (a user quoting the marker is not). */
  author: string;
}

export interface CommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string;
}

/** `<!-- digest=... -->` as written into the body; searched for to detect an unchanged report. */
export function digestLine(digest: string): string {
  return `<!-- digest=${digest} -->`;
}

interface FoundComment {
  id: number;
  body?: string | undefined;
  html_url: string;
  user?: { login?: string } | null;
}

function sameLogin(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

/**
 * The tool's earlier comment on the pull request: the first one that carries the marker
 * and was written by `author`. Every page of the comment list is read until it is found (a
 * busy pull request has hundreds of comments; page 1 alone would create duplicates).
 */
export async function findStickyComment(client: GitHubClient, issue: IssueRef, marker: string, author: string): Promise<FoundComment | undefined> {
  const pages = client.paginate.iterator(client.rest.issues.listComments, { owner: issue.owner, repo: issue.repo, issue_number: issue.number, per_page: 100 });
  for await (const page of pages) {
    for (const comment of page.data as FoundComment[]) {
      if (sameLogin(comment.user?.login, author) && comment.body?.includes(marker)) return comment;
    }
  }
  return undefined;
}

/** Creates the comment, updates it in place, or leaves it alone when its digest is current. */
export async function upsertStickyComment(client: GitHubClient, issue: IssueRef, comment: StickyComment): Promise<CommentResult> {
  if (!comment.body.includes(comment.marker)) throw new Error('the comment body must contain its marker');
  const body = comment.body.includes(digestLine(comment.digest)) ? comment.body : `${comment.body.replace(/\n*$/, '\n')}${digestLine(comment.digest)}\n`;
  const existing = await findStickyComment(client, issue, comment.marker, comment.author);
  if (existing?.body?.includes(digestLine(comment.digest))) return { action: 'unchanged', id: existing.id, url: existing.html_url };
  if (existing) {
    const { data } = await client.rest.issues.updateComment({ owner: issue.owner, repo: issue.repo, comment_id: existing.id, body });
    return { action: 'updated', id: Number(data.id), url: data.html_url };
  }
  const { data } = await client.rest.issues.createComment({ owner: issue.owner, repo: issue.repo, issue_number: issue.number, body });
  return { action: 'created', id: Number(data.id), url: data.html_url };
}

/** The default author of GITHUB_TOKEN's comments. */
export const ACTIONS_BOT = 'github-actions[bot]';

/**
 * Whose comments to look for: the token's user (a personal token), or `github-actions[bot]`
 * for the workflow token, which /user refuses (403). Any other failure (a rate limit, GitHub
 * down) is thrown: guessing the bot would miss a personal token's comment and post a second one.
 */
export async function tokenLogin(client: GitHubClient): Promise<string> {
  try {
    const { data } = await client.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    if ((error as { status?: unknown }).status === 403 && !isRateLimited(error)) return ACTIONS_BOT;
    throw error;
  }
}
