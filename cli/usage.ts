import type { Command } from './command.ts';
import { packageInfo } from './version.ts';

/** `sluice --help`: every command with its one-line summary. */
export function globalUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `sluice ${packageInfo().version}: GitOps control plane for service meshes

Usage: sluice <command> [options]

Commands:
${list}

Options:
  -h, --help     Show this help
  -V, --version  Print sluice's version

Run 'sluice help <command>' or 'sluice <command> --help' for a command's options.
`;
}
