import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Command } from './command.ts';
import { commands } from './commands/index.ts';
import { CliError, UsageError } from './errors.ts';
import { run } from './main.ts';
import { memoryContext } from './testing.ts';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function sluice(argv: string[], table: readonly Command[] = commands, env: Record<string, string> = {}) {
  const io = memoryContext({ env });
  const code = await run(argv, io.context, table);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

function fake(name: string, behaviour: () => Promise<number>): Command {
  return { name, summary: `the ${name} command`, usage: `Usage: sluice ${name}\n`, run: behaviour };
}

describe('sluice (global)', () => {
  it('--help lists every command with its summary', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await sluice([flag]);
      assert.equal(code, 0);
      assert.equal(stderr, '');
      assert.match(stdout, /^Usage: sluice <command> \[options\]$/m);
      for (const command of commands) assert.match(stdout, new RegExp(`^  ${command.name} +${command.summary}$`, 'm'));
    }
  });

  it('--version prints the version from package.json', async () => {
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await sluice([flag]);
      assert.equal(code, 0);
      assert.equal(stdout, `${version}\n`);
    }
  });

  it('help <command>, <command> --help and --help <command> print the command usage', async () => {
    const validate = commands.find((c) => c.name === 'validate');
    assert.ok(validate);
    for (const argv of [['help', 'validate'], ['validate', '--help'], ['validate', '-h'], ['--help', 'validate']]) {
      const { code, stdout } = await sluice(argv);
      assert.equal(code, 0, argv.join(' '));
      assert.equal(stdout, validate.usage);
    }
    assert.match(validate.usage, /^Usage: sluice validate/);
    assert.match(validate.usage, /--format/);
    assert.match(validate.usage, /Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 /);
  });

  it('help with no command lists the commands', async () => {
    const { code, stdout } = await sluice(['help']);
    assert.equal(code, 0);
    assert.match(stdout, /^Commands:$/m);
  });

  it('an unknown command is a usage error (exit 2, one line, with a suggestion)', async () => {
    const { code, stdout, stderr } = await sluice(['valdate', 'x']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr, "sluice: unknown command 'valdate'; did you mean 'validate'? (see 'sluice --help')\n");
    const far = await sluice(['frobnicate']);
    assert.equal(far.stderr, "sluice: unknown command 'frobnicate' (see 'sluice --help')\n");
    const help = await sluice(['help', 'frobnicate']);
    assert.equal(help.code, 2);
    assert.equal(help.stderr, "sluice: unknown command 'frobnicate' (see 'sluice --help')\n");
  });

  it('an unknown global option is a usage error', async () => {
    const { code, stderr } = await sluice(['--bogus', 'validate']);
    assert.equal(code, 2);
    assert.equal(stderr, "sluice: unknown option '--bogus' (see 'sluice --help')\n");
  });

  it('no command prints the usage to stderr and exits 2', async () => {
    const { code, stdout, stderr } = await sluice([]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^Usage: sluice <command>/m);
  });

  it('passes the arguments after the command name to the command', async () => {
    let seen: string[] = [];
    const table = [{ ...fake('echo', async () => 0), run: async (args: string[]) => ((seen = args), 3) }];
    assert.equal((await sluice(['echo', 'a', '--b', '-c'], table)).code, 3);
    assert.deepEqual(seen, ['a', '--b', '-c']);
    assert.equal((await sluice(['--', 'echo', 'z'], table)).code, 3);
    assert.deepEqual(seen, ['z']);
  });

  it('reports an unexpected exception as one line, no stack, exit 2', async () => {
    const table = [fake('boom', async () => {
      throw new Error('disk on fire\n    at somewhere (x.ts:1:1)');
    })];
    const { code, stdout, stderr } = await sluice(['boom'], table);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr, 'sluice: internal error: disk on fire at somewhere (x.ts:1:1) (set SLUICE_DEBUG=1 for details)\n');
  });

  it('prints the stack of an internal error with SLUICE_DEBUG=1', async () => {
    const table = [fake('boom', async () => {
      throw new TypeError('nope');
    })];
    const { code, stderr } = await sluice(['boom'], table, { SLUICE_DEBUG: '1' });
    assert.equal(code, 2);
    const [first, ...rest] = stderr.split('\n');
    assert.equal(first, 'sluice: internal error: nope');
    assert.match(rest.join('\n'), /^TypeError: nope\n\s+at /);
  });

  it('reports a thrown non-Error value as an internal error too', async () => {
    const table = [fake('boom', () => Promise.reject('just a string'))];
    assert.equal((await sluice(['boom'], table)).stderr, 'sluice: internal error: just a string (set SLUICE_DEBUG=1 for details)\n');
  });

  it('reports CliError and UsageError from a command with the command name', async () => {
    const usage = await sluice(['x'], [fake('x', async () => Promise.reject(new UsageError('bad flag', 'x')))]);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, "sluice x: bad flag (see 'sluice x --help')\n");
    const plain = await sluice(['x'], [fake('x', async () => Promise.reject(new CliError('cannot do it', 'x')))]);
    assert.equal(plain.code, 2);
    assert.equal(plain.stderr, 'sluice x: cannot do it\n');
  });
});
