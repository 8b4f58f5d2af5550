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
 * The composition root adds its own endpoints with `route()` before `listen()` (the GitHub
 * webhook, /debug/commits, the rollout API): a handler gets the method, path, headers and the
 * body (read up to the route's limit; 413 past it) and returns a status and a JSON (or text)
 * body; a thrown AdminHttpError becomes that status, anything else a 500 without details.
 * A path ending in `/*` matches everything below it (`/api/rollouts/*`). Added routes are
 * matched before the built-in ones.
 *
 * Anything else is 404 JSON. Responses never carry stack traces; requests have short timeouts;
 * built-in routes take no bodies; lists are capped so a huge fleet cannot make one response
 * unbounded.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
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

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRequest {
  method: AdminMethod;
  /** The path without the query string (`/api/rollouts/reviews`). */
  path: string;
  url: URL;
  /** Node's lower-cased headers (`x-hub-signature-256`, …). */
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received (webhook signatures are computed over these bytes). */
  body: Buffer;
  /** The body as JSON; throws AdminHttpError 400 when it is not. */
  json<T = unknown>(): T;
  /** The remote address, for logs. */
  peer: string;
}

export interface AdminResponse {
  status: number;
  /** Sent as JSON, or as text/plain when a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type AdminHandler = (request: AdminRequest) => AdminResponse | Promise<AdminResponse>;

export interface AdminRoute {
  method: AdminMethod;
  /** Exact path, or a prefix ending in `/*`. */
  path: string;
  handler: AdminHandler;
  /** Largest body accepted (default 1 MiB); 413 past it. */
  maxBodyBytes?: number;
}

/** Thrown by a handler to answer with this status and message. */
export class AdminHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AdminHttpError';
  }
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const BUILT_IN_PATHS = ['/metrics', '/debug/proxies', '/debug/snapshots', '/healthz', '/readyz'];

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
  private readonly routes: AdminRoute[] = [];

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

  /** Adds an endpoint (before or after listen). Throws if the method and path are taken. */
  route(route: AdminRoute): void {
    if (!route.path.startsWith('/')) throw new Error(`admin route path must start with '/': ${route.path}`);
    if (this.routes.some((r) => r.method === route.method && r.path === route.path)) throw new Error(`admin route ${route.method} ${route.path} is already registered`);
    this.routes.push(route);
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
      const matching = this.routes.filter((r) => matches(r.path, url.pathname));
      if (matching.length > 0) return await this.handleRoute(req, res, url, matching);
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
          return json(res, 404, { error: 'not found', path: url.pathname.slice(0, 200), paths: [...BUILT_IN_PATHS, ...this.routes.map((r) => r.path)] });
      }
    } catch (e) {
      this.logger.error('admin request failed', { path: req.url?.slice(0, 200), error: e });
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  }

  private async handleRoute(req: IncomingMessage, res: ServerResponse, url: URL, matching: AdminRoute[]): Promise<void> {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    // The exact path wins over a prefix; among prefixes, the longest.
    const route = matching.filter((r) => r.method === method).sort((a, b) => specificity(b.path) - specificity(a.path))[0];
    if (!route) {
      res.setHeader('allow', [...new Set(matching.map((r) => r.method))].join(', '));
      return json(res, 405, { error: `method ${String(req.method).slice(0, 16)} not allowed` });
    }
    const limit = route.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const body = await readBody(req, limit);
    if (body === 'too large') {
      json(res, 413, { error: `body over ${limit} bytes` });
      req.destroy();
      return;
    }
    const request: AdminRequest = {
      method: route.method,
      path: url.pathname,
      url,
      headers: req.headers,
      body,
      peer: req.socket.remoteAddress ?? '',
      json<T>(): T {
        try {
          return JSON.parse(body.toString('utf8')) as T;
        } catch (e) {
          throw new AdminHttpError(400, `the body is not JSON: ${(e as Error).message}`);
        }
      },
    };
    let response: AdminResponse;
    try {
      response = await route.handler(request);
    } catch (e) {
      if (e instanceof AdminHttpError) return json(res, e.status, { error: e.message });
      throw e;
    }
    if (typeof response.body === 'string') {
      res.writeHead(response.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...response.headers });
      res.end(req.method === 'HEAD' ? undefined : response.body);
      return;
    }
    for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
    json(res, response.status, response.body ?? {});
  }
}

function matches(pattern: string, path: string): boolean {
  return pattern.endsWith('/*') ? path.startsWith(pattern.slice(0, -1)) || path === pattern.slice(0, -2) : path === pattern;
}

function specificity(pattern: string): number {
  return pattern.endsWith('/*') ? pattern.length : Number.MAX_SAFE_INTEGER;
}

/** The request body, or 'too large' as soon as it passes `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.resolve('too large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve('too large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
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
