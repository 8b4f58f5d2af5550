import type { AccessChange, ServiceDiff } from '../../compiler/diff/index.ts';
import { percentText, splitText } from '../../compiler/diff/index.ts';
import type { Palette } from './ansi.ts';
import { palette } from './ansi.ts';
import { accessRows, clusterGroupTitle, fieldText, groupClusters, sideErrorsLine, summaryText, where } from './diff-report.ts';
import type { DiffFormatOptions, DiffReport } from './diff-report.ts';
import { cleanMessage } from './text.ts';

/**
 * The diff for a terminal: one block per service port, then who can call whom.
 *
 *   reviews.default.svc.cluster.local:9080
 *     traffic  v1 90% → 50%, v2 10% → 0%, v3 0% → 50%
 *     ~ route all requests  networking/virtual-service-reviews-50-v3.yaml:9
 *         destinations  v1 90%, v2 10% → v1 50%, v3 50%
 */
export function formatDiffHuman(unsafe: DiffReport, options: DiffFormatOptions): string {
  const report = visible(unsafe);
  const p = palette(options.color);
  const lines: string[] = [];
  for (const service of report.diff.services) {
    lines.push(...serviceBlock(service, p), '');
  }
  if (report.diff.access.length > 0) {
    lines.push(p.bold('who can call whom'));
    for (const change of report.diff.access) lines.push(...accessBlock(change, p));
    lines.push('');
  }
  for (const [side, name] of [[report.base, 'base'], [report.head, 'head']] as const) {
    const line = sideErrorsLine(side, name);
    if (line) lines.push(p.yellow(`! ${line}`));
  }
  lines.push(summaryText(report.diff));
  return lines.join('\n') + '\n';
}

/**
 * Every string from the policy (hosts, header values, principals, file names) with control
 * characters made visible and on one line, before any styling is added.
 */
function visible<T>(value: T): T {
  if (typeof value === 'string') return cleanMessage(value).replace(/\n/g, ' ') as T;
  if (Array.isArray(value)) return value.map(visible) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = visible(v);
    return out as T;
  }
  return value;
}

const MARK = { added: '+', removed: '-', changed: '~' } as const;

function mark(change: keyof typeof MARK, p: Palette): string {
  const m = MARK[change];
  return change === 'added' ? p.green(m) : change === 'removed' ? p.red(m) : p.yellow(m);
}

function serviceBlock(service: ServiceDiff, p: Palette): string[] {
  const lines = [p.bold(service.title)];
  if (service.traffic) {
    const shares = service.traffic.shares.map((s) =>
      s.before.percent === s.after.percent ? `${s.label} ${percentText(s.after)}` : `${s.label} ${percentText(s.before)} → ${percentText(s.after)}`,
    );
    lines.push(`  traffic  ${shares.join(', ')}`);
  }
  for (const route of service.routes) {
    const at = p.gray(where(route.location));
    if (route.change === 'changed') {
      lines.push(`  ${mark('changed', p)} route ${route.title}  ${at}`);
      for (const f of route.fields) lines.push(`      ${fieldText(f, '  ')}`);
    } else {
      const view = route.after ?? route.before;
      const settings = Object.entries(view?.settings ?? {}).map(([k, v]) => `${k} ${v}`);
      const to = [splitText(view?.destinations ?? []), ...settings].join('; ');
      lines.push(`  ${mark(route.change, p)} route ${route.title} → ${to}  ${at}`);
    }
  }
  if (service.rerouted.length > 0) {
    lines.push('  rerouted');
    for (const r of service.rerouted) {
      const what = r.match ?? r.requests;
      lines.push(`    ${what}: ${splitText(r.before)} → ${splitText(r.after)}${r.partial ? p.gray(' (some may match an earlier route)') : ''}`);
    }
  }
  for (const group of groupClusters(service.clusters)) {
    const at = p.gray(where(group.location));
    const title = `  ${mark(group.change, p)} ${clusterGroupTitle(group)}`;
    if (group.fields.length === 1 && group.fields[0]) lines.push(`${title}  ${fieldText(group.fields[0])}  ${at}`);
    else {
      lines.push(`${title}  ${at}`);
      for (const f of group.fields) lines.push(`      ${fieldText(f, '  ')}`);
    }
  }
  return lines;
}

function accessBlock(change: AccessChange, p: Palette): string[] {
  const lines = [`  ${p.bold(change.subject.name)}  ${p.gray(where(change.location))}`];
  const rows = accessRows(change);
  const width = Math.max(...rows.map(([what]) => what.length));
  for (const [what, before, after] of rows) lines.push(`    ${what.padEnd(width)}  ${before} → ${after}`);
  return lines;
}
