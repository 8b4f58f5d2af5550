import type { Command } from '../command.ts';
import { createHelpCommand } from './help.ts';
import { compileCommand } from './compile.ts';
import { diffCommand } from './diff.ts';
import { measureCommand } from './measure.ts';
import { reviewCommand } from './review.ts';
import { rolloutCommand } from './rollout.ts';
import { serveCommand } from './serve.ts';
import { statusCommand } from './status.ts';
import { validateCommand } from './validate.ts';

/**
 * Every `sluice` command, in the order `sluice --help` lists them. A new command is a
 * module in this folder exporting a `Command`, added here.
 */
export const commands: readonly Command[] = [validateCommand, compileCommand, diffCommand, reviewCommand, serveCommand, statusCommand, rolloutCommand, measureCommand, createHelpCommand(() => commands)];

export function findCommand(name: string, table: readonly Command[] = commands): Command | undefined {
  return table.find((command) => command.name === name);
}
