import type { CommandContext } from './context.ts';

/**
 * One `sluice <name>` command. To add a command, write a module under `cli/commands/` that
 * exports a `Command` and list it in the table in `cli/commands/index.ts`; `sluice --help`,
 * `sluice help <name>` and `sluice <name> --help` pick it up from there.
 */
export interface Command {
  /** The word after `sluice`. */
  readonly name: string;
  /** One line, shown in `sluice --help`. */
  readonly summary: string;
  /** The full help text: usage line, description, options, exit codes. Ends with a newline. */
  readonly usage: string;
  /**
   * Runs the command with the arguments after its name and returns the exit code.
   * Throw `UsageError` for bad arguments (exit 2 with a pointer to --help), `CliError` for
   * other expected failures (exit 2); anything else is reported as an internal error.
   */
  run(args: string[], context: CommandContext): Promise<number>;
}
