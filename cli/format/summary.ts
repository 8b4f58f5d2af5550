import type { Diagnostic, Severity } from '../../compiler/diagnostics/index.ts';
import { atLeast } from '../../compiler/diagnostics/index.ts';
import type { Palette } from './ansi.ts';

export interface Counts {
  errors: number;
  warnings: number;
  infos: number;
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Counts {
  const counts: Counts = { errors: 0, warnings: 0, infos: 0 };
  for (const d of diagnostics) {
    if (d.severity === 'error') counts.errors++;
    else if (d.severity === 'warning') counts.warnings++;
    else counts.infos++;
  }
  return counts;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * `✖ 3 errors, 1 warning in 12 documents (5 files)` when the run fails at the --fail-on
 * threshold, `⚠ …` when it has findings below it, `✔ 12 documents (5 files) valid` when clean.
 */
export function summaryLine(
  diagnostics: readonly Diagnostic[],
  documentCount: number,
  fileCount: number,
  failOn: Severity,
  p: Palette,
): string {
  const counts = countBySeverity(diagnostics);
  const scope = `${plural(documentCount, 'document')} (${plural(fileCount, 'file')})`;
  if (diagnostics.length === 0) return p.green(`✔ ${scope} valid`);
  const parts: string[] = [];
  if (counts.errors > 0) parts.push(plural(counts.errors, 'error'));
  if (counts.warnings > 0) parts.push(plural(counts.warnings, 'warning'));
  if (counts.infos > 0) parts.push(plural(counts.infos, 'info'));
  const text = `${parts.join(', ')} in ${scope}`;
  const failed = diagnostics.some((d) => atLeast(d.severity, failOn));
  return failed ? p.bold(p.red(`✖ ${text}`)) : p.bold(p.yellow(`⚠ ${text}`));
}
