import type { SourceRange } from '../../compiler/diagnostics/index.ts';
import type { Palette } from './ansi.ts';
import { displayLine } from './text.ts';

export interface CodeFrameOptions {
  readonly palette: Palette;
  /** Colours the underline (by severity). */
  readonly underline: (text: string) => string;
  /** Lines of context before and after the offending line. Default 1. */
  readonly context?: number;
}

/**
 * The offending line with context and a `^~~~` underline under the exact range:
 *
 *       11 |   http:
 *     > 12 |   - route:
 *          |     ^~~~~
 *       13 |     - destination:
 *
 * A range that runs past its first line is underlined to the end of that line. Returns no
 * lines when the range is not inside the text (a whole-file finding, a file not read).
 */
export function codeFrame(
  source: string | readonly string[],
  range: Pick<SourceRange, 'line' | 'col' | 'endLine' | 'endCol'>,
  options: CodeFrameOptions,
): string[] {
  const lines = typeof source === 'string' ? splitLines(source) : source;
  if (!Number.isInteger(range.line) || range.line < 1 || range.line > lines.length) return [];

  const context = options.context ?? 1;
  const first = Math.max(1, range.line - context);
  const last = Math.min(lines.length, range.line + context);
  const gutterWidth = String(last).length;
  const { dim } = options.palette;
  const out: string[] = [];

  for (let n = first; n <= last; n++) {
    const text = lines[n - 1] ?? '';
    const shown = displayLine(text);
    const number = String(n).padStart(gutterWidth);
    const isTarget = n === range.line;
    const marker = isTarget ? options.underline('>') : ' ';
    out.push(trimEnd(`${marker} ${dim(`${number} |`)} ${shown.text}`));
    if (!isTarget) continue;

    const start = clamp(Math.trunc(range.col) - 1, 0, text.length);
    const end = range.endLine > range.line ? text.length : clamp(Math.trunc(range.endCol) - 1, 0, text.length);
    const startColumn = shown.columns[start] ?? 0;
    const endColumn = end > start ? (shown.columns[end] ?? startColumn) : startColumn;
    const width = Math.max(1, endColumn - startColumn);
    const mark = '^' + '~'.repeat(width - 1);
    out.push(`  ${dim(`${' '.repeat(gutterWidth)} |`)} ${' '.repeat(startColumn)}${options.underline(mark)}`);
  }
  return out;
}

/** The lines of a file as the loader counts them; a final newline starts no extra line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function trimEnd(row: string): string {
  return row.replace(/[ \t]+$/, '');
}
