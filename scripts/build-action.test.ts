// The committed action bundle: up to date with the sources, and runnable on its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bookinfoRepo, pullRequestEvent, read } from '../cli/action/testing.ts';
import type { FakeGitHub } from '../gitops/github/testing/server.ts';
import { startFakeGitHub } from '../gitops/github/testing/server.ts';
import type { TestRepo } from '../gitops/testing/repo.ts';
import { buildAction, ROOT } from './build-action.ts';

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the action bundle (dist/)', () => {
  let temp: string;
  before(() => {
    temp = mkdtempSync(join(tmpdir(), 'sluice-dist-'));
  });
  after(() => rmSync(temp, { recursive: true, force: true }));

  it('is what `npm run build:action` builds from the current sources (run it and commit dist/ if this fails)', async () => {
    const fresh = join(temp, 'fresh');
    await buildAction(fresh);
    const committed = join(ROOT, 'dist');
    assert.deepEqual(files(committed), files(fresh), 'dist/ has other files than a fresh build: run `npm run build:action` and commit dist/');
    for (const file of files(fresh)) {
      assert.ok(readFileSync(join(committed, file)).equals(readFileSync(join(fresh, file))), `dist/${file} is stale: run \`npm run build:action\` and commit dist/`);
    }
  });

  describe('run from a copy without node_modules', () => {
    let github: FakeGitHub;
    let repo: TestRepo;
    let base: string;
    before(async () => {
      github = await startFakeGitHub();
      ({ repo, base } = await bookinfoRepo());
    });
    after(async () => {
      await github.close();
      repo.dispose();
    });

    it('validates with RE2 and the schemas, comments, checks and summarizes', async () => {
      const action = join(temp, 'action-copy');
      cpSync(join(ROOT, 'dist'), join(action, 'dist'), { recursive: true });
      cpSync(join(ROOT, 'action.yml'), join(action, 'action.yml'));
      // 50-v3, plus a match whose regex RE2 rejects (SLU4016 comes from the bundled re2.wasm)
      const broken = read('networking/virtual-service-reviews-50-v3.yaml').replace('  http:\n', '  http:\n  - match:\n    - uri: {regex: "/api/(?<id>[0-9]+"}\n    route:\n    - destination: {host: reviews, subset: v1}\n');
      const head = await repo.commit({ 'policies/reviews.yaml': broken }, 'reviews 50-50 and an api route');
      const eventPath = join(temp, 'event.json');
      writeFileSync(eventPath, JSON.stringify(pullRequestEvent(12, base, head)));
      github.pulls.set(12, { head: { sha: head }, base: { sha: base } });
      const summary = join(temp, 'summary.md');
      writeFileSync(summary, '');
      const { code, stdout, stderr } = await run(process.execPath, [join(action, 'dist/action/index.mjs')], {
        cwd: action,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: temp,
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: eventPath,
          GITHUB_REPOSITORY: 'acme/mesh-policy',
          GITHUB_API_URL: github.url,
          GITHUB_SERVER_URL: 'https://github.test',
          GITHUB_RUN_ID: '5',
          GITHUB_WORKSPACE: repo.work,
          GITHUB_STEP_SUMMARY: summary,
          INPUT_TOKEN: 'ghs_test',
          INPUT_PATH: 'policies',
          INPUT_SARIF: join(temp, 'out.sarif'),
          'INPUT_REPORT-DIR': join(temp, 'report'),
        },
      });
      assert.equal(stderr, '');
      assert.equal(code, 1, stdout);
      assert.match(stdout, /^::error file=policies\/reviews\.yaml,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=SLU4016::uri match regex/m);
      assert.match(stdout, /::error::sluice: 1 finding at or above fail-on \(error\) in the policy/);
      const comment = github.comments.get(12)?.[0]?.body ?? '';
      assert.match(comment, /\| `reviews\.default\.svc\.cluster\.local:9080` \| v1 90%, v2 10% \| v1 \d+%/);
      assert.match(comment, /SLU4016/);
      assert.equal(github.checkRuns[0]?.conclusion, 'failure');
      assert.equal(github.checkRuns[0]?.head_sha, head);
      assert.match(readFileSync(summary, 'utf8'), /### ❌ sluice review · `policies\/`/);
      const sarif = JSON.parse(readFileSync(join(temp, 'out.sarif'), 'utf8')) as { runs: { tool: { driver: { version: string } }; results: { ruleId: string }[] }[] };
      assert.ok(sarif.runs[0]?.results.some((r) => r.ruleId === 'SLU4016'));
      assert.equal(sarif.runs[0]?.tool.driver.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    });
  });
});
