import { parseArgs } from 'node:util';
import { parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { globalUsage } from '../usage.ts';

/** `sluice help [command]`. Takes the table lazily because the table lists it too. */
export function createHelpCommand(table: () => readonly Command[]): Command {
  return {
    name: 'help',
    summary: 'Show help for sluice or for one command',
    usage: `Usage: sluice help [COMMAND]

Shows the list of commands, or the usage, options and exit codes of COMMAND.

Exit codes:
  0  help shown
  2  unknown command
`,
    async run(args, context) {
      const { positionals, values } = parseOrUsageError('help', () =>
        parseArgs({ args, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } }),
      );
      const commands = table();
      if (values.help) {
        context.stdout.write(commands.find((c) => c.name === 'help')?.usage ?? '');
        return 0;
      }
      if (positionals.length > 1) throw new UsageError(`expected one command name, got ${positionals.length}`, 'help');
      const name = positionals[0];
      if (name === undefined) {
        context.stdout.write(globalUsage(commands));
        return 0;
      }
      const command = commands.find((c) => c.name === name);
      if (!command) throw new UsageError(unknownCommandMessage(name, commands));
      context.stdout.write(command.usage);
      return 0;
    },
  };
}

/** "unknown command 'valdate'; did you mean 'validate'?" */
export function unknownCommandMessage(name: string, commands: readonly Command[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of commands) {
    const distance = editDistance(name, c.name);
    if (distance < bestDistance) {
      best = c.name;
      bestDistance = distance;
    }
  }
  return best ? `unknown command '${name}'; did you mean '${best}'?` : `unknown command '${name}'`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
