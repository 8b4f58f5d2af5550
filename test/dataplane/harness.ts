/**
 * End-to-end harness with the real data plane: echo gRPC backends on loopback, a policy
 * generated with their bound ports, compiled by sluice for the client's proxy class and
 * served by sluice's XdsServer, and @grpc/grpc-js-xds channels routing real RPCs by it.
 */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { compileModel, EntryCache, proxyClass, validateSources } from '../../compiler/index.ts';
import type { CompileResult, ProxyClass, Snapshot } from '../../compiler/index.ts';
import { memoryLogger, SnapshotCache, XdsServer } from '../../proxy/index.ts';
import type { LogRecord, ProxyStatus } from '../../proxy/index.ts';

const require = createRequire(import.meta.url);
let registered = false;
/** `require('@grpc/grpc-js-xds').register()`, once per process. */
export function registerXds(): void {
  if (registered) return;
  (require('@grpc/grpc-js-xds') as { register(): void }).register();
  registered = true;
}

export const NAMESPACE = 'shop';
export const HOST = 'reviews.shop.svc.cluster.local';
export const TARGET = `xds:///${HOST}:9080`;
export const CLIENT_LABELS = { app: 'frontend', version: 'v1' };
export const CLIENT_CLASS: ProxyClass = proxyClass('grpc', NAMESPACE, CLIENT_LABELS);

// ---------------------------------------------------------------- backends

const ECHO = '/sluice.test.Echo/Echo';
const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
};
const echoService: grpc.ServiceDefinition = {
  Echo: { path: ECHO, requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },
};

export interface BackendBehaviour {
  /** Fail every call with UNAVAILABLE. */
  failAll?: boolean;
  /** Fail every second call (1st succeeds, 2nd fails, …) with UNAVAILABLE: a 50% failure rate. */
  failEverySecond?: boolean;
  /** Reply after this long. */
  delayMs?: number;
}

export interface Backend {
  name: string;
  port: number;
  /** Calls received (failed ones included). */
  received: number;
  behaviour: BackendBehaviour;
  close(): void;
}

export async function startBackend(name: string, behaviour: BackendBehaviour = {}): Promise<Backend> {
  const server = new grpc.Server();
  const timers = new Set<NodeJS.Timeout>();
  const backend: Backend = {
    name,
    port: 0,
    received: 0,
    behaviour,
    close() {
      for (const t of timers) clearTimeout(t);
      server.forceShutdown();
    },
  };
  server.addService(echoService, {
    Echo: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const n = backend.received++;
      const b = backend.behaviour;
      if (b.failAll || (b.failEverySecond && n % 2 === 1)) {
        callback({ code: grpc.status.UNAVAILABLE, details: `${name} fails` });
        return;
      }
      if (b.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          callback(null, { from: name });
        }, b.delayMs);
        timers.add(t);
      } else callback(null, { from: name });
    },
  });
  backend.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))),
  );
  return backend;
}

// ---------------------------------------------------------------- policy

export interface PolicyOptions {
  /** Workload endpoints per subset (version label → backends). */
  subsets: Record<string, readonly Backend[]>;
  /** The VirtualService's `http:` list as YAML, indented by 2 (a list at the `http:` level). */
  http: string;
  /** The DestinationRule's `trafficPolicy:` body as YAML, indented by 4, if any. */
  trafficPolicy?: string;
}

/** A plaintext mesh modelled on policies/: reviews in namespace shop, subsets by `version`. */
export function policyYaml(options: PolicyOptions): string {
  const docs: string[] = [
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: grpc, protocol: GRPC}
  workloadSelector:
    labels: {app: reviews}`,
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: ${HOST}
${options.trafficPolicy ? `  trafficPolicy:\n${options.trafficPolicy}\n` : ''}  subsets:
${Object.keys(options.subsets)
  .map((v) => `  - name: ${v}\n    labels: {version: ${v}}`)
  .join('\n')}`,
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [${HOST}]
  http:
${options.http}`,
  ];
  for (const [version, backends] of Object.entries(options.subsets)) {
    for (const b of backends) {
      docs.push(`apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ${b.name}, namespace: shop}
spec:
  address: 127.0.0.1
  ports: {grpc: ${b.port}}
  labels: {app: reviews, version: ${version}}
  serviceAccount: reviews`);
    }
  }
  return docs.join('\n---\n') + '\n';
}

const entries = new EntryCache();

/** Validates and compiles `yaml` for the client's class; throws on any error finding. */
export function compile(yaml: string, revision: string, proxy: ProxyClass = CLIENT_CLASS): CompileResult {
  const validated = validateSources([{ path: 'dataplane.yaml', content: yaml }]);
  const vErrors = validated.diagnostics.filter((d) => d.severity === 'error');
  if (vErrors.length > 0) throw new Error(`policy does not validate:\n${vErrors.map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`).join('\n')}\n${yaml}`);
  const result = compileModel(validated.model, proxy, { revision, cache: entries });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`policy does not compile:\n${errors.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  return result;
}

// ---------------------------------------------------------------- control plane

export interface ControlPlane {
  cache: SnapshotCache;
  server: XdsServer;
  address: string;
  port: number;
  logs: LogRecord[];
  /** Publishes `snapshot` for the client class. */
  publish(snapshot: Snapshot): void;
  /** Waits until every client of the class ACKed `version` (throws after `timeoutMs`). */
  acked(version: string, timeoutMs?: number): Promise<void>;
  /** Polls the registry until the stream of `nodeId` ACKed all of `version` (throws after `timeoutMs`). */
  proxyAcked(nodeId: string, version: string, timeoutMs?: number): Promise<ProxyStatus>;
  /** Stops the xDS server (streams end); the cache stays. */
  stop(): Promise<void>;
  /** Starts a new xDS server on the same port over the same cache. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startControlPlane(): Promise<ControlPlane> {
  const recorder = memoryLogger();
  const cache = new SnapshotCache({ debounce: { afterMs: 5, maxMs: 50 }, logger: recorder });
  const make = () => new XdsServer({ cache, logger: recorder, controlPlaneId: 'sluice-dataplane-test' });
  let server = make();
  let running = true;
  const port = await server.listen('127.0.0.1:0');
  const cp: ControlPlane = {
    cache,
    server,
    address: `127.0.0.1:${port}`,
    port,
    logs: recorder.records,
    publish(snapshot) {
      cache.setSnapshot(CLIENT_CLASS.key, snapshot);
    },
    async acked(version, timeoutMs = 5_000) {
      const report = await cp.server.registry.waitForConvergence({ classKey: CLIENT_CLASS.key, snapshotVersion: version }, { timeoutMs });
      if (!report.converged) throw new Error(`version ${version} not ACKed in ${timeoutMs} ms: ${JSON.stringify(report)}`);
    },
    async proxyAcked(nodeId, version, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const proxy = cp.server.registry.status().proxies.find((p) => p.nodeId === nodeId && p.snapshotAcked === version);
        if (proxy) return proxy;
        if (Date.now() > deadline) throw new Error(`${nodeId} did not ACK ${version} in ${timeoutMs} ms: ${JSON.stringify(cp.server.registry.status().proxies)}`);
        await sleep(20);
      }
    },
    async stop() {
      if (!running) return;
      running = false;
      await server.close({ timeoutMs: 1_000 });
      // close() can report a graceful shutdown while an xDS connection is still open (seen after
      // a restart: the process then never exits); drop whatever is left.
      server.grpcServer.forceShutdown();
    },
    async restart() {
      await cp.stop();
      server = make();
      await server.listen(`127.0.0.1:${port}`);
      cp.server = server;
      running = true;
    },
    async close() {
      await cp.stop();
    },
  };
  return cp;
}

// ---------------------------------------------------------------- clients

let channels = 0;

export interface XdsClient {
  nodeId: string;
  client: grpc.Client;
  close(): void;
}

/** A grpc-js-xds channel to reviews with its own bootstrap (node in the client's class). */
export function xdsClient(controlPlane: ControlPlane, nodeId = `frontend-${++channels}`): XdsClient {
  registerXds();
  const bootstrap = {
    xds_servers: [{ server_uri: controlPlane.address, channel_creds: [{ type: 'insecure' }] }],
    node: { id: nodeId, locality: {}, metadata: { GENERATOR: 'grpc', NAMESPACE, LABELS: CLIENT_LABELS } },
  };
  const client = new grpc.Client(TARGET, grpc.credentials.createInsecure(), {
    'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
  });
  return { nodeId, client, close: () => client.close() };
}

export interface CallResult {
  /** The backend that answered, if the call succeeded. */
  from?: string;
  code: grpc.status;
  details: string;
  elapsedMs: number;
}

export function call(client: XdsClient, options: { metadata?: Record<string, string>; deadlineMs?: number } = {}): Promise<CallResult> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
  const started = performance.now();
  return new Promise((resolve) => {
    client.client.makeUnaryRequest(
      ECHO,
      json.serialize,
      json.deserialize,
      { ping: true },
      metadata,
      { deadline: Date.now() + (options.deadlineMs ?? 5_000) },
      (error, reply) => {
        const elapsedMs = performance.now() - started;
        if (error) resolve({ code: error.code, details: error.details, elapsedMs });
        else resolve({ from: (reply as { from: string }).from, code: grpc.status.OK, details: '', elapsedMs });
      },
    );
  });
}

export interface Tally {
  total: number;
  /** Successful calls per backend name. */
  by: Record<string, number>;
  /** Calls per status code name. */
  codes: Record<string, number>;
  results: CallResult[];
}

/** `n` calls, at most `concurrency` in flight. */
export async function callMany(client: XdsClient, n: number, options: { metadata?: Record<string, string>; concurrency?: number; deadlineMs?: number } = {}): Promise<Tally> {
  const tally: Tally = { total: 0, by: {}, codes: {}, results: [] };
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const r = await call(client, options);
      tally.total++;
      tally.results.push(r);
      if (r.from) tally.by[r.from] = (tally.by[r.from] ?? 0) + 1;
      const name = grpc.status[r.code] ?? String(r.code);
      tally.codes[name] = (tally.codes[name] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, options.concurrency ?? 20) }, worker));
  return tally;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
