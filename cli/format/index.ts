import { formatGithub } from './github.ts';
import { formatHuman } from './human.ts';
import { formatJson } from './json.ts';
import { formatSarif } from './sarif.ts';
import type { Formatter } from './types.ts';

export type { FormatOptions, Formatter, Report, ToolInfo } from './types.ts';
export { palette, shouldUseColor } from './ansi.ts';
export type { Palette } from './ansi.ts';
export { countBySeverity, summaryLine } from './summary.ts';

export const formatNames = ['human', 'json', 'github', 'sarif'] as const;
export type FormatName = (typeof formatNames)[number];

const formatters: Record<FormatName, Formatter> = {
  human: formatHuman,
  json: formatJson,
  github: formatGithub,
  sarif: formatSarif,
};

export function formatter(name: FormatName): Formatter {
  return formatters[name];
}
