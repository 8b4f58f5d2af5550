// End to end: the real `sluice` binary (bin/sluice.mjs) on YAML files in temp directories.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkSarif } from './format/sarif-check.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin', 'sluice.mjs');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sluice(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.env?.FORCE_COLOR) delete env.FORCE_COLOR;
  if (!options.env?.NO_COLOR) delete env.NO_COLOR;
  delete env.GITHUB_WORKSPACE;
  delete env.SLUICE_DEBUG;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: options.cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const service = `apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: default
spec:
  selector:
    app: reviews
  ports:
  - name: http
    port: 9080
    targetPort: 9080
`;

const syntaxError = `apiVersion: v1
kind: Service
metadata:
  name: broken
spec:
  ports: [ {name: http, port: 80
`;

const unknownKind = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: gizmo
  namespace: default
spec:
  size: 3
`;

let root: string;
function tree(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('sluice validate (end to end)', { concurrency: 4 }, () => {
  let clean: string;
  let broken: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'sluice-cli-e2e-'));
    clean = tree('clean', { 'services/reviews.yaml': service });
    broken = tree('broken', { 'services/reviews.yaml': service, 'bad.yaml': syntaxError });
    tree('warned', { 'services/reviews.yaml': service, 'widget.yaml': unknownKind });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('exits 0 on valid policy, validating the current directory by default', async () => {
    const { code, stdout, stderr } = await sluice(['validate'], { cwd: clean });
    assert.equal(stderr, '');
    assert.equal(code, 0, stdout);
    assert.equal(stdout, '✔ 1 document (1 file) valid\n');
  });

  it('exits 1 on an error, with file:line:col, a code frame and a summary, no colour when piped', async () => {
    const { code, stdout, stderr } = await sluice(['validate', 'broken'], { cwd: root });
    assert.equal(stderr, '');
    assert.equal(code, 1, stdout);
    assert.match(stdout, /^broken\/bad\.yaml:\d+:\d+ - error SLU1\d{3}: /m);
    assert.match(stdout, /^> +\d+ \| /m);
    assert.match(stdout, /^ +\| +\^~*$/m);
    assert.match(stdout, /^✖ \d+ errors?.* in \d+ documents? \(2 files\)$/m);
    assert.ok(!stdout.includes('\u001b['));
  });

  it('colours with FORCE_COLOR=1', async () => {
    const { code, stdout, stderr } = await sluice(['validate', broken], { cwd: root, env: { FORCE_COLOR: '1' } });
    assert.equal(code, 1, stderr);
    assert.ok(stdout.includes('\u001b['));
  });

  it('reports an unknown kind as a warning: exit 0, or 1 with --fail-on warning', async () => {
    const lenient = await sluice(['validate', 'warned', '--format', 'json'], { cwd: root });
    assert.equal(lenient.code, 0, lenient.stdout + lenient.stderr);
    const report = JSON.parse(lenient.stdout) as { diagnostics: { severity: string; file: string }[]; summary: { errors: number; warnings: number } };
    assert.equal(report.summary.errors, 0);
    assert.ok(report.summary.warnings >= 1);
    assert.ok(report.diagnostics.some((d) => d.severity === 'warning' && d.file === 'warned/widget.yaml'));

    const strict = await sluice(['validate', 'warned', '--fail-on', 'warning'], { cwd: root });
    assert.equal(strict.code, 1, strict.stderr);
    assert.match(strict.stdout, /^warned\/widget\.yaml:\d+:\d+ - warning SLU\d{4}: /m);
    const quiet = await sluice(['validate', 'warned', '--quiet'], { cwd: root });
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stdout, '');
  });

  it('validates several paths in one run', async () => {
    const { code, stdout, stderr } = await sluice(['validate', 'clean', 'warned/widget.yaml', '--format', 'json'], { cwd: root });
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as { summary: { files: number; documents: number } };
    assert.equal(report.summary.files, 2);
    assert.equal(report.summary.documents, 2);
  });

  it('--format json: diagnostics and summary', async () => {
    const { code, stdout, stderr } = await sluice(['validate', 'broken', '--format', 'json'], { cwd: root });
    assert.equal(code, 1, stderr);
    assert.ok(stdout.endsWith('\n'));
    const report = JSON.parse(stdout) as { diagnostics: Record<string, unknown>[]; summary: Record<string, number> };
    assert.deepEqual(Object.keys(report.summary), ['errors', 'warnings', 'infos', 'documents', 'files']);
    assert.ok((report.summary.errors ?? 0) >= 1);
    assert.equal(report.summary.files, 2);
    assert.deepEqual(Object.keys(report.diagnostics[0] ?? {}).slice(0, 9), ['code', 'severity', 'message', 'file', 'line', 'col', 'endLine', 'endCol', 'path']);
  });

  it('--format sarif: a valid SARIF log with rules for the codes that occur', async () => {
    const { code, stdout, stderr } = await sluice(['validate', 'broken', '--format', 'sarif'], { cwd: root });
    assert.equal(code, 1, stderr);
    const log = JSON.parse(stdout) as { runs: { tool: { driver: { version: string; rules: { id: string; shortDescription: { text: string } }[] } }; results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    assert.deepEqual(checkSarif(log), []);
    const run = log.runs[0];
    assert.ok(run);
    assert.equal(run.tool.driver.version, version);
    assert.ok(run.results.length >= 1);
    assert.ok(run.results.some((r) => r.locations[0]?.physicalLocation.artifactLocation.uri === 'broken/bad.yaml'));
    for (const result of run.results) {
      const rule = run.tool.driver.rules.find((r) => r.id === result.ruleId);
      assert.ok(rule && rule.shortDescription.text !== rule.id, `rule ${result.ruleId} comes from the code registry`);
    }
  });

  it('--format github: annotations, then the listing', async () => {
    const { code, stdout, stderr } = await sluice(['validate', 'broken', '--format', 'github'], { cwd: root });
    assert.equal(code, 1, stderr);
    assert.match(stdout, /^::error file=broken\/bad\.yaml,line=\d+,.*title=SLU1\d{3}::/m);
    assert.match(stdout, /^::stop-commands::[0-9a-f]{32}$/m);
    assert.match(stdout, /^broken\/bad\.yaml:\d+:\d+ - error SLU1\d{3}: /m);
  });

  it('a path that does not exist is reported as a finding (exit 1)', async () => {
    const { code, stdout, stderr } = await sluice(['validate', 'no-such-dir'], { cwd: root });
    assert.equal(code, 1, stderr);
    assert.match(stdout, /no-such-dir/);
  });

  it('usage errors exit 2 with one line on stderr pointing at --help', async () => {
    for (const args of [['validate', '--bogus'], ['validate', '--format', 'xml', 'clean'], ['validate', '--fail-on'], ['valdate']]) {
      const { code, stdout, stderr } = await sluice(args, { cwd: root });
      assert.equal(code, 2, args.join(' '));
      assert.equal(stdout, '');
      assert.equal(stderr.split('\n').length, 2, `one line: ${stderr}`);
      assert.match(stderr, /^sluice( validate)?: .*\(see 'sluice( validate)? --help'\)\n$/);
    }
  });

  it('--version, --help, help validate', async () => {
    assert.deepEqual(await sluice(['--version'], { cwd: root }), { code: 0, stdout: `${version}\n`, stderr: '' });
    const help = await sluice(['--help'], { cwd: root });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {2}validate {2}/m);
    const command = await sluice(['help', 'validate'], { cwd: root });
    assert.equal(command.code, 0);
    assert.match(command.stdout, /^Usage: sluice validate/);
    assert.equal((await sluice(['validate', '--help'], { cwd: root })).stdout, command.stdout);
  });
});
