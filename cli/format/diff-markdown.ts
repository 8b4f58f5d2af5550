import type { AccessChange, DiffLocation, ServiceDiff } from '../../compiler/diff/index.ts';
import { splitText } from '../../compiler/diff/index.ts';
import { accessRows, clusterGroupTitle, fieldText, groupClusters, sideErrorsLine, summaryText, where } from './diff-report.ts';
import type { DiffFormatOptions, DiffReport } from './diff-report.ts';

/**
 * The diff as GitHub-flavoured Markdown, for a pull-request comment or a job summary:
 * a table of traffic splits (`| service | before | after |`), one short list per service
 * for routes, rerouted requests and clusters, and a table of who can call whom. Compact on
 * purpose: a comment holds at most 65,536 characters.
 */
export function formatDiffMarkdown(report: DiffReport, options: DiffFormatOptions): string {
  const { diff } = report;
  const out: string[] = [`**sluice diff**: ${text(summaryText(diff))}`, ''];
  for (const [side, name] of [[report.base, 'base'], [report.head, 'head']] as const) {
    const line = sideErrorsLine(side, name);
    if (line) out.push(`> [!WARNING]`, `> ${text(line)}`, '');
  }

  const traffic = diff.services.filter((s) => s.traffic);
  if (traffic.length > 0) {
    out.push('| service | before | after |', '|---|---|---|');
    for (const s of traffic) out.push(`| ${code(s.title)} | ${text(splitText(s.traffic?.before ?? [], true))} | ${text(splitText(s.traffic?.after ?? [], true))} |`);
    out.push('');
  }

  for (const s of diff.services) {
    const items = serviceItems(s, options);
    if (items.length === 0) continue;
    out.push(`**${code(s.title)}**`, ...items.map((i) => `- ${i}`), '');
  }

  if (diff.access.length > 0) {
    out.push('**Who can call whom**', '', '| service or workload | | before | after |', '|---|---|---|---|');
    for (const change of diff.access) out.push(...accessLines(change, options));
    out.push('');
  }
  return out.join('\n');
}

function serviceItems(s: ServiceDiff, options: DiffFormatOptions): string[] {
  const items: string[] = [];
  for (const r of s.routes) {
    const at = place(r.location, options);
    if (r.change === 'changed') items.push(`route ${code(r.title)} changed: ${r.fields.map((f) => text(fieldText(f))).join('; ')} · ${at}`);
    else {
      const view = r.after ?? r.before;
      const settings = Object.entries(view?.settings ?? {}).map(([k, v]) => `${k} ${v}`);
      items.push(`route ${code(r.title)} ${r.change}: ${text([splitText(view?.destinations ?? []), ...settings].join('; '))} · ${at}`);
    }
  }
  for (const r of s.rerouted) {
    const what = r.match === undefined ? text(r.requests) : `requests matching ${code(r.match)}`;
    items.push(`${what} now go ${text(`${splitText(r.before)} → ${splitText(r.after)}`)}${r.partial ? ' (some may match an earlier route)' : ''}`);
  }
  for (const g of groupClusters(s.clusters)) {
    items.push(`${text(clusterGroupTitle(g))}: ${g.fields.map((f) => text(fieldText(f))).join('; ')} · ${place(g.location, options)}`);
  }
  return items;
}

function accessLines(change: AccessChange, options: DiffFormatOptions): string[] {
  return accessRows(change).map(([what, before, after], i) => {
    const subject = i === 0 ? `${code(change.subject.name)} · ${place(change.location, options)}` : '';
    return `| ${subject} | ${what} | ${text(before)} | ${text(after)} |`;
  });
}

function place(location: DiffLocation, options: DiffFormatOptions): string {
  const url = options.link?.(location);
  const label = where(location);
  return url === undefined ? code(label) : `[${text(label)}](${url.replace(/[()\s]/g, encodeURIComponent)})`;
}

/** Plain text that GitHub must not read as Markdown or HTML (safe inside table cells too). */
function text(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*[\]<>|~#])/g, '\\$1')
    // `_` inside a word (ISTIO_MUTUAL) is not emphasis in GitHub's Markdown
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_');
}

/** An inline code span (pipes escaped for tables; backticks in the value get a longer fence). */
function code(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const runs = clean.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}
