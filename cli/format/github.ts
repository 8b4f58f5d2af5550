import { randomUUID } from 'node:crypto';
import type { Diagnostic, Severity } from '../../compiler/diagnostics/index.ts';
import { formatHuman } from './human.ts';
import { rootRelative } from './paths.ts';
import { plural } from './summary.ts';
import type { FormatOptions, Report } from './types.ts';

/** GitHub shows at most this many annotations of each level per step, and drops the rest. */
export const ANNOTATIONS_PER_SEVERITY = 10;

const command: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

/** Escaping for the message part of a workflow command (as @actions/core does). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escaping for a property value: the message escapes plus `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=SLU1234::message`.
 * The runner rejects (and silently drops) an annotation with columns on a range that spans
 * lines, or with endColumn < col, so columns are given only for single-line ranges.
 */
export function annotation(d: Diagnostic, options: Pick<FormatOptions, 'cwd' | 'root'>): string {
  const props: string[] = [`file=${escapeProperty(rootRelative(d.file, options.cwd, options.root))}`];
  if (d.line >= 1) {
    props.push(`line=${d.line}`);
    const endLine = d.endLine >= d.line ? d.endLine : d.line;
    if (endLine === d.line && d.col >= 1) {
      props.push(`col=${d.col}`, `endLine=${endLine}`, `endColumn=${Math.max(d.col, d.endCol)}`);
    } else {
      props.push(`endLine=${endLine}`);
    }
  }
  props.push(`title=${escapeProperty(d.code)}`);
  return `::${command[d.severity]} ${props.join(',')}::${escapeData(annotationMessage(d))}`;
}

function annotationMessage(d: Diagnostic): string {
  const lines = [d.message];
  if (d.hint) lines.push(`hint: ${d.hint}`);
  for (const r of d.related ?? []) {
    const where = r.line >= 1 ? `${r.file}:${r.line}:${r.col}` : r.file;
    lines.push(r.message ? `note: ${r.message}: ${where}` : `note: ${where}`);
  }
  return lines.join('\n');
}

/**
 * Annotations for the first 10 findings of each severity, a plain line counting the ones
 * GitHub would not show, then the complete human listing (no colour) so nothing is lost.
 * The listing quotes policy text, which a pull request controls: it is wrapped in
 * ::stop-commands:: so no line of it can act as a workflow command.
 */
export function formatGithub(report: Report, options: Pick<FormatOptions, 'cwd' | 'root' | 'failOn' | 'stopToken'>): string {
  const shown: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  const hidden: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  const out: string[] = [];
  for (const d of report.diagnostics) {
    if (shown[d.severity] < ANNOTATIONS_PER_SEVERITY) {
      shown[d.severity]++;
      out.push(annotation(d, options));
    } else {
      hidden[d.severity]++;
    }
  }
  const overflow: string[] = [];
  if (hidden.error > 0) overflow.push(plural(hidden.error, 'error'));
  if (hidden.warning > 0) overflow.push(plural(hidden.warning, 'warning'));
  if (hidden.info > 0) overflow.push(plural(hidden.info, 'notice'));
  if (overflow.length > 0) {
    out.push(
      `sluice: ${overflow.join(', ')} not shown as annotations ` +
        `(GitHub shows at most ${ANNOTATIONS_PER_SEVERITY} of each kind per step); all findings are listed below.`,
    );
  }
  const token = options.stopToken ?? randomUUID().replace(/-/g, '');
  out.push(`::stop-commands::${token}`);
  out.push(formatHuman(report, { color: false, failOn: options.failOn }).replace(/\n$/, ''));
  out.push(`::${token}::`);
  return out.join('\n') + '\n';
}
