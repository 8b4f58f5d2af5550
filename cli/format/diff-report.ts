import type { Diagnostic } from '../../compiler/diagnostics/index.ts';
import type { AccessChange, ClusterChange, DiffLocation, FieldChange, PolicyDiff } from '../../compiler/diff/index.ts';

/** One side of a diff as the command read it. */
export interface DiffSide {
  /** BASE or HEAD as given on the command line. */
  readonly label: string;
  readonly documentCount: number;
  /** Validation errors on that side (the diff ran anyway, on what could be modelled). */
  readonly errors: readonly Diagnostic[];
}

/** What the diff formats render. */
export interface DiffReport {
  readonly diff: PolicyDiff;
  readonly base: DiffSide;
  readonly head: DiffSide;
}

export interface DiffFormatOptions {
  /** ANSI colour (human format only). */
  readonly color: boolean;
  /** Markdown: a URL for a location (a blob link in a pull request); plain `file:line` when undefined. */
  readonly link?: (location: DiffLocation) => string | undefined;
}

export type DiffFormatter = (report: DiffReport, options: DiffFormatOptions) => string;

export const diffFormatNames = ['human', 'json', 'markdown'] as const;
export type DiffFormatName = (typeof diffFormatNames)[number];

const FIELD_NAMES: Record<string, string> = {
  loadBalancer: 'load balancing',
  connectionPool: 'circuit breaking',
  outlierDetection: 'outlier detection',
  tls: 'TLS',
  corsPolicy: 'CORS',
};

/** A field as people call it: `circuit breaking` for connectionPool. */
export function fieldName(field: string): string {
  return FIELD_NAMES[field] ?? field;
}

/** `TLS unset → ISTIO_MUTUAL`; `gap` separates the name from the values. */
export function fieldText(f: FieldChange, gap = ' '): string {
  return `${fieldName(f.field)}${gap}${f.before} → ${f.after}`;
}

export function where(location: DiffLocation): string {
  return `${location.file}:${location.line}`;
}

/** Clusters of one service port that changed alike, reported together: `service-wide, v1, v2`. */
export interface ClusterGroup {
  change: ClusterChange['change'];
  subsets: string[];
  fields: readonly FieldChange[];
  location: DiffLocation;
}

export function groupClusters(clusters: readonly ClusterChange[]): ClusterGroup[] {
  const groups = new Map<string, ClusterGroup>();
  for (const c of clusters) {
    const key = JSON.stringify([c.change, c.fields]);
    const name = c.subset ?? 'service-wide';
    const group = groups.get(key);
    if (group) group.subsets.push(name);
    else groups.set(key, { change: c.change, subsets: [name], fields: c.fields, location: c.location });
  }
  return [...groups.values()];
}

export function clusterGroupTitle(group: ClusterGroup): string {
  const plural = group.subsets.length > 1;
  const names = group.subsets.join(', ');
  if (group.change === 'changed') return `${plural ? 'clusters' : 'cluster'} ${names}`;
  const noun = group.subsets.every((s) => s !== 'service-wide') ? (plural ? 'subsets' : 'subset') : plural ? 'clusters' : 'cluster';
  return `${noun} ${names} ${group.change}`;
}

/** `allowed callers`, `denied callers`, `custom authorization`, `mTLS` lines of an access change: [what, before, after]. */
export function accessRows(change: AccessChange): [string, string, string][] {
  const rows: [string, string, string][] = [];
  const list = (items: readonly string[], empty: string) => (items.length === 0 ? empty : items.join(', '));
  if (change.access) {
    const { before, after } = change.access;
    const allow = (a: typeof before) => (typeof a.allow === 'string' ? a.allow : a.allow.map((g) => g.text).join(', '));
    if (allow(before) !== allow(after)) rows.push(['allowed callers', allow(before), allow(after)]);
    const deny = (a: typeof before) => list(a.deny.map((g) => g.text), 'none');
    if (deny(before) !== deny(after)) rows.push(['denied callers', deny(before), deny(after)]);
    if (list(before.custom, 'none') !== list(after.custom, 'none')) rows.push(['custom authorization', list(before.custom, 'none'), list(after.custom, 'none')]);
  }
  if (change.mtls) rows.push(['mTLS', change.mtls.before.text, change.mtls.after.text]);
  return rows;
}

export function sideErrorsLine(side: DiffSide, name: 'base' | 'head'): string | undefined {
  const n = side.errors.length;
  if (n === 0) return undefined;
  const first = side.errors[0];
  const at = first ? ` (first: ${first.file}:${first.line}:${first.col} ${first.code} ${first.message})` : '';
  return `${name} ${side.label} has ${n} validation error${n === 1 ? '' : 's'}${at}; the diff covers what could be read`;
}

export function summaryText(diff: PolicyDiff): string {
  if (diff.services.length === 0 && diff.access.length === 0) return 'no change to traffic, clusters or access';
  const parts: string[] = [];
  if (diff.services.length > 0) parts.push(`${diff.services.length} service${diff.services.length === 1 ? '' : 's'} changed`);
  if (diff.access.length > 0) {
    const counts = new Map<string, number>();
    for (const c of diff.access) {
      const noun = c.subject.kind === 'service' || c.subject.kind === 'workload' ? c.subject.kind : 'policy scope';
      counts.set(noun, (counts.get(noun) ?? 0) + 1);
    }
    const nouns = [...counts].map(([noun, n]) => `${n} ${noun}${n === 1 ? '' : 's'}`);
    parts.push(`access changed for ${nouns.join(' and ')}`);
  }
  return parts.join(', ');
}
