import type { AccessChange, Diagnostic, DiffLocation, ServiceDiff, Severity } from '../../compiler/index.ts';
import { splitText } from '../../compiler/diff/index.ts';
import type { ReviewReport } from '../review/report.ts';
import { noEffect, nothingReviewed, reviewCounts } from '../review/report.ts';
import { accessRows, clusterGroupTitle, fieldText, groupClusters, summaryText } from './diff-report.ts';
import type { Measure, Section } from './markdown-budget.ts';
import { fitSections, omittedText } from './markdown-budget.ts';
import { mdCode, mdLink, mdText } from './markdown-text.ts';
import { trafficDiagram } from './review-mermaid.ts';
import { plural } from './summary.ts';

/** GitHub refuses a comment body over 65,536 characters. */
export const COMMENT_LIMIT = 65_536;
/** A check run's `output.summary` holds at most 65,535 bytes of UTF-8 (the docs say characters; the API counts bytes). */
export const CHECK_SUMMARY_LIMIT = 65_535;
/** A step's job summary holds at most 1 MiB. */
export const JOB_SUMMARY_LIMIT = 1024 * 1024;

/** `never`: findings are reported but never fail the check. */
export type FailOn = Severity | 'never';

export interface ReviewMarkdownOptions {
  /** Size limit of the whole text, `measure`d in characters (default) or UTF-8 bytes. */
  limit: number;
  measure?: Measure;
  failOn: FailOn;
  /** A hidden first line (the sticky comment's marker). */
  marker?: string;
  /** A URL for a place in base or head (a blob link); plain `file:line` when undefined. */
  link?: (file: string, line: number, side: 'base' | 'head') => string | undefined;
  /** Where the whole report is when this text is cut: `the job summary` and its URL. */
  fullReport?: { label: string; url?: string };
  /** Lines after everything else (the commit and a link to the run). */
  footer?: string[];
  /** List each finding's hint under its message (the job summary has room for them). */
  hints?: boolean;
}

const ICON: Record<Severity, string> = { error: '❌', warning: '⚠️', info: 'ℹ️' };
const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
/** Room kept for the note that says what was cut. */
const CUT_NOTE_RESERVE = 600;

export function failing(report: ReviewReport, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return report.diagnostics.some((d) => RANK[d.severity] <= RANK[failOn]);
}

function findingsText(report: ReviewReport): string {
  const counts = reviewCounts(report);
  const parts: string[] = [];
  if (counts.errors > 0) parts.push(plural(counts.errors, 'error'));
  if (counts.warnings > 0) parts.push(plural(counts.warnings, 'warning'));
  if (counts.infos > 0) parts.push(plural(counts.infos, 'info'));
  return parts.length === 0 ? 'no findings' : parts.join(', ');
}

function verdictIcon(report: ReviewReport, failOn: FailOn): string {
  if (failing(report, failOn)) return '❌';
  return report.diagnostics.length > 0 ? '⚠️' : '✅';
}

function scope(report: ReviewReport): string {
  return report.path ? ` · ${mdCode(report.path + '/', 'text')}` : '';
}

/**
 * The review as GitHub Markdown: a pull-request comment, a check run's summary or the job
 * summary, depending on the limit. Per-service traffic before → after as a table and a
 * Mermaid diagram, who can call whom, the findings, then route and cluster details; cut
 * between rows to stay under `limit`, saying what was left out and where the rest is.
 */
export function formatReviewMarkdown(report: ReviewReport, options: ReviewMarkdownOptions): string {
  const marker = options.marker === undefined ? [] : [options.marker];
  const footer = options.footer ?? [];
  const place = (location: { file: string; line: number; col?: number }, side: 'base' | 'head') => {
    const label = location.col === undefined ? `${location.file}:${location.line}` : `${location.file}:${location.line}:${location.col}`;
    const url = options.link?.(location.file, location.line, side);
    return url === undefined ? mdCode(label) : mdLink(label, url);
  };

  if (nothingReviewed(report)) {
    const where = report.path ? `under ${mdCode(report.path + '/', 'text')}` : 'in the repository';
    const line = `⚠️ **sluice review**${scope(report)}: nothing to review — no policy files ${where} at base or at head; check the path.`;
    return [...marker, line, ...(footer.length > 0 ? ['', ...footer] : [])].join('\n') + '\n';
  }
  if (noEffect(report) && report.diagnostics.length === 0 && report.baseErrors === 0) {
    const line = `✅ **sluice review**${scope(report)}: no effect on traffic — routing, clusters and access are unchanged, and head has no findings (${plural(report.head.documentCount, 'document')}).`;
    return [...marker, line, ...(footer.length > 0 ? ['', ...footer] : [])].join('\n') + '\n';
  }

  const intro = [...marker, `### ${verdictIcon(report, options.failOn)} sluice review${scope(report)}`, ''];
  const effect = noEffect(report) ? '**no effect on traffic**: routing, clusters and access are unchanged' : `**${mdText(summaryText(report.diff))}**`;
  intro.push(`Head: **${findingsText(report)}** in ${plural(report.head.documentCount, 'document')} (${plural(report.head.fileCount, 'file')}) · ${effect}.`, '');
  if (report.baseErrors > 0) {
    intro.push('> [!NOTE]', `> Base has ${plural(report.baseErrors, 'validation error')}; the diff covers what could be read there.`, '');
  }

  const sections: Section[] = [];
  const traffic = report.diff.services.filter((s) => s.traffic);
  sections.push({
    head: ['#### Traffic', '', '| service | before | after |', '|---|---|---|'],
    rows: traffic.map((s) => `| ${mdCode(s.title)} | ${mdText(splitText(s.traffic?.before ?? [], true))} | ${mdText(splitText(s.traffic?.after ?? [], true))} |`),
    noun: ['traffic row', 'traffic rows'],
    tail: [''],
  });
  const diagram = trafficDiagram(report.diff.services);
  if (diagram) sections.push({ head: [], rows: [diagram], noun: ['diagram', 'diagrams'], tail: [''] });
  sections.push({
    head: ['#### Who can call whom', '', '| service or workload | | before | after |', '|---|---|---|---|'],
    rows: report.diff.access.flatMap((change) => accessLines(change, place)),
    noun: ['access row', 'access rows'],
    tail: [''],
  });
  sections.push({
    head: ['#### Routes and clusters', ''],
    rows: report.diff.services.map((s) => serviceBlock(s, place)).filter((b): b is string => b !== undefined),
    noun: ["service's route and cluster details", "services' route and cluster details"],
  });

  const findings = [...report.diagnostics].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  sections.push({
    head: ['#### Findings', '', '| | where | code | finding |', '|---|---|---|---|'],
    rows: findings.map((d) => findingRow(d, place, options.hints === true)),
    noun: ['finding', 'findings'],
    tail: [''],
  });
  const outro = footer.length > 0 ? ['', ...footer] : [];
  const { text, omitted } = fitSections(intro, sections, [], options.limit - sizeOf(outro, options.measure), CUT_NOTE_RESERVE, options.measure);
  const lines = [text.replace(/\n+$/, '')];
  if (omitted.size > 0) {
    const where = options.fullReport === undefined ? '' : ` The whole report is in ${options.fullReport.url ? mdLink(options.fullReport.label, options.fullReport.url) : mdText(options.fullReport.label)}.`;
    lines.push('', '> [!NOTE]', `> Cut to fit GitHub's size limit: ${omittedText(omitted)} not shown here.${where}`);
  }
  return [...lines, ...outro].join('\n') + '\n';
}

function sizeOf(lines: string[], measure: Measure | undefined): number {
  const text = lines.join('\n') + '\n';
  return measure === 'bytes' ? Buffer.byteLength(text, 'utf8') : text.length;
}

type Place = (location: { file: string; line: number; col?: number }, side: 'base' | 'head') => string;

function atLocation(location: DiffLocation, place: Place): string {
  return place({ file: location.file, line: location.line }, location.side);
}

function accessLines(change: AccessChange, place: Place): string[] {
  return accessRows(change).map(([what, before, after], i) => {
    const subject = i === 0 ? `${mdCode(change.subject.name)} · ${atLocation(change.location, place)}` : '';
    return `| ${subject} | ${what} | ${mdText(before)} | ${mdText(after)} |`;
  });
}

function findingRow(d: Diagnostic, place: Place, hints: boolean): string {
  const at = d.line >= 1 ? place({ file: d.file, line: d.line, col: d.col }, 'head') : mdCode(d.file);
  const hint = hints && d.hint ? `<br>hint: ${mdText(d.hint)}` : '';
  return `| ${ICON[d.severity]} | ${at} | ${d.code} | ${mdText(d.message)}${hint} |`;
}

function serviceBlock(s: ServiceDiff, place: Place): string | undefined {
  const items: string[] = [];
  for (const r of s.routes) {
    const at = atLocation(r.location, place);
    if (r.change === 'changed') items.push(`route ${mdCode(r.title, 'text')} changed: ${r.fields.map((f) => mdText(fieldText(f))).join('; ')} · ${at}`);
    else {
      const view = r.after ?? r.before;
      const settings = Object.entries(view?.settings ?? {}).map(([k, v]) => `${k} ${v}`);
      items.push(`route ${mdCode(r.title, 'text')} ${r.change}: ${mdText([splitText(view?.destinations ?? []), ...settings].join('; '))} · ${at}`);
    }
  }
  for (const r of s.rerouted) {
    const what = r.match === undefined ? mdText(r.requests) : `requests matching ${mdCode(r.match, 'text')}`;
    items.push(`${what} now go ${mdText(`${splitText(r.before)} → ${splitText(r.after)}`)}${r.partial ? ' (some may match an earlier route)' : ''}`);
  }
  for (const g of groupClusters(s.clusters)) {
    items.push(`${mdText(clusterGroupTitle(g))}: ${g.fields.map((f) => mdText(fieldText(f))).join('; ')} · ${atLocation(g.location, place)}`);
  }
  if (items.length === 0) return undefined;
  return [`**${mdCode(s.title, 'text')}**`, ...items.map((i) => `- ${i}`), ''].join('\n');
}
