import type { Diagnostic, RelatedLocation, Severity } from '../../compiler/diagnostics/index.ts';
import type { Palette } from './ansi.ts';
import { palette } from './ansi.ts';
import { codeFrame, splitLines } from './codeframe.ts';
import { summaryLine } from './summary.ts';
import { cleanMessage, indentContinuation } from './text.ts';
import type { FormatOptions, Report } from './types.ts';

/**
 * The format for people, modelled on tsc and ESLint:
 *
 *     policies/reviews.yaml:12:7 - error SLU3002: host "ratings" is not in the registry
 *
 *       11 |   http:
 *     > 12 |   - route:
 *          |     ^~~~~
 *       13 |     - destination:
 *       hint: define the host with a ServiceEntry
 *       note: first defined here: policies/other.yaml:3:5
 *
 *     ✖ 1 error in 3 documents (2 files)
 */
export function formatHuman(report: Report, options: Pick<FormatOptions, 'color' | 'failOn'>): string {
  const p = palette(options.color);
  // Split each file once, however many findings it has.
  const lines = new Map<string, readonly string[]>();
  const linesOf = (file: string): readonly string[] | undefined => {
    let cached = lines.get(file);
    if (cached === undefined) {
      const text = report.files.get(file)?.text;
      if (text === undefined) return undefined;
      cached = splitLines(text);
      lines.set(file, cached);
    }
    return cached;
  };
  const blocks = report.diagnostics.map((d) => diagnosticBlock(d, linesOf(d.file), p));
  blocks.push(summaryLine(report.diagnostics, report.documentCount, report.fileCount, options.failOn, p) + '\n');
  return blocks.join('\n');
}

function severityStyle(severity: Severity, p: Palette): (text: string) => string {
  if (severity === 'error') return p.red;
  if (severity === 'warning') return p.yellow;
  return p.blue;
}

export function location(file: string, line: number, col: number, p: Palette): string {
  if (!(line >= 1)) return p.cyan(file);
  return `${p.cyan(file)}:${p.yellow(String(line))}:${p.yellow(String(col))}`;
}

function diagnosticBlock(d: Diagnostic, source: readonly string[] | undefined, p: Palette): string {
  const style = severityStyle(d.severity, p);
  const lines: string[] = [];
  const message = indentContinuation(cleanMessage(d.message), '  ');
  lines.push(`${location(d.file, d.line, d.col, p)} - ${style(d.severity)} ${p.gray(d.code)}: ${message}`);

  const frame = source === undefined ? [] : codeFrame(source, d, { palette: p, underline: style });
  if (frame.length > 0) lines.push('', ...frame);
  if (d.hint) lines.push(`  ${p.cyan('hint')}: ${indentContinuation(cleanMessage(d.hint), '        ')}`);
  for (const related of d.related ?? []) lines.push(`  ${relatedLine(related, p)}`);
  return lines.join('\n') + '\n';
}

function relatedLine(r: RelatedLocation, p: Palette): string {
  const where = location(r.file, r.line, r.col, p);
  const message = cleanMessage(r.message).replace(/\n/g, ' ');
  return message ? `${p.gray('note')}: ${message}: ${where}` : `${p.gray('note')}: ${where}`;
}
