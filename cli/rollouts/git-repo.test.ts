// The controller's PolicyRepo on a real repository (bare origin + clone) and, for pull
// requests, the real octokit client against a local server speaking GitHub's REST format.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { createTestRepo } from '../../gitops/testing/repo.ts';
import type { TestRepo } from '../../gitops/testing/repo.ts';
import { GitPolicyRepo } from './git-repo.ts';

const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups.splice(0)) c();
});

async function setup(): Promise<{ repo: TestRepo; workdir: string }> {
  const repo = await createTestRepo({ files: { 'policies/mesh.yaml': 'weight: 100 # stable\n' } });
  const workdir = mkdtempSync(join(tmpdir(), 'sluice-promotion-'));
  cleanups.push(() => repo.dispose(), () => rmSync(workdir, { recursive: true, force: true }));
  return { repo, workdir: join(workdir, 'clone') };
}

const show = (repo: TestRepo, rev: string, path: string) => simpleGit({ baseDir: repo.origin }).raw(['show', `${rev}:${path}`]);

describe('GitPolicyRepo', () => {
  it('reads the branch head, commits and pushes to the branch', async () => {
    const { repo, workdir } = await setup();
    const policy = new GitPolicyRepo({ origin: repo.origin, branch: 'main', workdir });
    assert.equal(await policy.readFile('policies/mesh.yaml'), 'weight: 100 # stable\n');
    // someone pushes meanwhile: the next read sees it
    await repo.commit({ 'policies/mesh.yaml': 'weight: 90 # stable\n' }, 'by hand');
    await repo.push();
    assert.equal(await policy.readFile('policies/mesh.yaml'), 'weight: 90 # stable\n');
    const { sha } = await policy.commit([{ path: 'policies/mesh.yaml', content: 'weight: 0 # stable\n' }], 'rollout shop/reviews: promote v2 to 100%');
    assert.equal((await simpleGit({ baseDir: repo.origin }).revparse(['main'])).trim(), sha);
    assert.equal(await show(repo, 'main', 'policies/mesh.yaml'), 'weight: 0 # stable\n');
    const subject = await simpleGit({ baseDir: repo.origin }).raw(['log', '-1', '--format=%s%n%an', 'main']);
    assert.equal(subject, 'rollout shop/reviews: promote v2 to 100%\nsluice rollouts\n');
  });

  it('a refused push throws and leaves the clone on the remote head, so the next try starts fresh', async () => {
    const { repo, workdir } = await setup();
    const policy = new GitPolicyRepo({ origin: repo.origin, branch: 'main', workdir });
    await policy.readFile('policies/mesh.yaml');
    // the remote moves after the read; the clone commits on the old head
    await repo.commit({ 'policies/other.yaml': 'x: 1\n' }, 'concurrent');
    await repo.push();
    await assert.rejects(policy.commit([{ path: 'policies/mesh.yaml', content: 'weight: 0\n' }], 'promote'), /pushing to main failed .*tried again/);
    assert.equal(await show(repo, 'main', 'policies/mesh.yaml'), 'weight: 100 # stable\n');
    assert.equal(await policy.readFile('policies/mesh.yaml'), 'weight: 100 # stable\n');
    await policy.commit([{ path: 'policies/mesh.yaml', content: 'weight: 0\n' }], 'promote');
    assert.equal(await show(repo, 'main', 'policies/other.yaml'), 'x: 1\n', 'the concurrent commit is kept');
  });

  it('refuses a path outside the repository', async () => {
    const { repo, workdir } = await setup();
    const policy = new GitPolicyRepo({ origin: repo.origin, branch: 'main', workdir });
    await assert.rejects(policy.readFile('../../etc/passwd'), /outside the repository/);
  });

  it('opens a pull request: a branch pushed to the origin, then POST /repos/{owner}/{repo}/pulls through octokit', async () => {
    const { repo, workdir } = await setup();
    const requests: { method: string; url: string; auth: string | undefined; body: Record<string, unknown> }[] = [];
    const server: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ number: 7, html_url: 'https://github.example/shop/mesh/pull/7', state: 'open' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => server.close());
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
    const policy = new GitPolicyRepo({ origin: repo.origin, branch: 'main', workdir, github: { owner: 'shop', repo: 'mesh', token: 'ghp_test', baseUrl } });
    const pr = await policy.openPullRequest([{ path: 'policies/mesh.yaml', content: 'weight: 0 # stable\n' }], { title: 'rollout shop/reviews: promote v2 to 100%', body: 'Every step passed.', branch: 'sluice/promote-shop-reviews-abc' });
    assert.equal(pr.url, 'https://github.example/shop/mesh/pull/7');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.method, 'POST');
    assert.equal(requests[0]?.url, '/api/v3/repos/shop/mesh/pulls');
    assert.equal(requests[0]?.auth, 'token ghp_test');
    assert.deepEqual(requests[0]?.body, { title: 'rollout shop/reviews: promote v2 to 100%', body: 'Every step passed.', head: 'sluice/promote-shop-reviews-abc', base: 'main' });
    // the branch holds the change; main does not
    assert.equal(await show(repo, 'sluice/promote-shop-reviews-abc', 'policies/mesh.yaml'), 'weight: 0 # stable\n');
    assert.equal((await simpleGit({ baseDir: repo.origin }).revparse(['sluice/promote-shop-reviews-abc'])).trim(), pr.sha);
    assert.equal(await show(repo, 'main', 'policies/mesh.yaml'), 'weight: 100 # stable\n');
    // and the clone is back on main for the next read
    assert.equal(await policy.readFile('policies/mesh.yaml'), 'weight: 100 # stable\n');
  });
});
