import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readdirSync } from 'node:fs';
import { readTreeAtRevision, resolveCommit, RevisionError } from './index.ts';
import { createTestRepo } from './testing/repo.ts';
import type { TestRepo } from './testing/repo.ts';

const text = (content: string | Uint8Array) => (typeof content === 'string' ? content : new TextDecoder().decode(content));

describe('readTreeAtRevision', () => {
  let repo: TestRepo;
  let first: string;
  let second: string;

  before(async () => {
    repo = await createTestRepo();
    first = await repo.commit({ 'policies/a.yaml': 'kind: A\n', 'policies/sub/b.yml': 'kind: B\n', 'README.md': '# not policy\n', 'other/c.yaml': 'kind: C\n' }, 'first');
    second = await repo.commit({ 'policies/a.yaml': 'kind: A2\n', 'policies/sub/b.yml': null, 'policies/.hidden/d.yaml': 'kind: D\n' }, 'second\n\nwith a body', {
      author: 'Jane Doe <jane@example.com>',
    });
  });
  after(() => repo.dispose());

  it('reads the policy files of a commit, sorted, without touching the work tree', async () => {
    const before = readdirSync(repo.work).sort();
    const tree = await readTreeAtRevision(repo.work, first);
    assert.deepEqual(
      tree.sources.map((s) => [s.path, text(s.content)]),
      [
        ['other/c.yaml', 'kind: C\n'],
        ['policies/a.yaml', 'kind: A\n'],
        ['policies/sub/b.yml', 'kind: B\n'],
      ],
    );
    assert.equal(tree.commit.sha, first);
    assert.deepEqual(readdirSync(repo.work).sort(), before);
  });

  it('limits the tree to a folder and skips hidden folders', async () => {
    const tree = await readTreeAtRevision(repo.work, 'HEAD', { path: './policies/' });
    assert.deepEqual(
      tree.sources.map((s) => [s.path, text(s.content)]),
      [['policies/a.yaml', 'kind: A2\n']],
    );
  });

  it('reports commit metadata', async () => {
    const commit = await resolveCommit(repo.work, 'HEAD');
    assert.equal(commit.sha, second);
    assert.equal(commit.author, 'Jane Doe');
    assert.equal(commit.email, 'jane@example.com');
    assert.equal(commit.subject, 'second');
    assert.equal(commit.message, 'second\n\nwith a body');
    assert.equal((await resolveCommit(repo.work, 'HEAD~1')).sha, first);
  });

  it('lists files over the size limit instead of reading them', async () => {
    const tree = await readTreeAtRevision(repo.work, first, { maxFileBytes: 7 });
    assert.deepEqual(tree.oversized, [
      { path: 'other/c.yaml', bytes: 8 },
      { path: 'policies/a.yaml', bytes: 8 },
      { path: 'policies/sub/b.yml', bytes: 8 },
    ]);
    assert.equal(tree.sources.length, 0);
  });

  it('rejects a revision that names no commit, and one that looks like an option', async () => {
    await assert.rejects(readTreeAtRevision(repo.work, 'no-such-branch'), RevisionError);
    await assert.rejects(readTreeAtRevision(repo.work, '--output=/tmp/x'), RevisionError);
  });

  it('refuses a folder that leaves the repository or is pathspec magic, saying so', async () => {
    for (const path of ['../..', 'policies/../../x', '/etc', ':(exclude)policies', 'C:/policies']) {
      await assert.rejects(readTreeAtRevision(repo.work, 'HEAD', { path }), (e: Error) => e instanceof RevisionError && /is not a folder inside the repository/.test(e.message), path);
    }
    assert.deepEqual((await readTreeAtRevision(repo.work, 'HEAD', { path: './policies/' })).sources.map((s) => s.path), ['policies/a.yaml']);
  });
});
