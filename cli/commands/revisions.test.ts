// `sluice validate --rev` and `sluice diff REV1 REV2` on a real repository: the policy is read
// at the revisions from the object database; the working tree, HEAD and the index stay as
// they were, and nothing is written.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestRepo } from '../../gitops/testing/repo.ts';
import type { TestRepo } from '../../gitops/testing/repo.ts';
import { memoryContext } from '../testing.ts';
import { diffCommand } from './diff.ts';
import { validateCommand } from './validate.ts';

const policies = fileURLToPath(new URL('../../policies/', import.meta.url));
const canary = readFileSync(join(policies, 'reviews-canary.yaml'), 'utf8');
const mesh: Record<string, string> = Object.fromEntries(['services.yaml', 'traffic.yaml', 'security.yaml', 'reviews-canary.yaml'].map((f) => [`mesh/${f}`, readFileSync(join(policies, f), 'utf8')]));

async function run(command: typeof validateCommand, args: string[], cwd: string) {
  const m = memoryContext({ cwd, env: { NO_COLOR: '1' } });
  let code: number;
  try {
    code = await command.run(args, m.context);
  } catch (error) {
    // What main.ts does with a CliError/UsageError: one line, exit 2.
    const e = error as { message: string; exitCode?: number };
    return { code: e.exitCode ?? 2, stdout: m.stdout(), stderr: e.message };
  }
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

/** Everything that would show a checkout or a leftover: files, status, HEAD, worktrees. */
async function footprint(repo: TestRepo): Promise<string> {
  const list = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() && e.name !== '.git' ? list(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
  return JSON.stringify({
    files: list(repo.work).sort(),
    status: await repo.git.raw(['status', '--porcelain']),
    head: await repo.git.revparse(['HEAD']),
    worktrees: await repo.git.raw(['worktree', 'list', '--porcelain']),
    origin: readdirSync(repo.origin).sort(),
  });
}

describe('policy at git revisions', () => {
  let repo: TestRepo;
  let good = '';
  let broken = '';
  let split = '';
  before(async () => {
    repo = await createTestRepo({ files: mesh });
    good = (await repo.git.revparse(['HEAD'])).trim();
    broken = await repo.commit({ 'mesh/reviews-canary.yaml': canary.replace('weight: 90\n', 'weight: [90\n') }, 'broken');
    split = await repo.commit({ 'mesh/reviews-canary.yaml': canary.replace('weight: 90', 'weight: 50').replace('weight: 10', 'weight: 50') }, '50/50');
    await repo.push();
    // An uncommitted edit in the working tree, which --rev must neither read nor disturb.
    writeFileSync(join(repo.work, 'mesh', 'reviews-canary.yaml'), 'this: [is not valid\n');
  });
  after(() => repo.dispose());

  it('validate --rev reads a commit, not the working tree, and leaves no trace', async () => {
    const before = await footprint(repo);
    const ok = await run(validateCommand, ['--rev', 'HEAD', 'mesh'], repo.work);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /15 documents \(4 files\) valid/);
    const bad = await run(validateCommand, ['--rev', broken], repo.work);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^mesh\/reviews-canary\.yaml:\d+:\d+ - error SLU1001/m);
    assert.match(bad.stdout, /weight: \[90/, 'the code frame shows the committed text');
    assert.equal(await footprint(repo), before);
  });

  it('validate --rev takes FOLDER relative to the working directory, and --repo a bare repository', async () => {
    const inside = await run(validateCommand, ['--rev', 'HEAD~2', '.'], join(repo.work, 'mesh'));
    assert.equal(inside.code, 0, inside.stdout + inside.stderr);
    const bare = await run(validateCommand, ['--rev', 'main', '--repo', repo.origin, 'mesh', '--format', 'json'], repo.root);
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal((JSON.parse(bare.stdout) as { summary: { documents: number } }).summary.documents, 15);
  });

  it('validate --rev: a revision that does not exist is one line and exit 2', async () => {
    const r = await run(validateCommand, ['--rev', 'no-such-branch'], repo.work);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot resolve 'no-such-branch'/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('diff REV1 REV2 --repo shows what the change does to traffic', async () => {
    const before = await footprint(repo);
    const r = await run(diffCommand, [good, split, '--repo', repo.origin, '--path', 'mesh'], repo.root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /reviews\.shop\.svc\.cluster\.local:9080/);
    assert.match(r.stdout, /v1 90% → 50%, v2 10% → 50%/);
    assert.equal(await footprint(repo), before);
  });

  it('diff REV PATH compares a commit with files on disk (a spec that is not a path is a revision)', async () => {
    writeFileSync(join(repo.work, 'mesh', 'reviews-canary.yaml'), canary.replace('weight: 10\n', 'weight: 0\n').replace('weight: 90', 'weight: 100'));
    const r = await run(diffCommand, ['HEAD', 'mesh/'], repo.work);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /v1 50% → 100%, v2 50% → 0%/);
  });
});
