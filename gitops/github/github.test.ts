// The GitHub layer through the real octokit (retry and throttling plugins included) against
// a local server speaking GitHub's REST wire format.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, beforeEach, describe, it } from 'node:test';
import type { Diagnostic } from '../../compiler/index.ts';
import type { CheckAnnotation } from './index.ts';
import type { FakeGitHub } from './testing/server.ts';
import { startFakeGitHub } from './testing/server.ts';
import { checkAnnotations, createGitHubClient, describeApiError, publishCheckRun, tokenLogin, upsertStickyComment } from './index.ts';

let github: FakeGitHub;
const issue = { owner: 'acme', repo: 'mesh-policy', number: 4 };
const client = () => createGitHubClient({ token: 't', baseUrl: github.url, retryBaseMs: 2 });
const comment = (body: string, digest: string) => ({ marker: '<!-- m -->', body: `<!-- m -->\n${body}`, digest, author: 'github-actions[bot]' });

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('gitops/github', () => {
  beforeEach(async () => {
    await github?.close();
    github = await startFakeGitHub();
  });
  after(async () => github?.close());

  it('a 502 is retried and the write goes through once', async () => {
    let failures = 1;
    github.intercept = (r) => (r.method === 'POST' && failures-- > 0 ? { status: 502, body: { message: 'Server Error' } } : undefined);
    const result = await upsertStickyComment(client(), issue, comment('hello', 'd1'));
    assert.equal(result.action, 'created');
    assert.equal(github.writes().length, 2);
    assert.equal(github.comments.get(4)?.length, 1);
  });

  it('a secondary rate limit that resets soon is waited out once', async () => {
    let failures = 1;
    github.intercept = (r) =>
      r.method === 'POST' && failures-- > 0 ? { status: 403, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, headers: { 'retry-after': '1' } } : undefined;
    const result = await upsertStickyComment(client(), issue, comment('hello', 'd1'));
    assert.equal(result.action, 'created');
    assert.equal(github.writes().length, 2);
  });

  it('the digest decides: same digest, no write; new digest, the same comment is edited', async () => {
    const first = await upsertStickyComment(client(), issue, comment('one', 'd1'));
    const again = await upsertStickyComment(client(), issue, comment('one, re-rendered', 'd1'));
    const changed = await upsertStickyComment(client(), issue, comment('two', 'd2'));
    assert.deepEqual([first.action, again.action, changed.action], ['created', 'unchanged', 'updated']);
    assert.equal(changed.id, first.id);
    assert.equal(github.comments.get(4)?.[0]?.body, '<!-- m -->\ntwo\n<!-- digest=d2 -->\n');
  });

  it("the token's login when /user answers, github-actions[bot] for the workflow token", async () => {
    assert.equal(await tokenLogin(client()), 'github-actions[bot]');
    github.login = 'policy-bot';
    assert.equal(await tokenLogin(client()), 'policy-bot');
  });

  it('a /user that fails for another reason is an error, not a guess that would post a second comment', async () => {
    github.login = 'policy-bot';
    github.intercept = (r) => (r.path === '/user' ? { status: 503, body: { message: 'Service Unavailable' } } : undefined);
    assert.equal((await failure(() => tokenLogin(client())) as { status?: number }).status, 503);
    github.intercept = (r) => (r.path === '/user' ? { status: 403, body: { message: 'API rate limit exceeded for user.' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) } } : undefined);
    assert.equal((await failure(() => tokenLogin(client())) as { status?: number }).status, 403);
  });

  it('errors read as one line that says what to do', async () => {
    github.intercept = () => ({ status: 401, body: { message: 'Bad credentials' } });
    assert.equal(
      describeApiError(await failure(() => upsertStickyComment(client(), issue, comment('x', 'd'))), 'post the pull-request comment'),
      "could not post the pull-request comment: GitHub rejected the token (401 Bad credentials); check the action's 'token' input",
    );
    github.intercept = () => ({ status: 404, body: { message: 'Not Found' } });
    assert.match(describeApiError(await failure(() => upsertStickyComment(client(), issue, comment('x', 'd'))), 'post'), /^could not post: not found \(404 Not Found\); the repository or pull request does not exist or the token cannot see it$/);

    // a secondary limit may come as a bare 429 that does not say so, with a wait too long to take
    github.intercept = () => ({ status: 429, body: { message: 'Too Many Requests' }, headers: { 'retry-after': '600' } });
    assert.match(describeApiError(await failure(() => upsertStickyComment(client(), issue, comment('x', 'd'))), 'post'), /^could not post: GitHub's API rate limit was reached \(429 Too Many Requests\)$/);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = createGitHubClient({ token: 't', baseUrl: `http://127.0.0.1:${port}`, retries: 0 });
    assert.match(describeApiError(await failure(() => upsertStickyComment(offline, issue, comment('x', 'd'))), 'post the pull-request comment'), /^could not post the pull-request comment: GitHub's API could not be reached \((connect )?ECONNREFUSED[^)]*\)$/);
  });

  it('a check run without findings is one completed request', async () => {
    const run = await publishCheckRun(client(), { owner: 'acme', repo: 'mesh-policy', name: 'sluice review', headSha: 'a'.repeat(40), conclusion: 'success', title: 'no findings', summary: 'ok', annotations: [] });
    assert.equal(run.requests, 1);
    assert.deepEqual(
      github.checkRuns.map((r) => [r.status, r.conclusion, r.annotations.length]),
      [['completed', 'success', 0]],
    );
  });

  it("a re-run finds the commit's identical run on the second page of its check runs and writes nothing", async () => {
    const sha = 'e'.repeat(40);
    for (let i = 0; i < 120; i++) github.checkRuns.push({ id: i + 1, name: 'sluice review', head_sha: sha, status: 'completed', conclusion: 'success', external_id: i === 119 ? 'same' : `old${i}`, output: {}, annotations: [] });
    const run = await publishCheckRun(client(), { owner: 'acme', repo: 'mesh-policy', name: 'sluice review', headSha: sha, conclusion: 'success', title: 't', summary: 's', annotations: [], digest: 'same' });
    assert.deepEqual([run.id, run.requests], [120, 0]);
    assert.deepEqual(github.requests.map((r) => [r.method, r.query.get('page') ?? '1']), [['GET', '1'], ['GET', '2']]);
  });

  it('a long multi-byte message is cut to 64 KB of UTF-8 on a code point, and the check run takes it', async () => {
    const d: Diagnostic = { code: 'SLU2001', severity: 'warning', message: `${'€'.repeat(21_845)}😀${'€'.repeat(30_000)}`, file: 'p.yaml', line: 1, col: 1, endLine: 1, endCol: 2, path: '' };
    const [annotation] = checkAnnotations([d]);
    const message = annotation?.message ?? '';
    assert.ok(Buffer.byteLength(message) <= 64 * 1024, `${Buffer.byteLength(message)} bytes`);
    assert.ok(message.endsWith('€…'), 'cut before the emoji, not inside its surrogate pair');
    assert.doesNotMatch(message, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, 'no lone surrogate');
    const run = await publishCheckRun(client(), { owner: 'acme', repo: 'mesh-policy', name: 'sluice review', headSha: 'b'.repeat(40), conclusion: 'success', title: 't', summary: `${'ü'.repeat(40_000)}`, annotations: [annotation as CheckAnnotation] });
    assert.equal(run.requests, 1);
    const summary = github.checkRuns[0]?.output.summary ?? '';
    assert.ok(Buffer.byteLength(summary) <= 65_535 && summary.endsWith('ü\n…'), `summary is ${Buffer.byteLength(summary)} bytes`);
  });

  it('the local GitHub refuses what the Checks API refuses: columns across lines, a line 0, 65,536 bytes of summary', async () => {
    const create = (output: Record<string, unknown>) =>
      failure(() => client().rest.checks.create({ owner: 'acme', repo: 'mesh-policy', name: 'n', head_sha: 'c'.repeat(40), output: output as { title: string; summary: string } }));
    const base = { path: 'p.yaml', annotation_level: 'warning', message: 'm' };
    const refused = async (output: Record<string, unknown>) => ((await create(output)) as { status?: number }).status;
    assert.equal(await refused({ title: 't', summary: 's', annotations: [{ ...base, start_line: 1, end_line: 2, start_column: 1, end_column: 2 }] }), 422);
    assert.equal(await refused({ title: 't', summary: 's', annotations: [{ ...base, start_line: 0, end_line: 0 }] }), 422);
    assert.equal(await refused({ title: 't', summary: 'ü'.repeat(32_768) }), 422);
    assert.deepEqual(github.checkRuns, []);
  });

  it('a check run whose annotations cannot all be sent is still completed, never left pending', async () => {
    const annotation: CheckAnnotation = { path: 'p.yaml', start_line: 1, end_line: 1, annotation_level: 'warning', message: 'm' };
    let patches = 0;
    // the second batch hits a rate limit that resets in an hour (not waited for); the closing update goes through
    github.intercept = (r) =>
      r.method === 'PATCH' && ++patches === 1 ? { status: 403, body: { message: 'API rate limit exceeded for installation.' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) } } : undefined;
    const error = await failure(() =>
      publishCheckRun(client(), { owner: 'acme', repo: 'mesh-policy', name: 'sluice review', headSha: 'd'.repeat(40), conclusion: 'failure', title: 't', summary: 'the report', annotations: Array.from({ length: 120 }, () => annotation) }),
    );
    assert.equal((error as { status?: number }).status, 403);
    const [run] = github.checkRuns;
    assert.deepEqual([run?.status, run?.conclusion, run?.annotations.length], ['completed', 'failure', 50]);
    assert.match(run?.output.summary ?? '', /70 of 120 annotations could not be sent; the job summary lists every finding\.\n\nthe report$/);
  });

  it('annotations carry columns only on one line, and lines from 1', () => {
    const d = (fields: Partial<Diagnostic>): Diagnostic => ({ code: 'SLU1001', severity: 'error', message: 'm', file: 'p.yaml', line: 3, col: 2, endLine: 3, endCol: 5, path: '', ...fields });
    assert.deepEqual(
      checkAnnotations([d({}), d({ endLine: 5 }), d({ line: 0, col: 0, endLine: 0, endCol: 0, severity: 'info' })]).map((a) => [a.start_line, a.end_line, a.start_column, a.end_column, a.annotation_level]),
      [
        [3, 3, 2, 5, 'failure'],
        [3, 5, undefined, undefined, 'failure'],
        [1, 1, undefined, undefined, 'notice'],
      ],
    );
  });
});
