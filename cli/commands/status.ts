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
    if (proxies.length === 0) {
      context.stdout.write('no proxies connected\n');
      return 0;
    }
    context.stdout.write(renderTable(statusRows(proxies)));
    if (body.truncated) context.stdout.write(`… and ${body.truncated} more (use --format json on /debug/proxies)\n`);
    return 0;
  },
};
