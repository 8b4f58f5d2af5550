/**
 * The rollout controller's PolicyRepo over a real repository: a working clone of its own
 * (simple-git) in the state directory, reset to the branch's head before every read, so a
 * promotion edits exactly what the branch holds. A commit is pushed to the branch; a push the
 * remote refuses (someone pushed first) throws, and the controller tries again on its next
 * reconcile with a fresh read. Pull requests push a branch and open the PR with octokit
 * against a configurable GitHub API base URL.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { Octokit } from '@octokit/core';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';
import type { FileChange, PolicyRepo } from '../../rollouts/controller/index.ts';

export interface GitHubTarget {
  /** API base URL (default https://api.github.com; GitHub Enterprise: https://HOST/api/v3). */
  baseUrl?: string;
  owner: string;
  repo: string;
  token: string;
}

export interface GitPolicyRepoOptions {
  /** URL or path of the repository (what `sluice serve --repo` names). */
  origin: string;
  branch: string;
  /** Folder for the working clone (created). */
  workdir: string;
  author?: { name: string; email: string };
  github?: GitHubTarget;
}

export class GitPolicyRepo implements PolicyRepo {
  private git: SimpleGit | undefined;

  constructor(private readonly options: GitPolicyRepoOptions) {}

  async readFile(path: string): Promise<string> {
    await this.fresh();
    return readFileSync(this.inside(path), 'utf8');
  }

  async commit(changes: readonly FileChange[], message: string): Promise<{ sha: string }> {
    const git = await this.clone();
    await this.write(git, changes);
    await git.raw(['commit', '-q', '--allow-empty', '-m', message]);
    const sha = (await git.revparse(['HEAD'])).trim();
    try {
      await git.raw(['push', '-q', 'origin', `HEAD:refs/heads/${this.options.branch}`]);
    } catch (e) {
      await git.raw(['reset', '-q', '--hard', `origin/${this.options.branch}`]);
      throw new Error(`pushing to ${this.options.branch} failed (${firstLine(e)}); it will be tried again on the new head`, { cause: e });
    }
    return { sha };
  }

  async openPullRequest(changes: readonly FileChange[], request: { title: string; body: string; branch: string }): Promise<{ url: string; sha: string }> {
    const github = this.options.github;
    if (!github) throw new Error('pull-request promotion needs a GitHub repository (--github-repo OWNER/NAME and a token)');
    const git = await this.fresh();
    await git.raw(['checkout', '-q', '-B', request.branch, `origin/${this.options.branch}`]);
    try {
      await this.write(git, changes);
      await git.raw(['commit', '-q', '-m', `${request.title}\n\n${request.body}`]);
      const sha = (await git.revparse(['HEAD'])).trim();
      await git.raw(['push', '-q', '--force', 'origin', `HEAD:refs/heads/${request.branch}`]);
      const octokit = new Octokit({ auth: github.token, ...(github.baseUrl ? { baseUrl: github.baseUrl } : {}) });
      const response = await octokit.request('POST /repos/{owner}/{repo}/pulls', { owner: github.owner, repo: github.repo, title: request.title, body: request.body, head: request.branch, base: this.options.branch });
      return { url: response.data.html_url, sha };
    } finally {
      await git.raw(['checkout', '-q', '-B', this.options.branch, `origin/${this.options.branch}`]);
    }
  }

  private inside(path: string): string {
    const full = normalize(join(this.options.workdir, path));
    if (!full.startsWith(normalize(this.options.workdir) + sep)) throw new Error(`${path} is outside the repository`);
    return full;
  }

  private async write(git: SimpleGit, changes: readonly FileChange[]): Promise<void> {
    for (const change of changes) {
      const full = this.inside(change.path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, change.content);
      await git.add(change.path);
    }
  }

  private async clone(): Promise<SimpleGit> {
    if (this.git) return this.git;
    const { workdir, origin, branch } = this.options;
    if (!existsSync(join(workdir, '.git'))) {
      mkdirSync(dirname(workdir), { recursive: true });
      await simpleGit().raw(['clone', '-q', '--branch', branch, origin, workdir]);
    }
    const git = simpleGit({ baseDir: workdir });
    await git.addConfig('user.name', this.options.author?.name ?? 'sluice rollouts');
    await git.addConfig('user.email', this.options.author?.email ?? 'rollouts@sluice.invalid');
    await git.addConfig('commit.gpgsign', 'false');
    this.git = git;
    return git;
  }

  /** The clone at the branch's current head. */
  private async fresh(): Promise<SimpleGit> {
    const git = await this.clone();
    await git.raw(['fetch', '-q', 'origin', this.options.branch]);
    await git.raw(['checkout', '-q', '-B', this.options.branch, `origin/${this.options.branch}`]);
    await git.raw(['reset', '-q', '--hard', `origin/${this.options.branch}`]);
    return git;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
