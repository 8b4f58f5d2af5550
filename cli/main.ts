import { parseArgs } from 'node:util';
import { parseOrUsageError } from './args.ts';
import type { Command } from './command.ts';
import { commands as defaultCommands } from './commands/index.ts';
import { unknownCommandMessage } from './commands/help.ts';
import type { CommandContext } from './context.ts';
import { processContext } from './context.ts';
import { CliError, UsageError, describeCliError, oneLine } from './errors.ts';
import { globalUsage } from './usage.ts';
import { packageInfo } from './version.ts';

/** Entry point used by bin/sluice.mjs: runs one command and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  return run(argv, processContext());
}

/**
 * `sluice [--help | --version] <command> [args...]`. Never throws: usage errors and
 * expected failures print one line and return 2; anything unexpected prints
 * `sluice: internal error: ...` (its stack only with SLUICE_DEBUG=1) and returns 2.
 */
export async function run(argv: string[], context: CommandContext, table: readonly Command[] = defaultCommands): Promise<number> {
  try {
    return await dispatch(argv, context, table);
  } catch (error) {
    return report(error, context);
  }
}

async function dispatch(argv: string[], context: CommandContext, table: readonly Command[]): Promise<number> {
  // The first positional argument is the command; options before it are sluice's own.
  const { tokens } = parseArgs({ args: argv, strict: false, allowPositionals: true, tokens: true });
  const boundary = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  let globalArgs = argv;
  let name: string | undefined;
  let rest: string[] = [];
  if (boundary?.kind === 'positional') {
    globalArgs = argv.slice(0, boundary.index);
    name = argv[boundary.index];
    rest = argv.slice(boundary.index + 1);
  } else if (boundary?.kind === 'option-terminator') {
    globalArgs = argv.slice(0, boundary.index);
    name = argv[boundary.index + 1];
    rest = argv.slice(boundary.index + 2);
  }

  const { values } = parseOrUsageError(undefined, () =>
    parseArgs({
      args: globalArgs,
      strict: true,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } },
    }),
  );
  if (values.version) {
    context.stdout.write(`${packageInfo().version}\n`);
    return 0;
  }
  const command = name === undefined ? undefined : table.find((c) => c.name === name);
  if (name !== undefined && !command) throw new UsageError(unknownCommandMessage(name, table));
  if (values.help) {
    context.stdout.write(command ? command.usage : globalUsage(table));
    return 0;
  }
  if (!command) {
    context.stderr.write(globalUsage(table));
    return 2;
  }
  return command.run(rest, context);
}

function report(error: unknown, context: CommandContext): number {
  if (error instanceof CliError) {
    context.stderr.write(describeCliError(error) + '\n');
    return 2;
  }
  const debug = context.env.SLUICE_DEBUG === '1';
  const message = error instanceof Error ? error.message || error.name : String(error);
  const tail = debug ? '' : ' (set SLUICE_DEBUG=1 for details)';
  context.stderr.write(`sluice: internal error: ${oneLine(message)}${tail}\n`);
  if (debug && error instanceof Error && error.stack) context.stderr.write(error.stack + '\n');
  return 2;
}
