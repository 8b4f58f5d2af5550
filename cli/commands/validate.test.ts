import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../compiler/diagnostics/index.ts';
import type { ValidationResult } from '../../compiler/index.ts';
import { run } from '../main.ts';
import { diag, memoryContext } from '../testing.ts';
import { createValidateCommand } from './validate.ts';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  paths: string[] | undefined;
}

/** Runs `sluice validate ...` in-process against a stand-in pipeline that reports `diagnostics`. */
async function validate(args: string[], diagnostics: Diagnostic[] = [], io = memoryContext()): Promise<Outcome> {
  let paths: string[] | undefined;
  const command = createValidateCommand({
    validatePaths: async (given) => {
      paths = given;
      return {
        diagnostics,
        files: new Map([['policies/a.yaml', { path: 'policies/a.yaml', text: 'a: 1\nb: 2\nc: 3\n' }]]),
        documentCount: 3,
      } as unknown as ValidationResult;
    },
  });
  const code = await run(['validate', ...args], io.context, [command]);
  return { code, stdout: io.stdout(), stderr: io.stderr(), paths };
}

const error = diag({ severity: 'error', line: 2, code: 'SLU9001', message: 'an error' });
const warning = diag({ severity: 'warning', line: 1, code: 'SLU9002', message: 'a warning' });
const info = diag({ severity: 'info', line: 3, code: 'SLU9003', message: 'an info' });

describe('sluice validate', () => {
  it('validates . by default, and the paths given otherwise', async () => {
    assert.deepEqual((await validate([])).paths, ['.']);
    assert.deepEqual((await validate(['a', 'b/c.yaml'])).paths, ['a', 'b/c.yaml']);
  });

  it('exits 0 when clean and says so', async () => {
    const { code, stdout, stderr } = await validate([]);
    assert.equal(code, 0);
    assert.equal(stdout, '✔ 3 documents (1 file) valid\n');
    assert.equal(stderr, '');
  });

  it('exits 1 on errors, 0 on warnings and infos alone', async () => {
    assert.equal((await validate([], [error, warning])).code, 1);
    assert.equal((await validate([], [warning, info])).code, 0);
  });

  it('--fail-on warning fails on warnings but not on infos', async () => {
    assert.equal((await validate(['--fail-on', 'warning'], [warning])).code, 1);
    assert.equal((await validate(['--fail-on=warning'], [info])).code, 0);
    assert.equal((await validate(['--fail-on', 'error'], [warning])).code, 0);
  });

  it('sorts findings by file, line and column', async () => {
    const late = diag({ file: 'policies/b.yaml', line: 1, message: 'in b' });
    const { stdout } = await validate([], [late, info, error, warning]);
    const order = ['a warning', 'an error', 'an info', 'in b'].map((m) => stdout.indexOf(m));
    assert.deepEqual([...order].sort((x, y) => x - y), order);
    assert.ok(order.every((i) => i >= 0));
  });

  it('--quiet shows only findings at or above --fail-on, and nothing when there are none', async () => {
    const noisy = await validate(['--quiet'], [error, warning]);
    assert.ok(noisy.stdout.includes('an error'));
    assert.ok(!noisy.stdout.includes('a warning'));
    assert.match(noisy.stdout, /✖ 1 error in 3 documents/);
    const silent = await validate(['--quiet'], [warning]);
    assert.equal(silent.code, 0);
    assert.equal(silent.stdout, '');
    const json = await validate(['--quiet', '--format', 'json'], [warning]);
    assert.deepEqual(JSON.parse(json.stdout), { diagnostics: [], summary: { errors: 0, warnings: 0, infos: 0, documents: 3, files: 1 } });
  });

  it('writes each format to stdout', async () => {
    const json = await validate(['--format', 'json'], [error]);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { summary: { errors: number } }).summary.errors, 1);
    const sarif = await validate(['--format=sarif'], [error]);
    assert.equal((JSON.parse(sarif.stdout) as { version: string }).version, '2.1.0');
    const github = await validate(['--format', 'github'], [error]);
    assert.match(github.stdout, /^::error file=policies\/a\.yaml,line=2,col=1,endLine=2,endColumn=2,title=SLU9001::an error$/m);
  });

  it('colours human output on a terminal or with FORCE_COLOR, never when piped or with NO_COLOR', async () => {
    const tty = await validate([], [error], memoryContext({ isTTY: true }));
    assert.ok(tty.stdout.includes('\u001b['));
    const forced = await validate([], [error], memoryContext({ env: { FORCE_COLOR: '1' } }));
    assert.ok(forced.stdout.includes('\u001b['));
    const piped = await validate([], [error], memoryContext());
    assert.ok(!piped.stdout.includes('\u001b['));
    const noColor = await validate([], [error], memoryContext({ isTTY: true, env: { NO_COLOR: '1' } }));
    assert.ok(!noColor.stdout.includes('\u001b['));
    const json = await validate(['--format', 'json'], [error], memoryContext({ isTTY: true }));
    assert.ok(!json.stdout.includes('\u001b['));
  });

  it('makes github and sarif paths relative to GITHUB_WORKSPACE', async () => {
    const io = memoryContext({ cwd: '/work/repo/sub', env: { GITHUB_WORKSPACE: '/work/repo' } });
    const { stdout } = await validate(['--format', 'github'], [error], io);
    assert.match(stdout, /^::error file=sub\/policies\/a\.yaml,/m);
  });

  describe('usage errors: exit 2, one line on stderr, pointer to --help, pipeline not run', () => {
    const cases: [string[], string][] = [
      [['--bogus'], "sluice validate: unknown option '--bogus' (see 'sluice validate --help')"],
      [['--format', 'xml'], "sluice validate: invalid value 'xml' for --format (expected human, json, github or sarif) (see 'sluice validate --help')"],
      [['--fail-on', 'info'], "sluice validate: invalid value 'info' for --fail-on (expected error or warning) (see 'sluice validate --help')"],
      [['--format'], "sluice validate: option '--format' needs a value (see 'sluice validate --help')"],
      [['--quiet=yes'], "sluice validate: option '--quiet' does not take a value (see 'sluice validate --help')"],
    ];
    for (const [args, message] of cases) {
      it(args.join(' '), async () => {
        const { code, stdout, stderr, paths } = await validate(args, [error]);
        assert.equal(code, 2);
        assert.equal(stdout, '');
        assert.equal(stderr, message + '\n');
        assert.equal(paths, undefined);
      });
    }
  });
});
