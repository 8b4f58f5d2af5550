// GitSync against real repositories: a bare origin and a working clone made by the test, git
// run for real. `publish` is the test's (the control plane's part is tested in test/gitops).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { simpleGit } from 'simple-git';
import { GitOpsMetrics } from './metrics.ts';
import { readTreeAtRevision } from './revision.ts';
import { GitSync } from './sync.ts';
import type { Candidate, GitSyncOptions, PublishResult } from './sync.ts';
import { createTestRepo } from './testing/repo.ts';
import type { TestRepo } from './testing/repo.ts';

const policies = fileURLToPath(new URL('../policies/', import.meta.url));
const canary = readFileSync(join(policies, 'reviews-canary.yaml'), 'utf8');
const mesh: Record<string, string> = Object.fromEntries(['services.yaml', 'traffic.yaml', 'security.yaml', 'reviews-canary.yaml'].map((f) => [`mesh/${f}`, readFileSync(join(policies, f), 'utf8')]));
const weights = (a: number, b: number) => ({ 'mesh/reviews-canary.yaml': canary.replace('weight: 90', `weight: ${a}`).replace('weight: 10', `weight: ${b}`) });
const broken = { 'mesh/reviews-canary.yaml': canary.replace('weight: 90\n', 'weight: [90\n') };

/** A sync whose publishes the test records (and can hold). */
function syncFor(repo: TestRepo, overrides: Partial<GitSyncOptions> = {}) {
  const published: Candidate[] = [];
  let gate: Promise<void> | undefined;
  const options: GitSyncOptions = {
    repo: repo.origin,
    path: 'mesh',
    stateDir: join(repo.root, 'state'),
    publish: async (candidate): Promise<PublishResult> => {
      published.push(candidate);
      await gate;
      return { ok: true, versions: new Map([['grpc/shop/app=frontend', `${candidate.revision}/hash`]]) };
    },
    ...overrides,
  };
  const sync = new GitSync(options);
  return {
    sync,
    published,
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('GitSync', () => {
  let repo: TestRepo;
  let s: ReturnType<typeof syncFor>;
  let first = '';
  const metrics = new Registry();

  before(async () => {
    repo = await createTestRepo({ files: mesh });
    first = (await repo.git.revparse(['HEAD'])).trim();
    s = syncFor(repo, { metrics: new GitOpsMetrics(metrics) });
  });
  after(async () => {
    await s.sync.close();
    repo.dispose();
  });

  it('clones into the state dir, publishes the head under its sha and persists it', async () => {
    await s.sync.start();
    await s.sync.idle();
    assert.equal(s.published.length, 1);
    assert.equal(s.published[0]?.revision, first);
    assert.equal(s.published[0]?.commit.subject, 'initial policy');
    assert.ok(existsSync(join(repo.root, 'state', 'repo.git', 'HEAD')), 'a bare clone');
    assert.ok(!existsSync(join(repo.root, 'state', 'repo.git', 'mesh')), 'no checkout');
    const status = s.sync.status();
    assert.equal(status.head, first);
    assert.equal(status.lastGood?.sha, first);
    assert.deepEqual(
      status.commits.map((c) => [c.sha, c.status, c.files, c.documents]),
      [[first, 'published', 4, 15]],
    );
    const saved = JSON.parse(readFileSync(join(repo.root, 'state', 'last-good.json'), 'utf8')) as { commit: { sha: string }; sources: unknown[] };
    assert.equal(saved.commit.sha, first);
    assert.equal(saved.sources.length, 4);
    const text = await metrics.metrics();
    assert.match(text, new RegExp(`sluice_gitops_last_good_commit_info\\{commit="${first}"\\} 1`));
    assert.match(text, /sluice_gitops_commits_total\{result="published"\} 1/);
  });

  it('does nothing when the head did not move', async () => {
    await s.sync.trigger('poll');
    assert.equal(s.published.length, 1);
  });

  let bad = '';
  it('records a bad commit with its sha, author, message and diagnostics and publishes nothing', async () => {
    bad = await repo.commit(broken, 'reviews: try an array weight', { author: 'Ada Lovelace <ada@example.com>' });
    await repo.push();
    await s.sync.trigger('webhook');
    assert.equal(s.published.length, 1, 'not published');
    const status = s.sync.status();
    const record = status.commits[0];
    assert.equal(record?.sha, bad);
    assert.equal(record?.status, 'rejected');
    assert.equal(record?.author, 'Ada Lovelace');
    assert.equal(record?.email, 'ada@example.com');
    assert.equal(record?.subject, 'reviews: try an array weight');
    assert.equal(record?.trigger, 'webhook');
    assert.ok((record?.errors ?? 0) > 0);
    const d = record?.diagnostics[0];
    assert.equal(d?.severity, 'error');
    assert.equal(d?.file, 'mesh/reviews-canary.yaml');
    assert.match(d?.code ?? '', /^SLU\d{4}$/);
    assert.ok((d?.line ?? 0) > 1);
    assert.equal(status.lastGood?.sha, first, 'the last good one is still the one served');
    assert.match(s.sync.waitingFor() ?? 'serving', /serving/);
    assert.match(await metrics.metrics(), /sluice_gitops_commits_total\{result="rejected"\} 1/);
  });

  let fixed = '';
  it('publishes the commit that fixes it', async () => {
    fixed = await repo.commit(weights(50, 50), 'reviews: 50/50');
    await repo.push();
    await s.sync.trigger('poll');
    assert.equal(s.published.at(-1)?.revision, fixed);
    assert.equal(s.sync.status().lastGood?.sha, fixed);
  });

  it('refuses a commit that leaves no policy files below --path (SLU8007)', async () => {
    const emptied = await repo.commit(Object.fromEntries(Object.keys(mesh).map((f) => [f, null])), 'remove the mesh folder');
    await repo.push();
    await s.sync.trigger('poll');
    const record = s.sync.status().commits[0];
    assert.equal(record?.sha, emptied);
    assert.equal(record?.status, 'rejected');
    assert.equal(record?.diagnostics[0]?.code, 'SLU8007');
    assert.equal(s.sync.status().lastGood?.sha, fixed);
  });

  it('handles a force-push: a warning entry (SLU8003), and the new head is compiled', async () => {
    await repo.git.raw(['reset', '-q', '--hard', fixed]);
    await repo.commit(weights(100, 0), 'history rewritten: reviews all v1');
    await repo.git.raw(['reset', '-q', '--hard', first]);
    const rewritten = await repo.commit(weights(80, 20), 'rewritten from the start: 80/20');
    await repo.push({ force: true });
    await s.sync.trigger('poll');
    const status = s.sync.status();
    assert.equal(status.problems[0]?.code, 'SLU8003');
    assert.equal(status.problems[0]?.kind, 'history-rewritten');
    assert.match(status.problems[0]?.message ?? '', /force-pushed/);
    assert.equal(status.problem, null, 'a warning, not an ongoing failure');
    assert.equal(status.lastGood?.sha, rewritten);
    assert.equal(s.published.at(-1)?.revision, rewritten);
  });

  it('handles a deleted branch (SLU8004): keeps serving, recovers when it is pushed again', async () => {
    const serving = s.sync.status().lastGood?.sha;
    // GitHub lets an admin delete the default branch; a bare repository needs telling.
    await simpleGit({ baseDir: repo.origin }).addConfig('receive.denyDeleteCurrent', 'ignore');
    await repo.git.raw(['push', '-q', 'origin', '--delete', 'main']);
    await s.sync.trigger('poll');
    let status = s.sync.status();
    assert.equal(status.problem?.code, 'SLU8004');
    assert.equal(status.problem?.kind, 'branch-missing');
    assert.equal(status.lastGood?.sha, serving);
    await s.sync.trigger('poll');
    assert.equal(s.sync.status().problem?.occurrences, 2, 'the same problem counted, not repeated');
    await repo.push();
    await s.sync.trigger('poll');
    status = s.sync.status();
    assert.equal(status.problem, null);
    assert.ok(status.problems.find((p) => p.code === 'SLU8004')?.resolvedAt);
    assert.match(await metrics.metrics(), /sluice_gitops_sync_failures_total\{reason="branch-missing"\} 2/);
  });

  it('handles an unreachable origin (SLU8002) and recovers', async () => {
    renameSync(repo.origin, `${repo.origin}.away`);
    try {
      await s.sync.trigger('poll');
      assert.equal(s.sync.status().problem?.code, 'SLU8002');
      assert.match(s.sync.health() ?? '', /SLU8002/);
    } finally {
      renameSync(`${repo.origin}.away`, repo.origin);
    }
    await s.sync.trigger('poll');
    assert.equal(s.sync.status().problem, null);
  });

  it('compiles only the newest of the commits that arrive while one compiles', async () => {
    const release = s.hold();
    const c1 = await repo.commit(weights(10, 90), 'burst 1');
    await repo.push();
    const compiling = s.sync.trigger('webhook');
    while (s.published.at(-1)?.revision !== c1) await new Promise((r) => setTimeout(r, 10));
    const burst: string[] = [];
    const triggers: Promise<void>[] = [];
    for (let i = 2; i <= 20; i++) {
      burst.push(await repo.commit(weights(i, 100 - i), `burst ${i}`));
      await repo.push();
      triggers.push(s.sync.trigger('webhook'));
    }
    release();
    await Promise.all([compiling, ...triggers]);
    const newest = burst.at(-1);
    const compiled = s.published.slice(-2).map((c) => c.revision);
    assert.deepEqual(compiled, [c1, newest], 'the one compiling, then the newest');
    const status = s.sync.status();
    assert.equal(status.lastGood?.sha, newest);
    const skipped = status.commits.filter((c) => c.status === 'skipped');
    assert.deepEqual(new Set(skipped.map((c) => c.sha)), new Set(burst.slice(0, -1)));
    assert.ok(skipped.every((c) => c.supersededBy === newest));
  });

  it('restarts with the origin unreachable: publishes the last good policy from the state dir first', async () => {
    await s.sync.close();
    const served = s.sync.status().lastGood?.sha;
    renameSync(repo.origin, `${repo.origin}.away`);
    const again = syncFor(repo);
    try {
      const { restored } = await again.sync.start();
      assert.equal(restored?.sha, served);
      assert.equal(again.published[0]?.trigger, 'restore');
      assert.equal(again.published[0]?.revision, served);
      assert.ok(again.published[0]?.model.documents.length, 'a full model');
      await again.sync.idle();
      const status = again.sync.status();
      assert.equal(status.lastGood?.sha, served);
      assert.equal(status.lastGood?.restored, true);
      assert.equal(status.problem?.code, 'SLU8002');
      assert.equal(again.published.length, 1);
      // The commit history survives the restart, the bad commit's diagnostics included.
      const rejected = status.commits.find((c) => c.sha === bad);
      assert.equal(rejected?.status, 'rejected');
      assert.equal(rejected?.diagnostics[0]?.file, 'mesh/reviews-canary.yaml');
      assert.ok(status.commits.some((c) => c.status === 'skipped'));
    } finally {
      await again.sync.close();
      renameSync(`${repo.origin}.away`, repo.origin);
    }
  });
});

describe('GitSync read failures', () => {
  it('reads a head again on the next sync when reading its tree failed once', async () => {
    const repo = await createTestRepo({ files: mesh });
    try {
      let failNext = false;
      const s = syncFor(repo, {
        readTree: async (dir, sha, options) => {
          if (failNext) {
            failNext = false;
            throw new Error('fatal: unable to read tree (injected: a git hiccup)');
          }
          return readTreeAtRevision(dir, sha, options);
        },
      });
      await s.sync.trigger('poll');
      assert.equal(s.published.length, 1);
      const next = await repo.commit(weights(50, 50), 'shift to 50/50');
      await repo.push();
      failNext = true;
      await s.sync.trigger('webhook');
      assert.equal(s.published.length, 1, 'a tree that could not be read publishes nothing');
      assert.ok(s.sync.status().problem, 'the failed read is a status entry');
      await s.sync.trigger('poll');
      assert.equal(s.published.length, 2, 'the same head is read again and published');
      assert.equal(s.published[1]!.revision, next);
      assert.equal(s.sync.status().problem, null);
      await s.sync.close();
    } finally {
      repo.dispose();
    }
  });
});

describe('GitSync failures', () => {
  let repo: TestRepo;
  let server: Server;
  before(async () => {
    repo = await createTestRepo({ files: mesh });
    // An HTTP remote that asks for credentials on every request, as GitHub does for a private repository.
    server = createServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="sluice-test"' });
      res.end('authentication required');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(() => {
    server.close();
    repo.dispose();
  });

  it('reports refused credentials as SLU8001 without prompting, and publishes nothing', async () => {
    const port = (server.address() as AddressInfo).port;
    const s = syncFor(repo, { repo: `http://127.0.0.1:${port}/mesh.git`, stateDir: join(repo.root, 'auth-state') });
    await s.sync.start();
    await s.sync.idle();
    await s.sync.close();
    const problem = s.sync.status().problem;
    assert.equal(problem?.code, 'SLU8001');
    assert.equal(problem?.kind, 'auth');
    assert.equal(s.published.length, 0);
    assert.match(s.sync.waitingFor() ?? '', /no good commit yet: SLU8001/);
  });

  it('makes the clone again when the one in the state dir is damaged, and never touches an enclosing repository', async () => {
    // The state dir inside the working clone: a damaged repo.git must not make git act on `work`.
    const warnings: string[] = [];
    const s = syncFor(repo, { stateDir: join(repo.work, '.sluice-state'), logger: { info() {}, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) } });
    await s.sync.start();
    await s.sync.idle();
    assert.equal(s.published.length, 1);
    writeFileSync(join(repo.work, '.sluice-state', 'repo.git', 'HEAD'), 'garbage\n');
    const next = await repo.commit(weights(60, 40), 'after the damage');
    await repo.push();
    await s.sync.trigger('poll');
    await s.sync.close();
    assert.equal(s.sync.status().problem, null);
    assert.equal(s.sync.status().lastGood?.sha, next);
    // Had git looked upwards, it would have fetched into `work` and "succeeded" without noticing.
    assert.ok(warnings.some((w) => /the clone in the state dir does not work .*cloning again/.test(w)), warnings.join('\n'));
  });

  it('refuses a repository over the size limit (SLU8005) and compiles nothing from it', async () => {
    const s = syncFor(repo, { maxRepoBytes: 1, stateDir: join(repo.root, 'small-state') });
    await s.sync.start();
    await s.sync.idle();
    await s.sync.close();
    const problem = s.sync.status().problem;
    assert.equal(problem?.code, 'SLU8005');
    assert.match(problem?.message ?? '', /over the 1 B limit/);
    assert.equal(s.published.length, 0);
  });
});

describe('GitSync polling', () => {
  it('finds a new commit on its node-cron schedule, without a webhook', async () => {
    const repo = await createTestRepo({ files: mesh });
    const s = syncFor(repo, { pollExpression: '* * * * * *' });
    try {
      await s.sync.start();
      await s.sync.idle();
      assert.equal(s.published.length, 1);
      const sha = await repo.commit(weights(70, 30), 'reviews: 70/30');
      await repo.push();
      const deadline = Date.now() + 10_000;
      while (s.sync.status().lastGood?.sha !== sha && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const record = s.sync.status().commits.find((c) => c.sha === sha);
      assert.equal(record?.status, 'published');
      assert.equal(record?.trigger, 'poll');
      assert.equal(s.sync.status().poll, '* * * * * *');
    } finally {
      await s.sync.close();
      repo.dispose();
    }
  });
});
