// `sluice serve` argument handling for --repo and --poll (the serving itself is tested in
// serve.test.ts and test/gitops/serve-repo.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryContext } from '../testing.ts';
import { normalizePollFlag, serveCommand } from './serve.ts';

async function usageError(args: string[]): Promise<string> {
  const m = memoryContext();
  try {
    await serveCommand.run(args, m.context);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`serve ${args.join(' ')} did not fail`);
}

describe('sluice serve arguments', () => {
  it('--poll is a flag for files and takes an interval for git', () => {
    assert.deepEqual(normalizePollFlag(['policies/', '--poll']), ['policies/', '--poll=on']);
    assert.deepEqual(normalizePollFlag(['--poll', 'policies/']), ['--poll=on', 'policies/']);
    assert.deepEqual(normalizePollFlag(['--repo', 'x', '--poll', '30s']), ['--repo', 'x', '--poll=30s']);
    assert.deepEqual(normalizePollFlag(['--poll', 'off']), ['--poll=off']);
    assert.deepEqual(normalizePollFlag(['--poll', '*/20 * * * * *']), ['--poll=*/20 * * * * *']);
    assert.deepEqual(normalizePollFlag(['--', '--poll']), ['--', '--poll']);
  });

  it('refuses what does not go together, with one line each', async () => {
    assert.match(await usageError(['policies/', '--repo', '.']), /PATH and --repo exclude each other/);
    assert.match(await usageError(['--branch', 'dev']), /--branch goes with --repo/);
    assert.match(await usageError(['--repo', '.', '--revision', 'x']), /--revision is for files/);
    assert.match(await usageError(['--repo', '.', '--poll', '45s']), /does not divide a minute/);
    assert.match(await usageError(['--repo', '.', '--max-repo-bytes', 'lots']), /--max-repo-bytes takes a size/);
    assert.match(await usageError(['--repo', '.', '--branch', '--upload-pack=x']), /not a branch name|--branch/);
    assert.match(await usageError(['--repo', '.', '--path', '../..']), /--path: the policy folder '\.\.\/\.\.' is not a folder inside the repository/);
    assert.match(await usageError(['--repo', '.', '--path', '/etc']), /--path: .* is not a folder inside the repository/);
  });
});
