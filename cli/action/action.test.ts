// The pull-request action end to end: real git repositories, the action's entry point, the
// real octokit client talking to a local server that speaks GitHub's REST wire format.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import type { FakeGitHub } from '../../gitops/github/testing/server.ts';
import { COMMENT_BODY_LIMIT, startFakeGitHub } from '../../gitops/github/testing/server.ts';
import type { TestRepo } from '../../gitops/testing/repo.ts';
import { bookinfoRepo, pullRequestEvent, read, runActionOnce } from './testing.ts';

const MARKER = '<!-- sluice-review path=policies -->';

let github: FakeGitHub;
let repo: TestRepo;
let base: string;

function commentWrites() {
  return github.writes().filter((r) => r.path.includes('/comments'));
}

async function runFor(head: string, inputs: Record<string, string> = {}, runId = 77) {
  github.pulls.set(7, { head: { sha: head }, base: { sha: base } });
  return runActionOnce({ api: github.url, workspace: repo.work, event: pullRequestEvent(7, base, head), inputs: { path: 'policies', ...inputs }, runId });
}

describe('the pull-request action', () => {
  before(async () => {
    ({ repo, base } = await bookinfoRepo());
  });
  after(() => repo.dispose());
  beforeEach(async () => {
    await github?.close();
    github = await startFakeGitHub();
  });
  after(async () => github?.close());

  it('creates the comment, updates it in place, and writes nothing when the report is unchanged (nothing at all on a re-run)', async () => {
    const head1 = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-50-v3.yaml') }, 'reviews 50-50 v1/v3');
    const first = await runFor(head1);
    assert.equal(first.code, 0, first.log);
    const [created] = github.comments.get(7) ?? [];
    assert.ok(created, 'a comment was created');
    assert.ok(created.body.startsWith(MARKER));
    assert.match(created.body, /\| `reviews\.default\.svc\.cluster\.local:9080` \| v1 90%, v2 10% \| v1 50%, v3 50% \|/);
    assert.match(first.log, /pull-request comment created/);
    assert.deepEqual(commentWrites().map((r) => r.method), ['POST']);

    const head2 = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-v3.yaml') }, 'reviews all v3');
    github.requests.length = 0;
    const second = await runFor(head2, {}, 78);
    assert.equal(second.code, 0, second.log);
    assert.deepEqual(commentWrites().map((r) => [r.method, r.path]), [['PATCH', `/repos/acme/mesh-policy/issues/comments/${created.id}`]]);
    assert.equal(github.comments.get(7)?.length, 1);
    assert.match(github.comments.get(7)?.[0]?.body ?? '', /v3 100%/);

    // a commit that changes no policy: same report, the comment is left alone
    const head3 = await repo.commit({ 'README.md': '# mesh policy\n\nOwned by the platform team.\n' }, 'docs');
    github.requests.length = 0;
    const third = await runFor(head3, {}, 79);
    assert.equal(third.code, 0, third.log);
    assert.deepEqual(commentWrites(), []);
    assert.match(third.log, /pull-request comment unchanged/);
    // still a check run for each commit (check runs belong to commits)
    assert.deepEqual(github.checkRuns.map((r) => r.head_sha), [head1, head2, head3]);

    // a re-run of the same commit: nothing at all is written
    github.requests.length = 0;
    const rerun = await runFor(head3, {}, 80);
    assert.equal(rerun.code, 0, rerun.log);
    assert.deepEqual(github.writes(), []);
    assert.match(rerun.log, /sluice: check run unchanged: /);
  });

  it('a run whose pull request has moved on leaves the comment to the newer run (an older report never overwrites a newer one)', async () => {
    const older = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-80-20.yaml') }, 'reviews 80-20');
    const newer = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-v3.yaml') }, 'reviews all v3');
    github.pulls.set(7, { head: { sha: newer }, base: { sha: base } });
    const result = await runActionOnce({ api: github.url, workspace: repo.work, event: pullRequestEvent(7, base, older), inputs: { path: 'policies', head: older } });
    assert.equal(result.code, 0, result.log);
    assert.deepEqual(github.comments.get(7) ?? [], []);
    assert.match(result.log, new RegExp(`sluice: pull request #7 is at ${newer.slice(0, 7)} now, this report is for ${older.slice(0, 7)}: the comment is left to the run for the newer commit`));
    // the check run belongs to the commit it reviewed, so it is still written
    assert.deepEqual(github.checkRuns.map((r) => r.head_sha), [older]);
  });

  it('finds its comment on page 3 of the comments, by marker and author, and updates it', async () => {
    const head = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-80-20.yaml') }, 'reviews 80-20');
    const others = Array.from({ length: 230 }, (_, i) => ({ id: 1 + i, body: `looks good ${i}`, user: { login: `reviewer${i % 7}` }, html_url: `https://github.test/c/${i}` }));
    // someone quoting the marker is not the bot
    others[5] = { id: 6, body: `> ${MARKER}\n> quoted`, user: { login: 'mallory' }, html_url: 'https://github.test/c/6' };
    const mine = { id: 500, body: `${MARKER}\nold report`, user: { login: 'github-actions[bot]' }, html_url: 'https://github.test/c/500' };
    github.comments.set(7, [...others, mine, { id: 501, body: 'thanks', user: { login: 'octocat' }, html_url: 'https://github.test/c/501' }]);

    const result = await runFor(head);
    assert.equal(result.code, 0, result.log);
    const pages = github.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/issues/7/comments')).map((r) => r.query.get('page') ?? '1');
    assert.deepEqual(pages, ['1', '2', '3']);
    assert.deepEqual(commentWrites().map((r) => [r.method, r.path]), [['PATCH', '/repos/acme/mesh-policy/issues/comments/500']]);
    assert.equal(github.comments.get(7)?.find((c) => c.id === 6)?.body, `> ${MARKER}\n> quoted`);
    assert.match(github.comments.get(7)?.find((c) => c.id === 500)?.body ?? '', /v1 90%, v2 10% \| v1 80%, v2 20%/);
  });

  it('sends 120 findings to the check run as 3 requests of at most 50 annotations', async () => {
    const widgets = Array.from({ length: 116 }, (_, i) => `---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w${i}}\nspec: {}\n`).join('');
    const head = await repo.commit({ 'policies/widgets.yaml': widgets }, '116 unknown kinds');
    const result = await runFor(head, { 'fail-on': 'warning' });
    assert.match(result.outputs, /warnings<<\S+\n120\n/, 'the 4 of bookinfo and 116 widgets');
    assert.equal(result.code, 1);
    const checkRequests = github.writes().filter((r) => r.path.includes('/check-runs'));
    const sizes = checkRequests.map((r) => [r.method, ((r.body as { output?: { annotations?: unknown[] } }).output?.annotations ?? []).length]);
    assert.deepEqual(sizes, [['POST', 50], ['PATCH', 50], ['PATCH', 20]]);
    const [run] = github.checkRuns;
    assert.equal(run?.annotations.length, 120);
    assert.equal(run?.status, 'completed');
    assert.equal(run?.conclusion, 'failure');
    assert.deepEqual(run?.annotations.find((a) => a.path === 'policies/widgets.yaml'), {
      path: 'policies/widgets.yaml',
      start_line: 3,
      end_line: 3,
      start_column: 7,
      end_column: 13,
      annotation_level: 'warning',
      message: 'sluice does not read Widget (example.com/v1); the document is ignored',
      title: 'SLU2001',
      raw_details: 'hint: sluice has no schema for this kind and ignores the document. If it should be read, check apiVersion and kind for typos (both are case-sensitive).',
    });
    // workflow-command annotations: 10 per severity less 2 kept for the step's own warnings, the rest counted in the summary
    const commands = result.log.split('\n').filter((l) => l.startsWith('::warning file='));
    assert.equal(commands.length, 8);
    assert.equal(commands.find((c) => c.includes('widgets.yaml')), '::warning file=policies/widgets.yaml,line=3,col=7,endLine=3,endColumn=13,title=SLU2001::sluice does not read Widget (example.com/v1); the document is ignored%0Ahint: sluice has no schema for this kind and ignores the document. If it should be read, check apiVersion and kind for typos (both are case-sensitive).');
    assert.match(result.summary, /112 warnings not shown as annotations in the diff \(GitHub shows 10 of each kind per step, some kept for the step's own messages\); all 120 findings are listed below/);
    await repo.commit({ 'policies/widgets.yaml': null }, 'remove widgets');
  });

  it('cuts a 300 KB report under the comment and check-run limits and points to the job summary', async () => {
    const kind = (i: number) => `Widget${'x'.repeat(1000)}${i}`;
    const widgets = Array.from({ length: 230 }, (_, i) => `---\napiVersion: example.com/v1\nkind: ${kind(i)}\nmetadata: {name: w${i}}\nspec: {}\n`).join('');
    const head = await repo.commit({ 'policies/widgets.yaml': widgets }, '230 unknown kinds with long names');
    const result = await runFor(head);
    assert.equal(result.code, 0, result.log);
    assert.ok((result.artifact?.length ?? 0) > 300_000, `report is ${result.artifact?.length} bytes`);
    const body = github.comments.get(7)?.[0]?.body ?? '';
    assert.ok(body.length <= COMMENT_BODY_LIMIT && body.length > 50_000, `comment is ${body.length} characters`);
    const shown = body.split('\n').filter((l) => l.startsWith('| ⚠️ |')).length;
    assert.ok(shown > 20 && shown < 234, `${shown} findings shown`);
    const tail = body.slice(-600);
    assert.match(tail, new RegExp(`Cut to fit GitHub's size limit: ${234 - shown} findings not shown here\\. The whole report is in \\[the job summary\\]\\(https://github\\.test/acme/mesh-policy/actions/runs/77\\)`));
    // the traffic table and the diagram come before the findings and survive the cut
    assert.match(body, /#### Traffic/);
    assert.match(body, /```mermaid/);
    const summary = github.checkRuns[0]?.output.summary ?? '';
    assert.ok(Buffer.byteLength(summary) <= 65_535 && summary.length > 50_000);
    // the job summary has every finding
    assert.equal(result.summary.split('\n').filter((l) => l.startsWith('| ⚠️ |')).length, 234);
    assert.ok(Buffer.byteLength(result.summary) <= 1024 * 1024);
    await repo.commit({ 'policies/widgets.yaml': null }, 'remove widgets');
  });

  it('cuts a report in multi-byte text by UTF-8 bytes for the check run (GitHub counts its summary in bytes)', async () => {
    const kind = (i: number) => `Wüdget${'ü'.repeat(400)}${i}`;
    const widgets = Array.from({ length: 200 }, (_, i) => `---\napiVersion: example.com/v1\nkind: ${kind(i)}\nmetadata: {name: w${i}}\nspec: {}\n`).join('');
    const head = await repo.commit({ 'policies/widgets.yaml': widgets }, '200 unknown kinds in multi-byte text');
    const result = await runFor(head);
    assert.equal(result.code, 0, result.log);
    assert.doesNotMatch(result.log, /could not create the check run/);
    const [run] = github.checkRuns;
    const summary = run?.output.summary ?? '';
    assert.ok(Buffer.byteLength(summary) <= 65_535 && Buffer.byteLength(summary) > 50_000, `check run summary is ${Buffer.byteLength(summary)} bytes`);
    assert.match(summary, /Cut to fit GitHub's size limit: \d+ findings not shown here/);
    assert.equal(run?.annotations.length, 204);
    const body = github.comments.get(7)?.[0]?.body ?? '';
    assert.ok(body.length <= COMMENT_BODY_LIMIT && Buffer.byteLength(body) <= 262_144, `comment is ${body.length} characters`);
    await repo.commit({ 'policies/widgets.yaml': null }, 'remove widgets');
  });

  it('falls back to the job summary with a clear message when the token cannot write (a fork)', async () => {
    const head = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-jason-v2-v3.yaml') }, 'jason');
    github.intercept = (request) =>
      request.method === 'POST' ? { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' } } : undefined;
    const result = await runFor(head);
    assert.equal(result.code, 0, 'posting failures do not fail the run');
    assert.deepEqual(github.comments.get(7) ?? [], []);
    const warnings = result.log.split('\n').filter((l) => l.startsWith('::warning::'));
    assert.deepEqual(warnings, [
      "::warning::sluice: could not post the pull-request comment: GitHub refused it (403 Resource not accessible by integration). The token cannot write here: a pull request from a fork gets a read-only token (post from a workflow_run job instead, see docs/github-action.md#pull-requests-from-forks), or the job lacks 'pull-requests: write' / 'checks: write' permissions. The whole report is in the job summary.",
      "::warning::sluice: could not create the check run: GitHub refused it (403 Resource not accessible by integration). The token cannot write here: a pull request from a fork gets a read-only token (post from a workflow_run job instead, see docs/github-action.md#pull-requests-from-forks), or the job lacks 'pull-requests: write' / 'checks: write' permissions. The whole report is in the job summary.",
    ]);
    assert.doesNotMatch(result.log, /at .*\.ts:\d+/, 'no stack trace');
    // nothing lost: the summary has the report and says why it is the only copy
    assert.match(result.summary, /requests matching `headers end-user exact "jason"` now go v1 90%, v2 10% → v2/);
    assert.match(result.summary, /> Posting to the pull request failed; this summary is the report\./);
  });

  it("keeps the step's own verdict and posting failures within GitHub's 10 annotations per kind", async () => {
    const broken = Array.from({ length: 12 }, (_, i) => `---\nkind: Widget\nmetadata: {name: w${i}}\n`).join('');
    const head = await repo.commit({ 'policies/broken.yaml': broken }, '12 documents without apiVersion');
    github.intercept = (request) => (request.method === 'POST' ? { status: 403, body: { message: 'Resource not accessible by integration' } } : undefined);
    const result = await runFor(head);
    assert.equal(result.code, 1);
    const lines = result.log.split('\n');
    const errors = lines.filter((l) => l.startsWith('::error'));
    const warnings = lines.filter((l) => l.startsWith('::warning'));
    assert.ok(errors.length <= 10 && warnings.length <= 10, `${errors.length} errors, ${warnings.length} warnings`);
    assert.match(errors.at(-1) ?? '', /^::error::sluice: 12 findings at or above fail-on \(error\) in the policy$/);
    assert.equal(warnings.filter((l) => l.startsWith('::warning::sluice: could not')).length, 2);
    await repo.commit({ 'policies/broken.yaml': null }, 'remove them');
  });

  it('reports a rate limit clearly and does not wait for a reset an hour away', async () => {
    const head = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-v2-v3.yaml') }, 'v2-v3');
    const reset = Math.floor(Date.now() / 1000) + 3600;
    github.intercept = () => ({ status: 403, body: { message: 'API rate limit exceeded for installation.' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } });
    const result = await runFor(head, { 'check-run': 'false', 'comment-author': 'github-actions[bot]' });
    assert.equal(result.code, 0);
    assert.match(result.log, /::warning::sluice: could not post the pull-request comment: GitHub's API rate limit was reached \(403 API rate limit exceeded for installation\.\); it resets at \d\d:\d\d UTC\. The whole report is in the job summary\./);
    assert.match(result.summary, /#### Traffic/);
  });

  it('fork pull requests: analyze writes the report and posts nothing; post (workflow_run) posts it without a checkout', async () => {
    const head = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-50-v3.yaml') }, 'from a fork');
    const shared = mkdtempSync(join(tmpdir(), 'sluice-artifact-'));
    const empty = mkdtempSync(join(tmpdir(), 'sluice-no-checkout-'));
    try {
      const analyzed = await runActionOnce({ api: github.url, workspace: repo.work, event: pullRequestEvent(9, base, head), inputs: { path: 'policies', mode: 'analyze', 'report-dir': shared } });
      assert.equal(analyzed.code, 0, analyzed.log);
      assert.deepEqual(github.requests, [], 'analyze never calls the API (a fork token could not write anyway)');
      const artifact = JSON.parse(readFileSync(join(shared, 'sluice-review.json'), 'utf8')) as { pullRequest: unknown };
      assert.deepEqual(artifact.pullRequest, { number: 9, headSha: head });

      // the workflow_run job: no checkout at all, the artifact downloaded into report-dir
      github.pulls.set(9, { head: { sha: head }, base: { sha: base } });
      const workflowRun = { workflow_run: { head_sha: head, event: 'pull_request', pull_requests: [] } };
      const posted = await runActionOnce({ api: github.url, workspace: empty, eventName: 'workflow_run', event: workflowRun, inputs: { mode: 'post', 'report-dir': shared } });
      assert.equal(posted.code, 0, posted.log);
      assert.match(github.comments.get(9)?.[0]?.body ?? '', /\| `reviews\.default\.svc\.cluster\.local:9080` \| v1 90%, v2 10% \| v1 50%, v3 50% \|/);
      assert.deepEqual(github.checkRuns.map((r) => [r.head_sha, r.conclusion]), [[head, 'success']]);
      // the verdict is the posting workflow's: fail-on warning there fails on bookinfo's warnings
      github.requests.length = 0;
      const strict = await runActionOnce({ api: github.url, workspace: empty, eventName: 'workflow_run', event: workflowRun, inputs: { mode: 'post', 'report-dir': shared, 'fail-on': 'warning', comment: 'false' } });
      assert.equal(strict.code, 0, 'posting is not the check');
      assert.equal(github.checkRuns.at(-1)?.conclusion, 'failure');
      assert.match(posted.summary, /#### Traffic/);

      // a branch with two pull requests (into different bases): the one the report is for
      github.requests.length = 0;
      github.pulls.set(12, { head: { sha: head }, base: { sha: head } });
      const twoPulls = { workflow_run: { head_sha: head, event: 'pull_request', pull_requests: [{ number: 12 }, { number: 9 }] } };
      const both = await runActionOnce({ api: github.url, workspace: empty, eventName: 'workflow_run', event: twoPulls, inputs: { mode: 'post', 'report-dir': shared, 'check-run': 'false' } });
      assert.equal(both.code, 0, both.log);
      assert.deepEqual(github.comments.get(12) ?? [], []);
      const seen: { path: string }[] = github.requests;
      assert.deepEqual(seen.filter((r) => r.path.includes('/pulls/')).map((r) => r.path), ['/repos/acme/mesh-policy/pulls/9']);

      // the pull request moved on since: the report is for an older commit and is not posted
      github.requests.length = 0;
      github.pulls.set(9, { head: { sha: base }, base: { sha: base } });
      const stale = await runActionOnce({ api: github.url, workspace: empty, eventName: 'workflow_run', event: workflowRun, inputs: { mode: 'post', 'report-dir': shared } });
      assert.equal(stale.code, 0);
      assert.match(stale.log, new RegExp(`::warning::sluice: pull request #9 is at ${base.slice(0, 7)}, the report is for ${head.slice(0, 7)}; not posting it`));
      assert.deepEqual(github.writes(), []);

      // an artifact that is not a review (a fork can upload anything): one clear line
      writeFileSync(join(shared, 'sluice-review.json'), JSON.stringify({ format: 'sluice-review-artifact/v1', failOn: 'error', pullRequest: null, review: { format: 'sluice-review/v1', diagnostics: 'x' } }));
      const bad = await runActionOnce({ api: github.url, workspace: empty, eventName: 'workflow_run', event: workflowRun, inputs: { mode: 'post', 'report-dir': shared } });
      assert.equal(bad.code, 2);
      assert.match(bad.log, /^::error::sluice: .*sluice-review\.json: not a sluice review: \/ must have required property 'path'$/m);
    } finally {
      rmSync(shared, { recursive: true, force: true });
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("fetches the pull request's base when the checkout is shallow (actions/checkout's default)", async () => {
    const head = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-v3.yaml') }, 'all v3');
    await repo.push();
    const clone = mkdtempSync(join(tmpdir(), 'sluice-shallow-'));
    try {
      await simpleGit().clone(`file://${repo.origin}`, clone, ['--depth=1', '--no-tags']);
      const result = await runActionOnce({ api: github.url, workspace: clone, event: pullRequestEvent(11, base, head), inputs: { path: 'policies', comment: 'false', 'check-run': 'false' } });
      assert.equal(result.code, 0, result.log);
      assert.match(result.log, new RegExp(`sluice: fetched the base commit ${base}`));
      assert.match(result.summary, /\| `reviews\.default\.svc\.cluster\.local:9080` \| v1 90%, v2 10% \| v3 100% \|/);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('a base branch the checkout does not have: one line that says how to get it', async () => {
    const result = await runActionOnce({ api: github.url, workspace: repo.work, eventName: 'push', event: {}, inputs: { path: 'policies', base: 'release-1' } });
    assert.equal(result.code, 2);
    assert.match(result.log, /^::error::sluice: cannot resolve 'release-1' in .+; a branch or tag must be fetched first \(actions\/checkout with 'fetch-depth: 0'\), or give a commit sha\n$/);
  });

  it('a path with no policy files at base or head (a typo) says nothing was reviewed, not "no effect"', async () => {
    const head = await repo.commit({ 'policies/reviews.yaml': read('networking/virtual-service-reviews-v3.yaml') }, 'all v3 again');
    const result = await runFor(head, { path: 'policy' });
    assert.equal(result.code, 0, result.log);
    assert.match(result.log, /^::warning::sluice: no policy files under 'policy' at base or at head: nothing was reviewed; check the 'path' input$/m);
    const body = github.comments.get(7)?.[0]?.body ?? '';
    assert.match(body, /^⚠️ \*\*sluice review\*\* · `policy\/`: nothing to review — no policy files under `policy\/` at base or at head; check the path\.$/m);
    assert.doesNotMatch(body, /no effect on traffic/);
  });

  it('a push without a base is a clear error, not a stack trace', async () => {
    const result = await runActionOnce({ api: github.url, workspace: repo.work, eventName: 'push', event: {}, inputs: { path: 'policies' } });
    assert.equal(result.code, 2);
    assert.equal(result.log, "::error::sluice: no base revision: set the 'base' input (the event is 'push', not a pull request)\n");
  });
});
