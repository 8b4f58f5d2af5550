import { parseArgs } from 'node:util';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { CliError } from '../errors.ts';

const formats = ['table', 'json'] as const;

const usage = `Usage: sluice status [options]

Asks a running 'sluice serve' which proxies are connected and whether each has the latest
configuration, like 'istioctl proxy-status'. Per type (CDS, LDS, EDS, RDS):

  SYNCED             the proxy ACKed the last response it was sent
  STALE              sent, not ACKed yet
  NACKED (version)   the proxy rejected that version (and keeps the one before)
  NOT SENT           nothing of that type was sent to the proxy

When 'sluice serve' follows a Git repository (--repo), a second table lists its newest
commits: published, rejected (with the first errors) or skipped (a newer commit came before
it was compiled), and the repository problem, if fetching fails (SLU8xxx).

Options:
  --http-address <host:port>  The admin address of 'sluice serve' (default: 127.0.0.1:15014)
  --format <format>           ${listOr(formats)} (default: table)
  --timeout-ms <ms>           Give up after this long (default: 5000)
  -h, --help                  Show this help

Exit codes:
  0  the status was printed
  2  usage error, or the server cannot be reached
`;

/** The parts of /debug/proxies this command reads (proxy/registry.ts ProxyStatus). */
interface TypeStatusLike {
  typeUrl: string;
  versionSent?: string;
  nonceSent?: string;
  versionAcked?: string;
  pending: number;
  lastNack?: { versionInfo: string; nonce: string; message: string };
}
interface ProxyStatusLike {
  nodeId: string;
  classKey: string;
  flavor: string;
  snapshotAcked?: string;
  types: TypeStatusLike[];
}

const columns = [
  ['CDS', 'Cluster'],
  ['LDS', 'Listener'],
  ['EDS', 'ClusterLoadAssignment'],
  ['RDS', 'RouteConfiguration'],
] as const;

/** SYNCED / STALE / NACKED (version) / NOT SENT for one type of one proxy. */
export function syncState(t: TypeStatusLike | undefined): string {
  if (!t || t.versionSent === undefined) return 'NOT SENT';
  if (t.lastNack && t.lastNack.nonce === t.nonceSent) return `NACKED (${t.lastNack.versionInfo})`;
  if (t.pending === 0 && t.versionAcked === t.versionSent) return 'SYNCED';
  return 'STALE';
}

export function statusRows(proxies: readonly ProxyStatusLike[]): string[][] {
  return proxies.map((p) => {
    const byType = (suffix: string) => p.types.find((t) => t.typeUrl.endsWith(`.${suffix}`));
    return [p.nodeId, p.classKey, p.flavor, ...columns.map(([, suffix]) => syncState(byType(suffix))), p.snapshotAcked ?? '-'];
  });
}

export function renderTable(rows: readonly string[][]): string {
  const header = ['NAME', 'CLASS', 'FLAVOR', ...columns.map(([name]) => name), 'VERSION'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

/** The parts of /debug/commits this command reads (gitops/sync.ts GitSyncStatus). */
interface CommitsLike {
  repo: string;
  branch: string;
  path: string;
  head?: string;
  lastGood?: { sha: string; restored: boolean };
  problem: { code: string; message: string; since: string; occurrences: number } | null;
  commits: { sha: string; status: string; author: string; date: string; subject: string; errors: number; diagnostics: { severity: string; file: string; line: number; col: number; code: string; message: string }[]; supersededBy?: string }[];
}

const SHOWN_COMMITS = 10;
const SHOWN_ERRORS = 3;

function table(rows: readonly string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

/** The Git section of the status: repository, problem, newest commits with their first errors. */
export function renderCommits(c: CommitsLike): string {
  const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : '-');
  const lines: string[] = [];
  const serving = c.lastGood ? `${short(c.lastGood.sha)}${c.lastGood.restored ? ' (from the state dir)' : ''}` : 'nothing';
  lines.push(`repository ${c.repo} (${c.branch}${c.path ? `, ${c.path}/` : ''}): head ${short(c.head)}, serving ${serving}`);
  if (c.problem) lines.push(`problem    ${c.problem.code} ${c.problem.message} (since ${c.problem.since}, ${c.problem.occurrences} failed sync${c.problem.occurrences === 1 ? '' : 's'})`);
  let out = lines.join('\n') + '\n';
  if (c.commits.length === 0) return out;
  const rows = [['COMMIT', 'STATUS', 'AUTHOR', 'DATE', 'SUBJECT']];
  const details = new Map<number, string[]>();
  for (const commit of c.commits.slice(0, SHOWN_COMMITS)) {
    rows.push([short(commit.sha), commit.status, commit.author, commit.date, commit.subject]);
    const errors = commit.diagnostics.filter((d) => d.severity === 'error');
    const notes = errors.slice(0, SHOWN_ERRORS).map((d) => `  ${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`);
    if (commit.errors > notes.length && notes.length > 0) notes.push(`  … ${commit.errors - notes.length} more error(s)`);
    if (commit.status === 'skipped' && commit.supersededBy) notes.push(`  superseded by ${short(commit.supersededBy)} before it was compiled`);
    if (notes.length > 0) details.set(rows.length - 1, notes);
  }
  const rendered = table(rows).trimEnd().split('\n');
  out += '\n' + rendered.map((line, i) => [line, ...(details.get(i) ?? [])].join('\n')).join('\n') + '\n';
  if (c.commits.length > SHOWN_COMMITS) out += `… ${c.commits.length - SHOWN_COMMITS} older commit(s) in /debug/commits\n`;
  return out;
}

/** /debug/commits, or undefined when the server does not follow a repository (404). */
async function fetchCommits(address: string, timeoutMs: number): Promise<CommitsLike | undefined> {
  try {
    const response = await fetch(`http://${address}/debug/commits`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    return (await response.json()) as CommitsLike;
  } catch {
    return undefined;
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show whether each connected proxy has the latest configuration',
  usage,
  async run(args, context) {
    const { values } = parseOrUsageError('status', () =>
      parseArgs({
        args,
        strict: true,
        options: {
          'http-address': { type: 'string' },
          format: { type: 'string' },
          'timeout-ms': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      context.stdout.write(usage);
      return 0;
    }
    const format = oneOf('status', 'format', values.format ?? 'table', formats);
    const address = values['http-address'] ?? '127.0.0.1:15014';
    const timeoutMs = Number(values['timeout-ms'] ?? '5000');
    const url = `http://${address}/debug/proxies`;
    let body: { proxies?: ProxyStatusLike[]; truncated?: number };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs > 0 ? timeoutMs : 5000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = (await response.json()) as typeof body;
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e instanceof Error ? e.message : String(e));
      throw new CliError(`cannot reach sluice serve at ${url} (${cause}); is it running? (--http-address)`, 'status');
    }
    const proxies = body.proxies ?? [];
    if (format === 'json') {
      context.stdout.write(`${JSON.stringify(proxies, null, 2)}\n`);
      return 0;
    }
    if (proxies.length === 0) context.stdout.write('no proxies connected\n');
    else context.stdout.write(renderTable(statusRows(proxies)));
    if (body.truncated) context.stdout.write(`… and ${body.truncated} more (use --format json on /debug/proxies)\n`);
    const commits = await fetchCommits(address, timeoutMs > 0 ? timeoutMs : 5000);
    if (commits) context.stdout.write(`\n${renderCommits(commits)}`);
    return 0;
  },
};
