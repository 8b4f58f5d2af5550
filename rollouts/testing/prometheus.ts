/**
 * A real Prometheus for tests (`/usr/bin/prometheus`, the Debian package), and an HTTP
 * endpoint serving a prom-client registry for it to scrape.
 *
 * ```ts
 * const metrics = await serveMetrics(registry);                    // GET /metrics on 127.0.0.1:PORT
 * const prom = await startPrometheus({ targets: [{ address: metrics.address, labels: { version: 'v2' } }] });
 * await prom.waitForTargetsUp();                                   // every target scraped at least once
 * await prom.waitForScrapes(3);                                    // counters have moved across 3 scrapes
 * prom.setTargets([...]); await prom.waitForTargetsUp();           // change what it scrapes mid-test
 * prometheusProvider(prom.url).query('up');
 * await prom.stop();     // mid-test: Prometheus is gone (queries are refused) — data dir kept
 * await prom.start();    // back on the same port with the same data
 * await prom.dispose();  // at the end: stops it and removes the temp dir (idempotent)
 * ```
 *
 * Prometheus runs on a free loopback port with a 1 s scrape and evaluation interval, its
 * config and TSDB in a fresh temp dir, and `honor_labels: true`, so the labels a test's
 * metrics carry (service, namespace, version, ...) are stored as written. Its log is kept
 * and attached to any error about it. A test should call `dispose()` in `after()`; an exit
 * hook also kills a Prometheus a crashed test leaves behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Registry } from 'prom-client';

export const PROMETHEUS_BINARY = process.env.SLUICE_PROMETHEUS ?? '/usr/bin/prometheus';

export interface ScrapeTarget {
  /** host:port serving /metrics. */
  address: string;
  /** Target labels added to every series scraped from it (a metric's own labels win). */
  labels?: Record<string, string>;
  /** Default /metrics. */
  path?: string;
}

export interface PrometheusOptions {
  targets: ScrapeTarget[];
  /** Default 1000 ms. */
  scrapeIntervalMs?: number;
  /** How long start() and the wait helpers wait; default 30 s. */
  timeoutMs?: number;
}

export interface TestPrometheus {
  /** http://127.0.0.1:PORT — the address for prometheusProvider. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Whether the process is running. */
  running(): boolean;
  /** Resolves when every target has been scraped successfully at least once. */
  waitForTargetsUp(): Promise<void>;
  /** Replaces the scrape targets while Prometheus runs (picked up within about a second; then waitForTargetsUp). */
  setTargets(targets: readonly ScrapeTarget[]): void;
  /** Resolves after `n` more scrape rounds of every target (based on each target's lastScrape). */
  waitForScrapes(n: number): Promise<void>;
  /** Runs an instant query and returns Prometheus' `data` (for assertions in tests). */
  query(expr: string): Promise<{ resultType: string; result: unknown }>;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s); the data dir stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir, and waits until it is ready. */
  start(): Promise<void>;
  /** Stops it and removes the temp dir. */
  dispose(): Promise<void>;
  /** What Prometheus logged (stderr), for failure messages. */
  log(): string;
}

const live = new Set<ChildProcess>();
let exitHook = false;
function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** A port nothing listens on right now (the kernel's pick), on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  const interval = options.scrapeIntervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-prometheus-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'prometheus.yml');
  const targetsFile = join(dir, 'targets.json');
  // Targets come from a file Prometheus watches, so a test can change them while it runs.
  const writeTargets = (targets: readonly ScrapeTarget[]) => {
    const groups = targets.map((t) => ({ targets: [t.address], labels: { ...(t.labels ?? {}), __metrics_path__: t.path ?? '/metrics' } }));
    writeFileSync(`${targetsFile}.tmp`, JSON.stringify(groups));
    renameSync(`${targetsFile}.tmp`, targetsFile);
  };
  let current: readonly ScrapeTarget[] = options.targets;
  writeTargets(current);
  const config = {
    global: { scrape_interval: seconds(interval), evaluation_interval: seconds(interval), scrape_timeout: seconds(interval) },
    scrape_configs: [{ job_name: 'sluice-test', honor_labels: true, file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }] }],
  };
  writeFileSync(configFile, stringify(config));
  let port = await freePort();
  let child: ChildProcess | undefined;
  let stderr = '';
  let disposed = false;

  const url = () => `http://127.0.0.1:${port}`;

  async function launch(): Promise<void> {
    stderr = '';
    const proc = spawn(
      PROMETHEUS_BINARY,
      [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1h', '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = proc;
    killOnExit(proc);
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const done = await Promise.race([exited, sleep(100).then(() => 'waiting' as const)]);
      if (done !== 'waiting') throw new Error(`prometheus exited (code ${done}) before it was ready:\n${stderr}`);
      try {
        const response = await fetch(`${url()}/-/ready`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
    }
    proc.kill('SIGKILL');
    throw new Error(`prometheus was not ready within ${timeoutMs} ms:\n${stderr}`);
  }

  async function targets(): Promise<{ health: string; lastScrape: string; labels: Record<string, string> }[]> {
    const response = await fetch(`${url()}/api/v1/targets?state=active`);
    const json = (await response.json()) as { data: { activeTargets: { health: string; lastScrape: string; labels: Record<string, string> }[] } };
    return json.data.activeTargets;
  }

  async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await check().catch(() => undefined);
      if (value !== undefined) return value;
      await sleep(200);
    }
    throw new Error(`prometheus: ${what} within ${timeoutMs} ms:\n${stderr}`);
  }

  const harness: TestPrometheus = {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    dataDir,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async waitForTargetsUp() {
      await waitFor('targets were not all up', async () => {
        const active = await targets();
        const wanted = current.map((t) => t.address).sort();
        const have = active.map((t) => t.labels.instance ?? '').sort();
        return JSON.stringify(wanted) === JSON.stringify(have) && active.every((t) => t.health === 'up') ? true : undefined;
      });
    },
    setTargets(targets: readonly ScrapeTarget[]) {
      current = targets;
      writeTargets(targets);
    },
    async waitForScrapes(n: number) {
      const since = Date.now();
      await waitFor(`targets were not scraped ${n} more times`, async () => {
        const active = await targets();
        // lastScrape advances once per round; n rounds have passed once every target's
        // last scrape is at least (n - 1) intervals after we started waiting.
        return active.every((t) => t.health === 'up' && Date.parse(t.lastScrape) >= since + (n - 1) * interval) ? true : undefined;
      });
    },
    async query(expr: string) {
      const response = await fetch(`${url()}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
      const json = (await response.json()) as { status: string; error?: string; data: { resultType: string; result: unknown } };
      if (json.status !== 'success') throw new Error(`prometheus query ${expr} failed: ${json.error}`);
      return json.data;
    },
    async stop() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    async start() {
      if (disposed) throw new Error('prometheus harness already disposed');
      if (harness.running()) return;
      await launch();
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await harness.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => stderr,
  };

  // The kernel's free port can be taken between our check and Prometheus' bind: try a few.
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      return harness;
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test(stderr)) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      port = await freePort();
    }
  }
}

export interface MetricsEndpoint {
  /** host:port, a ScrapeTarget address. */
  address: string;
  url: string;
  /** Requests served so far (scrapes). */
  scrapes(): number;
  close(): Promise<void>;
}

/** Serves `registry` at GET /metrics on a free 127.0.0.1 port. */
export async function serveMetrics(registry: Registry): Promise<MetricsEndpoint> {
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || !req.url?.startsWith('/metrics')) {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/metrics`,
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
