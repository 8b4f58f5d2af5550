import type { DiffReport } from './diff-report.ts';

/**
 * `{ "base": {...}, "head": {...}, "empty": bool, "services": [...], "access": [...] }`:
 * the PolicyDiff as compiler/diff/types.ts describes it, with what was read on each side.
 */
export function formatDiffJson(report: DiffReport): string {
  const side = (s: DiffReport['base']) => ({
    path: s.label,
    documents: s.documentCount,
    errors: s.errors.map((d) => ({ code: d.code, message: d.message, file: d.file, line: d.line, col: d.col })),
  });
  const output = {
    base: side(report.base),
    head: side(report.head),
    empty: report.diff.services.length === 0 && report.diff.access.length === 0,
    services: report.diff.services,
    access: report.diff.access,
  };
  return JSON.stringify(output, null, 2) + '\n';
}
