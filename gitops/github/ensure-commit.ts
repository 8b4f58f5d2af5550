import { simpleGit } from 'simple-git';

/**
 * Makes sure a commit is in the repository. actions/checkout fetches one commit by default
 * (the merge commit of a pull request), so the base the review compares against is usually
 * missing: it is fetched by sha, shallowly, from `remote`. True when it had to be fetched.
 */
export async function ensureCommit(repoPath: string, sha: string, remote = 'origin'): Promise<boolean> {
  const git = simpleGit({ baseDir: repoPath });
  if (await hasCommit(repoPath, sha)) return false;
  if (!/^[0-9a-f]{40,64}$/i.test(sha)) return false;
  await git.raw(['fetch', '--no-tags', '--quiet', '--depth=1', remote, sha]);
  return true;
}

export async function hasCommit(repoPath: string, revision: string): Promise<boolean> {
  try {
    await simpleGit({ baseDir: repoPath }).raw(['cat-file', '-e', '--end-of-options', `${revision}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}
