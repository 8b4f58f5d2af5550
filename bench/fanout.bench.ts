/**
 * Fan-out: N raw SotW ADS streams of one gRPC proxy class against an in-process XdsServer on
 * 127.0.0.1 (SnapshotCache debounce 10 ms after the last change, at most 100 ms). The clients
 * run in a forked child process (bench/support/fanout-clients.ts), so every memory figure is
 * the server process alone. Measured per N:
 *
 * - held: streams the server holds once every proxy has ACKed the first snapshot;
 * - memory per proxy: heap and RSS after all N are connected and ACKed, minus before
 *   connecting (both after a full GC), divided by N — the snapshot is already in "before";
 * - convergence: one RouteConfiguration's weights change; from `setSnapshot` (so the 10 ms
 *   debounce is included) to the registry's `ack` event of each stream for the new RDS
 *   version, timed in the server process;
 * - lower bound: encoding the changed RouteConfiguration once, plus N writes of a message of
 *   the size of the server's RDS response on N bare bidi streams over the same number of
 *   connections, each answered by a one-byte echo (no protocol logic on either side).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import { compileModel, EntryCache, proxyClass, validateSources } from '../compiler/index.ts';
import type { Snapshot, SnapshotEntry } from '../compiler/index.ts';
import { encodeResource, RESOURCE_TYPE_URLS as T } from '../compiler/xds/index.ts';
import { SnapshotCache, silentLogger, XdsServer } from '../proxy/index.ts';
import { encodeDiscoveryResponse } from '../proxy/wire/index.ts';
import type { FanoutCommand, FanoutReply } from './support/fanout-clients.ts';
import { generateMesh } from './support/generate-mesh.ts';
import { median, ms, percentile, table } from './support/measure.ts';

/** Streams, and streams per TCP connection (a grpc.Client with its own subchannel pool). */
const CASES = [
  { streams: 1_000, perConnection: 100 },
  { streams: 1_000, perConnection: 1 },
  { streams: 5_000, perConnection: 100 },
];
const SERVICES = 100;
/** Services each proxy calls: it subscribes to their listener, route, clusters and endpoints. */
const TARGETS = 5;
const CONNECT_TIMEOUT_MS = 60_000;
const CONVERGE_TIMEOUT_MS = 30_000;
const CLIENT_SCRIPT = new URL('./support/fanout-clients.ts', import.meta.url).pathname;
const RAW_METHOD = '/sluice.bench.Fanout/Hold';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Memory {
  heap: number;
  rss: number;
}

function memory(): Memory {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss };
}

const sleep = (msecs: number) => new Promise((r) => setTimeout(r, msecs));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

class Clients {
  private readonly child: ChildProcess;
  private readonly replies: FanoutReply[] = [];
  private readonly waiting: ((r: FanoutReply) => void)[] = [];

  constructor() {
    this.child = fork(CLIENT_SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FanoutReply) => {
      const w = this.waiting.shift();
      if (w) w(m);
      else this.replies.push(m);
    });
  }

  ask(command: FanoutCommand): Promise<FanoutReply> {
    this.child.send(command);
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<FanoutReply> {
    const reply = await Promise.race([this.ask({ cmd: 'close' }), sleep(5_000).then(() => ({ ended: -1, errors: ['no reply'] }))]);
    const exited = new Promise((r) => this.child.once('exit', r));
    await Promise.race([exited, sleep(3_000)]);
    if (this.child.exitCode === null) this.child.kill();
    return reply;
  }
}

interface Mesh {
  classKey: string;
  base: Snapshot;
  next: Snapshot;
  changed: SnapshotEntry;
  names: { typeUrl: string; names: string[] }[];
  resources: number;
}

function buildMesh(): Mesh {
  const files = generateMesh({ services: SERVICES });
  const proxy = proxyClass('grpc', 'team-0', { app: 'svc-0', version: 'v1' });
  const cache = new EntryCache();
  const base = compileModel(validateSources(files).model, proxy, { cache }).snapshot;
  // svc-1's VirtualService: 90/10 → 80/20; nothing else changes.
  const edited = files.map((f, i) => (i === 1 ? { path: f.path, content: String(f.content).replace('weight: 90', 'weight: 80').replace('weight: 10', 'weight: 20') } : f));
  const next = compileModel(validateSources(edited).model, proxy, { cache }).snapshot;
  let changed: SnapshotEntry | undefined;
  let resources = 0;
  for (const [typeUrl, entries] of next.resources) {
    for (const [name, entry] of entries) {
      resources++;
      if (base.resources.get(typeUrl)?.get(name)?.version !== entry.version) {
        if (changed) throw new Error(`more than one resource changed: ${changed.name}, ${name}`);
        changed = entry;
      }
    }
  }
  if (!changed || changed.typeUrl !== T.routeConfiguration) throw new Error('the edit did not change exactly one RouteConfiguration');
  const hosts = Array.from({ length: TARGETS }, (_, i) => `svc-${i + 1}.team-0.svc.cluster.local`);
  const pick = (typeUrl: string, match: (name: string) => boolean) => ({ typeUrl, names: [...(base.resources.get(typeUrl as never)?.keys() ?? [])].filter(match) });
  const clusterOf = (n: string) => hosts.some((h) => n.endsWith(`|${h}`));
  const listenerOf = (n: string) => hosts.some((h) => n === `${h}:8080`);
  const names = [pick(T.cluster, clusterOf), pick(T.clusterLoadAssignment, clusterOf), pick(T.listener, listenerOf), pick(T.routeConfiguration, listenerOf)];
  if (!names[3]?.names.includes(changed.name)) throw new Error(`proxies do not subscribe to ${changed.name}`);
  return { classKey: proxy.key, base, next, changed, names, resources };
}

interface Result {
  streams: number;
  connections: number;
  held: number;
  connectMs: number;
  heapPerProxy: number;
  rssPerProxy: number;
  convergence: number[];
  converged: number;
  pushes: string;
  responseBytes: number;
  stallConnectMs: number;
  stallPushMs: number;
  dropped: string;
  encodeMs: number;
  raw: number[];
}

async function xdsPhase(mesh: Mesh, streams: number, connections: number): Promise<Omit<Result, 'encodeMs' | 'raw'>> {
  const cache = new SnapshotCache({ debounce: { afterMs: 10, maxMs: 100 }, logger: silentLogger });
  const server = new XdsServer({ cache, logger: silentLogger, controlPlaneId: 'sluice-bench' });
  const port = await server.listen('127.0.0.1:0');
  cache.setSnapshot(mesh.classKey, mesh.base);
  await sleep(50);
  const before = memory();
  const loop = monitorEventLoopDelay({ resolution: 5 });

  let initial = 0;
  const offConverged = server.registry.events.on('converged', (e) => {
    if (e.snapshotVersion === mesh.base.version) initial++;
  });
  const clients = new Clients();
  loop.enable();
  const started = performance.now();
  await clients.ask({ cmd: 'xds', address: `127.0.0.1:${port}`, streams, channels: connections, names: mesh.names, node: { namespace: 'team-0', labels: { app: 'svc-0', version: 'v1' } } });
  await until(() => initial >= streams, CONNECT_TIMEOUT_MS);
  const connectMs = performance.now() - started;
  loop.disable();
  const stallConnectMs = loop.max / 1e6;
  offConverged();
  await sleep(200);
  const held = server.internals().streams;
  const after = memory();

  // One route's weights change.
  const acks = new Map<string, number>();
  const pushes = new Map<string, number>();
  let responseBytes = 0;
  const offAck = server.registry.events.on('ack', (e) => {
    if (e.typeUrl === T.routeConfiguration && e.snapshotVersion === mesh.next.version && !acks.has(e.streamId)) acks.set(e.streamId, performance.now() - published);
  });
  const offPush = server.registry.events.on('push', (e) => {
    if (e.snapshotVersion !== mesh.next.version) return;
    const type = e.typeUrl.slice(e.typeUrl.lastIndexOf('.') + 1);
    pushes.set(type, (pushes.get(type) ?? 0) + 1);
    if (e.typeUrl === T.routeConfiguration) responseBytes = e.bytes;
  });
  loop.reset();
  loop.enable();
  const published = performance.now();
  cache.setSnapshot(mesh.classKey, mesh.next);
  await until(() => acks.size >= held, CONVERGE_TIMEOUT_MS);
  loop.disable();
  offAck();
  offPush();

  const closed = await clients.close();
  await server.close({ timeoutMs: 2_000 });
  const dropped = 'ended' in closed ? `${closed.ended} ended before close${closed.errors.length ? ` (${closed.errors.join('; ')})` : ''}` : '?';
  return {
    streams,
    connections,
    held,
    connectMs,
    heapPerProxy: (after.heap - before.heap) / streams,
    rssPerProxy: (after.rss - before.rss) / streams,
    convergence: [...acks.values()],
    converged: acks.size,
    pushes: [...pushes].map(([t, n]) => `${t} ×${n}`).join(', '),
    responseBytes,
    stallConnectMs,
    stallPushMs: loop.max / 1e6,
    dropped,
  };
}

/** Encoding the changed resource once, as the server does (a fresh entry, so nothing cached). */
function encodeOnce(changed: SnapshotEntry): number {
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const fresh: SnapshotEntry = { typeUrl: changed.typeUrl, name: changed.name, version: changed.version, json: changed.json, bytes: () => encodeResource(changed.typeUrl, changed.json) };
    const started = performance.now();
    encodeDiscoveryResponse({ versionInfo: 'v', typeUrl: changed.typeUrl, nonce: 'n', resources: [fresh], controlPlane: 'sluice-bench' });
    times.push(performance.now() - started);
  }
  return median(times);
}

/** N bare streams, one message of `bytes` written to each, timed to each one-byte echo. */
async function rawPhase(streams: number, connections: number, bytes: number): Promise<number[]> {
  const pass = (b: Buffer) => b;
  const server = new grpc.Server();
  const calls: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
  const echoed = new Map<grpc.ServerDuplexStream<Buffer, Buffer>, number>();
  let sentAt = 0;
  server.addService(
    { Hold: { path: RAW_METHOD, requestStream: true, responseStream: true, requestSerialize: pass, requestDeserialize: pass, responseSerialize: pass, responseDeserialize: pass } },
    {
      Hold: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', () => {
          if (sentAt === 0) {
            calls.push(call);
          } else if (!echoed.has(call)) echoed.set(call, performance.now() - sentAt);
        });
        call.on('error', () => undefined);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const clients = new Clients();
  await clients.ask({ cmd: 'raw', address: `127.0.0.1:${port}`, method: RAW_METHOD, streams, channels: connections });
  await until(() => calls.length >= streams, CONNECT_TIMEOUT_MS);
  await sleep(200);
  const message = Buffer.alloc(bytes, 7);
  sentAt = performance.now();
  for (const call of calls) call.write(message);
  await until(() => echoed.size >= calls.length, CONVERGE_TIMEOUT_MS);
  await clients.close();
  server.forceShutdown();
  return [...echoed.values()];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export async function run(): Promise<void> {
  const mesh = buildMesh();
  const encodeMs = encodeOnce(mesh.changed);
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const { streams, perConnection } of CASES) {
    const connections = Math.ceil(streams / perConnection);
    const x = await xdsPhase(mesh, streams, connections);
    const raw = await rawPhase(streams, connections, x.responseBytes || 1024);
    const p50 = percentile(x.convergence, 50);
    const p99 = percentile(x.convergence, 99);
    const low50 = encodeMs + percentile(raw, 50);
    const low99 = encodeMs + percentile(raw, 99);
    rows.push([
      streams.toLocaleString('en-US'),
      String(connections),
      x.held.toLocaleString('en-US'),
      ms(x.connectMs),
      kb(x.heapPerProxy),
      kb(x.rssPerProxy),
      `${ms(p50)} / ${ms(p99)} / ${ms(Math.max(...x.convergence))}`,
      `${ms(low50)} / ${ms(low99)}`,
      `${(p50 / low50).toFixed(1)}× / ${(p99 / low99).toFixed(1)}×`,
      `${ms(x.stallConnectMs)} / ${ms(x.stallPushMs)}`,
    ]);
    notes.push(
      `N=${streams}, ${connections} connections: ${x.converged}/${x.held} ACKed the new route; pushes of the new snapshot: ${x.pushes || 'none'}; RDS response ${x.responseBytes} B; raw echoes ${raw.length}/${streams}; client streams ${x.dropped}.`,
    );
  }
  console.log(
    `One gRPC proxy class of the generated mesh (${SERVICES} services, ${mesh.resources} resources); each proxy subscribes to ${mesh.names.map((n) => n.names.length).join('/')} CDS/EDS/LDS/RDS names (${TARGETS} services it calls). ` +
      `Raw SotW ADS clients (proxy/testing) in a forked child process, 100 streams per TCP connection (and 1 per connection once at 1,000); debounce 10 ms (included in convergence). ` +
      `Lower bound = encode the changed RouteConfiguration once (${ms(encodeMs)}) + write a message of the RDS response's size on N bare streams and receive a 1-byte echo. Goals: 5,000 streams held; < 30 KB per proxy; p99 < 1 s at 1,000.\n`,
  );
  console.log(
    table(
      ['streams', 'connections', 'held', 'connect + ACK all', 'server heap per proxy', 'server RSS per proxy', 'convergence p50 / p99 / max', 'lower bound p50 / p99', 'ratio p50 / p99', 'max event-loop delay (connect / push)'],
      rows,
    ),
  );
  console.log('');
  for (const n of notes) console.log(`- ${n}`);
}
