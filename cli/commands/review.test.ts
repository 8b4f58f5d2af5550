import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestRepo } from '../../gitops/testing/repo.ts';
import { startFakeGitHub } from '../../gitops/github/testing/server.ts';
import { bookinfoRepo, pullRequestEvent, read, runActionOnce } from '../action/testing.ts';
import { run } from '../main.ts';
import { memoryContext } from '../testing.ts';

let repo: TestRepo;
let base: string;
let head: string;

async function review(args: string[]) {
  const io = memoryContext({ cwd: repo.work });
  const code = await run(['review', ...args], io.context);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('sluice review', () => {
  before(async () => {
    ({ repo, base } = await bookinfoRepo());
    head = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-50-v3.yaml') }, 'reviews 50-50 v1/v3');
  });
  after(() => repo.dispose());

  it('human: the commits compared, head findings with code frames, then the effect on traffic', async () => {
    const { code, stdout, stderr } = await review(['--base', 'HEAD~1', '--path', 'policies']);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const lines = stdout.split('\n');
    assert.equal(lines[0], `sluice review (policies/): HEAD~1 ${base.slice(0, 12)} → HEAD ${head.slice(0, 12)}`);
    assert.match(stdout, /^policies\/destination-rule-all\.yaml:39:11 - warning SLU3003: subset "v2"/m);
    assert.match(stdout, /> 39 \| {3}- name: v2\n/);
    assert.ok(
      stdout.endsWith(`effect on traffic
reviews.default.svc.cluster.local:9080
  traffic  v1 90% → 50%, v2 10% → 0%, v3 0% → 50%
  ~ route all requests  policies/reviews.yaml:9
      destinations  v1 90%, v2 10% → v1 50%, v3 50%

1 service changed
`),
      stdout,
    );
  });

  it('--fail-on warning fails on the warnings; never does not', async () => {
    assert.equal((await review(['--base', base, '--fail-on', 'warning'])).code, 1);
    assert.equal((await review(['--base', base, '--fail-on', 'never'])).code, 0);
  });

  it('markdown: the job summary the action writes', async () => {
    const { code, stdout } = await review(['--base', base, '--head', head, '--path', 'policies', '--format', 'markdown']);
    assert.equal(code, 0);
    assert.match(stdout, /^### ⚠️ sluice review · `policies\/`\n\nHead: \*\*4 warnings\*\* in 19 documents \(3 files\) · \*\*1 service changed\*\*\./);
    assert.match(stdout, /<br>hint: Fix the subset labels/);
  });

  it('json: the same report the action writes for the same revisions', async () => {
    const { code, stdout } = await review(['--base', base, '--head', head, '--path', 'policies', '--format', 'json']);
    assert.equal(code, 0);
    const local = JSON.parse(stdout) as { format: string; summary: unknown; base: { commit: string } };
    assert.equal(local.format, 'sluice-review/v1');
    assert.deepEqual(local.summary, { errors: 0, warnings: 4, infos: 0, changed: true });
    assert.equal(local.base.commit, base);

    const github = await startFakeGitHub();
    try {
      const ci = await runActionOnce({ api: github.url, workspace: repo.work, event: pullRequestEvent(3, base, head), inputs: { path: 'policies', head, comment: 'false', 'check-run': 'false' } });
      assert.equal(ci.code, 0, ci.log);
      const artifact = JSON.parse(ci.artifact ?? '{}') as { review: { base: { revision: string } } };
      // the revision names differ only in how they were given (a sha either way here)
      assert.deepEqual(artifact.review, local);
      assert.deepEqual(github.requests, [], 'nothing posted when comment and check-run are off');
    } finally {
      await github.close();
    }
  });

  it('a revision that does not exist: one line, exit 2', async () => {
    const { code, stdout, stderr } = await review(['--base', 'no-such-branch']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^sluice review: cannot resolve 'no-such-branch' in .+\n$/);
  });

  it('a --path with no policy files at either revision says nothing was reviewed', async () => {
    const { code, stdout } = await review(['--base', 'HEAD~1', '--path', 'policy']);
    assert.equal(code, 0);
    assert.match(stdout, /^! no policy files under policy\/ at base or at head: nothing was reviewed; check the path$/m);
  });

  it('--base is required', async () => {
    const { code, stderr } = await review([]);
    assert.equal(code, 2);
    assert.equal(stderr, "sluice review: --base is required (the revision before the change, e.g. origin/main) (see 'sluice review --help')\n");
  });
});
