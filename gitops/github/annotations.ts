import type { Diagnostic, Severity } from '../../compiler/index.ts';
import { truncateUtf8 } from './truncate.ts';

/** An annotation as the Checks API takes it. */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

const LEVEL: Record<Severity, CheckAnnotation['annotation_level']> = { error: 'failure', warning: 'warning', info: 'notice' };
/** The Checks API caps an annotation's message and raw details at 64 KB (of UTF-8). */
const FIELD_LIMIT = 64 * 1024;

function clamp(text: string): string {
  return truncateUtf8(text, FIELD_LIMIT);
}

/**
 * One check-run annotation per finding, at its exact place. The API takes columns only when
 * the range is on one line (it rejects them otherwise), and lines from 1.
 */
export function checkAnnotations(diagnostics: readonly Diagnostic[], pathOf: (file: string) => string = (f) => f): CheckAnnotation[] {
  return diagnostics.map((d) => {
    const start = Math.max(1, d.line);
    const end = Math.max(start, d.endLine);
    const annotation: CheckAnnotation = {
      path: pathOf(d.file),
      start_line: start,
      end_line: end,
      annotation_level: LEVEL[d.severity],
      message: clamp(d.message),
      title: d.code,
    };
    if (end === start && d.line >= 1 && d.col >= 1) {
      annotation.start_column = d.col;
      annotation.end_column = Math.max(d.col, d.endCol);
    }
    if (d.hint) annotation.raw_details = clamp(`hint: ${d.hint}`);
    return annotation;
  });
}
