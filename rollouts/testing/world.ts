/**
 * The real parts of a rollout end to end: gRPC backends v1 and v2 (the echo service the
 * data-plane harness calls) that record every call in prom-client's go-grpc-prometheus family
 * and serve it for a real Prometheus to scrape; steady traffic from @grpc/grpc-js-xds clients
 * that records which backend answered every call and when; and `sluice serve --repo ...
 * --rollouts` as a child process that a test can kill and start again.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { grpcServerMetrics } from './mesh-metrics.ts';
import { freePort, serveMetrics } from './prometheus.ts';
import type { MetricsEndpoint } from './prometheus.ts';

const ECHO = '/sluice.test.Echo/Echo';
const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
};

export interface MeteredBackend {
  name: string;
  version: string;
  port: number;
  received: number;
  /** Fail one call in `failEvery` with UNAVAILABLE (0: never). Can be changed while running. */
  failEvery: number;
  /** performance.now() of every call it failed. */
  failures: number[];
  metrics: MetricsEndpoint;
  close(): Promise<void>;
}

/** An echo backend of reviews (namespace shop) in subset `version`, metered. */
export async function startMeteredBackend(version: string, options: { failEvery?: number } = {}): Promise<MeteredBackend> {
  const registry = new Registry();
  const families = grpcServerMetrics(registry);
  const workload = { service: 'reviews', namespace: 'shop', version };
  const server = new grpc.Server();
  const backend: MeteredBackend = {
    name: `reviews-${version}`,
    version,
    port: 0,
    received: 0,
    failEvery: options.failEvery ?? 0,
    failures: [],
    metrics: await serveMetrics(registry),
    async close() {
      server.forceShutdown();
      await backend.metrics.close();
    },
  };
  server.addService(
    { Echo: { path: ECHO, requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize } },
    {
      Echo: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const n = ++backend.received;
        const fail = backend.failEvery > 0 && n % backend.failEvery === 0;
        families.record(workload, { grpcService: 'sluice.test.Echo', method: 'Echo', code: fail ? grpc.status.UNAVAILABLE : grpc.status.OK, seconds: 0.001 });
        if (fail) {
          backend.failures.push(performance.now());
          callback({ code: grpc.status.UNAVAILABLE, details: `${backend.name} fails` });
        }
        else callback(null, { from: backend.name });
      },
    },
  );
  backend.port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))));
  return backend;
}

// ---------------------------------------------------------------- traffic

let registered = false;
/** `require('@grpc/grpc-js-xds').register()`, once per process: the xds: scheme for channels. */
function registerXds(): void {
  if (registered) return;
  (createRequire(import.meta.url)('@grpc/grpc-js-xds') as { register(): void }).register();
  registered = true;
}

export interface CallRecord {
  /** performance.now() when the answer came. */
  at: number;
  /** The backend that answered (from a reply, or from the failure's details). */
  backend: string | undefined;
  code: number;
}

export interface TrafficClient {
  nodeId: string;
  calls: CallRecord[];
  stop(): Promise<void>;
}

/**
 * A grpc-js-xds channel to xds:///reviews.shop.svc.cluster.local:9080 in class
 * grpc/shop/app=frontend,version=v1, calling every `everyMs` until stopped.
 */
export function steadyTraffic(xdsAddress: string, nodeId: string, everyMs = 20): TrafficClient {
  registerXds();
  const bootstrap = {
    xds_servers: [{ server_uri: xdsAddress, channel_creds: [{ type: 'insecure' }] }],
    node: { id: nodeId, locality: {}, metadata: { GENERATOR: 'grpc', NAMESPACE: 'shop', LABELS: { app: 'frontend', version: 'v1' } } },
  };
  const client = new grpc.Client('xds:///reviews.shop.svc.cluster.local:9080', grpc.credentials.createInsecure(), {
    'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
  });
  const calls: CallRecord[] = [];
  let running = true;
  let inFlight: Promise<void> = Promise.resolve();
  const one = () =>
    new Promise<void>((resolve) => {
      client.makeUnaryRequest(ECHO, json.serialize, json.deserialize, { ping: true }, new grpc.Metadata(), { deadline: Date.now() + 2_000 }, (error, reply) => {
        const at = performance.now();
        if (error) calls.push({ at, backend: /^(reviews-v\d+) fails$/.exec(error.details)?.[1], code: error.code });
        else calls.push({ at, backend: (reply as { from: string }).from, code: 0 });
        resolve();
      });
    });
  const loop = async () => {
    while (running) {
      const started = performance.now();
      await one();
      const wait = everyMs - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  inFlight = loop();
  return {
    nodeId,
    calls,
    async stop() {
      running = false;
      await inFlight;
      client.close();
    },
  };
}

/** Share of the calls answered after `since` (performance.now()) that `backend` handled. */
export function shareSince(client: TrafficClient, backend: string, since: number): { share: number; calls: number } {
  const recent = client.calls.filter((c) => c.at >= since);
  return { share: recent.length === 0 ? 0 : recent.filter((c) => c.backend === backend).length / recent.length, calls: recent.length };
}

// ---------------------------------------------------------------- sluice serve

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const SLUICE_BIN = join(repoRoot, 'bin', 'sluice.mjs');

export interface SluiceProcess {
  xdsAddress: string;
  httpAddress: string;
  /** Every log line (JSON) so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line matching. */
  waitForLog(test: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILL: no shutdown, no flush. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<number | null>;
}

/** Starts `sluice serve ARGS` (fixed xDS and admin ports, so clients reconnect after a restart). */
export async function startSluice(args: readonly string[], ports?: { xds: number; http: number }): Promise<SluiceProcess & { ports: { xds: number; http: number } }> {
  const chosen = ports ?? { xds: await freePort(), http: await freePort() };
  const child: ChildProcess = spawn(process.execPath, [SLUICE_BIN, 'serve', ...args, '--xds-address', `127.0.0.1:${chosen.xds}`, '--http-address', `127.0.0.1:${chosen.http}`], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<{ test: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  let buffer = '';
  let raw = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    raw = (raw + chunk).slice(-50_000);
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line };
      }
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (!w.test(parsed)) continue;
        waiters.delete(w);
        w.resolve(parsed);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForLog = (test: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const found = logs.find(test);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no such log line within ${timeoutMs} ms; stderr:\n${raw.slice(-5000)}`));
      }, timeoutMs);
      const waiter = { test, resolve: (l: Record<string, unknown>) => (clearTimeout(timer), resolve(l)) };
      waiters.add(waiter);
      void exited.then((code) => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`sluice serve exited (${code}) before the log line; stderr:\n${raw.slice(-5000)}`));
      });
    });
  };
  await waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('sluice serve: xDS on'), 30_000);
  return {
    ports: chosen,
    xdsAddress: `127.0.0.1:${chosen.xds}`,
    httpAddress: `127.0.0.1:${chosen.http}`,
    logs,
    waitForLog,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
