import type { LoadedFile, Severity } from '../../compiler/index.ts';
import type { ReviewReport } from '../review/report.ts';
import { nothingReviewed } from '../review/report.ts';
import { palette } from './ansi.ts';
import { formatDiffHuman } from './diff-human.ts';
import { formatHuman } from './human.ts';
import { plural } from './summary.ts';
import { cleanMessage } from './text.ts';

export interface ReviewHumanOptions {
  color: boolean;
  failOn: Severity;
  /** Head's file texts, for code frames. */
  files: ReadonlyMap<string, { readonly text: string }>;
}

function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

/**
 * For a terminal (and the action's log): which commits were compared, head's findings with
 * code frames exactly as `sluice validate` prints them, then the diff as `sluice diff` does.
 */
export function formatReviewHuman(report: ReviewReport, options: ReviewHumanOptions): string {
  const p = palette(options.color);
  const where = report.path ? ` (${cleanMessage(report.path)}/)` : '';
  const out: string[] = [
    p.bold(`sluice review${where}: ${cleanMessage(report.base.revision)} ${shortSha(report.base.commit)} → ${cleanMessage(report.head.revision)} ${shortSha(report.head.commit)}`),
    '',
    p.bold('findings in head'),
    formatHuman(
      { diagnostics: report.diagnostics, files: options.files as ReadonlyMap<string, LoadedFile>, documentCount: report.head.documentCount, fileCount: report.head.fileCount },
      { color: options.color, failOn: options.failOn },
    ).replace(/\n$/, ''),
    '',
    p.bold('effect on traffic'),
  ];
  if (nothingReviewed(report)) out.push(p.yellow(`! no policy files ${report.path ? `under ${cleanMessage(report.path)}/` : 'in the repository'} at base or at head: nothing was reviewed; check the path`));
  if (report.baseErrors > 0) out.push(p.yellow(`! base has ${plural(report.baseErrors, 'validation error')}; the diff covers what could be read`));
  const diff = formatDiffHuman(
    { diff: report.diff, base: { label: report.base.revision, documentCount: report.base.documentCount, errors: [] }, head: { label: report.head.revision, documentCount: report.head.documentCount, errors: [] } },
    { color: options.color },
  );
  out.push(diff.replace(/\n$/, '').replace('no change to traffic, clusters or access', 'no effect on traffic: routing, clusters and access are unchanged'));
  return out.join('\n') + '\n';
}
