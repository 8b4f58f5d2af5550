import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';

/**
 * A real git setup for tests: a bare `origin` and a working clone that commits and
 * pushes to it. Everything lives in one temp folder, removed by `dispose()`.
 */
export interface TestRepo {
  root: string;
  /** Path of the bare repository (what `sluice serve --repo` would clone). */
  origin: string;
  /** Path of the working clone. */
  work: string;
  git: SimpleGit;
  /** Writes (string) or deletes (null) files in the clone, commits them, returns the sha. */
  commit(files: Record<string, string | null>, message: string, options?: { author?: string }): Promise<string>;
  /** Pushes the clone's branch to origin (force when asked). */
  push(options?: { force?: boolean; branch?: string }): Promise<void>;
  dispose(): void;
}

export async function createTestRepo(options: { branch?: string; files?: Record<string, string> } = {}): Promise<TestRepo> {
  const branch = options.branch ?? 'main';
  const root = mkdtempSync(join(tmpdir(), 'sluice-git-'));
  const origin = join(root, 'origin.git');
  const work = join(root, 'work');
  mkdirSync(origin);
  mkdirSync(work);
  await simpleGit({ baseDir: origin }).init(true, ['--initial-branch', branch]);
  const git = simpleGit({ baseDir: work });
  await git.init(['--initial-branch', branch]);
  await git.addConfig('user.name', 'Test Author');
  await git.addConfig('user.email', 'author@example.com');
  await git.addConfig('commit.gpgsign', 'false');
  await git.addRemote('origin', origin);

  const repo: TestRepo = {
    root,
    origin,
    work,
    git,
    async commit(files, message, commitOptions = {}) {
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) {
          rmSync(full, { force: true });
          await git.raw(['rm', '-q', '--cached', '--ignore-unmatch', '--', path]);
        } else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
          await git.add(path);
        }
      }
      const args = ['commit', '-q', '--allow-empty', '-m', message];
      if (commitOptions.author) args.push(`--author=${commitOptions.author}`);
      await git.raw(args);
      return (await git.revparse(['HEAD'])).trim();
    },
    async push(pushOptions = {}) {
      const target = pushOptions.branch ?? branch;
      const args = ['push', '-q', 'origin', `HEAD:refs/heads/${target}`];
      if (pushOptions.force) args.push('--force');
      await git.raw(args);
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  if (options.files) {
    await repo.commit(options.files, 'initial policy');
    await repo.push();
  }
  return repo;
}
