/**
 * The admin HTTP server (node:http, loopback by default): what operators and `sluice status`
 * read.
 *
 *   GET /metrics          Prometheus text
 *   GET /debug/proxies    the registry's status() (every stream, every class)
 *   GET /debug/snapshots  per proxy class: snapshot version, resource counts; plus `policy`
 *   GET /healthz          200 while the process runs
 *   GET /readyz           200 once ready (a policy loaded), else 503 with the reason
 *
 * Anything else is 404 JSON. Responses never carry stack traces; requests have short timeouts
 * and no bodies; lists are capped so a huge fleet cannot make one response unbounded.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SnapshotCache } from '../cache.ts';
import { silentLogger } from '../logger.ts';
import type { Logger } from '../logger.ts';
import type { ProxyRegistry } from '../registry.ts';
import type { ControlPlaneMetrics } from './metrics.ts';
import { typeLabel } from './metrics.ts';

/** Most proxies (streams) /debug/proxies lists; the rest are counted in `truncated`. */
export const MAX_LISTED_PROXIES = 10_000;

export interface Readiness {
  ready: boolean;
  /** Why not ready (or a detail when ready). */
  reason?: string;
}

export interface AdminServerOptions {
  registry: ProxyRegistry;
  cache: SnapshotCache;
  metrics: ControlPlaneMetrics;
  /** Asked on every /readyz. Default: ready once any snapshot is published. */
  readiness?: () => Readiness;
  /** Extra JSON for /debug/snapshots (the policy's last good load, the last failed one). */
  policyStatus?: () => unknown;
  logger?: Logger;
}

export interface SnapshotSummary {
  classKey: string;
  flavor: string;
  namespace: string;
  version: string;
  revision: string;
  /** cds/eds/lds/rds → number of resources. */
  resources: Record<string, number>;
}

export class AdminServer {
  private readonly server: Server;
  private readonly logger: Logger;

  constructor(private readonly options: AdminServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.requestTimeout = 10_000;
    this.server.headersTimeout = 5_000;
    this.server.keepAliveTimeout = 5_000;
    this.server.maxHeadersCount = 50;
  }

  /** Binds `host:port` (port 0: any free port) and returns the bound `host:port`. */
  listen(address = '127.0.0.1:15014'): Promise<string> {
    const { host, port } = splitAddress(address);
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const bound = this.server.address() as AddressInfo;
        resolve(`${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  snapshots(): SnapshotSummary[] {
    return this.options.cache
      .snapshots()
      .map((s) => {
        const resources: Record<string, number> = {};
        for (const [typeUrl, byName] of s.resources) resources[typeLabel(typeUrl)] = byName.size;
        return { classKey: s.proxy.key, flavor: s.proxy.flavor, namespace: s.proxy.namespace, version: s.version, revision: s.revision, resources };
      })
      .sort((a, b) => (a.classKey < b.classKey ? -1 : a.classKey > b.classKey ? 1 : 0));
  }

  private readiness(): Readiness {
    if (this.options.readiness) return this.options.readiness();
    return this.options.cache.snapshots().length > 0 ? { ready: true } : { ready: false, reason: 'no snapshot published yet' };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://admin');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return json(res, 405, { error: `method ${String(req.method).slice(0, 16)} not allowed` });
      }
      switch (url.pathname) {
        case '/metrics': {
          const text = await this.options.metrics.text();
          res.writeHead(200, { 'content-type': this.options.metrics.contentType });
          res.end(req.method === 'HEAD' ? undefined : text);
          return;
        }
        case '/debug/proxies': {
          const status = this.options.registry.status();
          const truncated = Math.max(0, status.proxies.length - MAX_LISTED_PROXIES);
          return json(res, 200, { ...status, proxies: status.proxies.slice(0, MAX_LISTED_PROXIES), truncated });
        }
        case '/debug/snapshots': {
          const classes = this.options.registry.status().classes;
          const snapshots = this.snapshots().map((s) => {
            const c = classes.find((x) => x.classKey === s.classKey);
            return { ...s, publishedAt: c?.publishedAt, proxies: c?.proxies ?? 0, converged: c?.converged ?? 0, rejected: c?.rejected ?? 0 };
          });
          return json(res, 200, { snapshots, policy: this.options.policyStatus?.() });
        }
        case '/healthz':
          return json(res, 200, { status: 'ok' });
        case '/readyz': {
          const r = this.readiness();
          return json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...(r.reason ? { reason: r.reason } : {}) });
        }
        default:
          return json(res, 404, { error: 'not found', path: url.pathname.slice(0, 200), paths: ['/metrics', '/debug/proxies', '/debug/snapshots', '/healthz', '/readyz'] });
      }
    } catch (e) {
      this.logger.error('admin request failed', { path: req.url?.slice(0, 200), error: e });
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** `host:port`, `[v6]:port` or `:port` → parts; throws on anything else. */
export function splitAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65_535) throw new Error(`'${address}' is not host:port`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
