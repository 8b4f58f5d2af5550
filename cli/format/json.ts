import type { Diagnostic, RelatedLocation } from '../../compiler/diagnostics/index.ts';
import { countBySeverity } from './summary.ts';
import type { Report } from './types.ts';

/**
 * `{ "diagnostics": [...], "summary": {...} }`. Every object is built key by key so the
 * key order is stable whatever order the pipeline filled the diagnostic in; optional keys
 * (`hint`, `related`) are present only when set.
 */
export function formatJson(report: Report): string {
  const counts = countBySeverity(report.diagnostics);
  const output = {
    diagnostics: report.diagnostics.map(jsonDiagnostic),
    summary: {
      errors: counts.errors,
      warnings: counts.warnings,
      infos: counts.infos,
      documents: report.documentCount,
      files: report.fileCount,
    },
  };
  return JSON.stringify(output, null, 2) + '\n';
}

function jsonDiagnostic(d: Diagnostic): Record<string, unknown> {
  const out: Record<string, unknown> = {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.file,
    line: d.line,
    col: d.col,
    endLine: d.endLine,
    endCol: d.endCol,
    path: d.path,
  };
  if (d.hint !== undefined) out.hint = d.hint;
  if (d.related && d.related.length > 0) out.related = d.related.map(jsonRelated);
  return out;
}

function jsonRelated(r: RelatedLocation): Record<string, unknown> {
  return { message: r.message, file: r.file, line: r.line, col: r.col, endLine: r.endLine, endCol: r.endCol };
}
