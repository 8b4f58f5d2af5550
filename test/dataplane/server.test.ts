/**
 * sluice's proxyless gRPC server listener, served to a real xDS-enabled server
 * (@grpc/grpc-js-xds `XdsServer`): the server binds only once it accepted the listener,
 * enforces the AuthorizationPolicy compiled into RBAC on real RPCs from a grpc-js-xds
 * channel, and picks up an edited policy without a restart.
 *
 * RBAC is experimental in grpc-js-xds and read from the environment when the module loads,
 * so the flag is set here before anything requires it (harness.ts and this file load
 * @grpc/grpc-js-xds lazily with require; a separate test file runs in its own process).
 */
process.env.GRPC_XDS_EXPERIMENTAL_RBAC = 'true';

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { proxyClass } from '../../compiler/index.ts';
import type { ProxyClass, Snapshot } from '../../compiler/index.ts';
import { RESOURCE_TYPE_URLS as T } from '../../compiler/xds/index.ts';
import { memoryLogger, SnapshotCache, XdsServer as SluiceXdsServer } from '../../proxy/index.ts';
import type { ProxyStatus } from '../../proxy/index.ts';
import { freePort } from '../../rollouts/testing/index.ts';
import { compile, registerXds, sleep } from './harness.ts';

const require = createRequire(import.meta.url);

const NAMESPACE = 'shop';
const HOST = 'ratings.shop.svc.cluster.local';
const TARGET = `xds:///${HOST}:9080`;
const SERVER_LABELS = { app: 'ratings', version: 'v1' };
const CLIENT_LABELS = { app: 'reviews', version: 'v1' };
const SERVER_CLASS: ProxyClass = proxyClass('grpc', NAMESPACE, SERVER_LABELS);
const CLIENT_CLASS: ProxyClass = proxyClass('grpc', NAMESPACE, CLIENT_LABELS);
const TEMPLATE = 'grpc/server?xds.resource.listening_address=%s';

const ECHO = '/sluice.test.Echo/Echo';
const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
};
const echoService: grpc.ServiceDefinition = {
  Echo: { path: ECHO, requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },
};

function policyYaml(port: number, callers: readonly string[], mtls?: { principals: readonly string[] }): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ratings, namespace: shop}
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: grpc, protocol: GRPC}
  workloadSelector:
    labels: {app: ratings}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-1, namespace: shop}
spec:
  address: 127.0.0.1
  ports: {grpc: ${port}}
  labels: {app: ratings, version: v1}
  serviceAccount: ratings
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec:
  mtls: {mode: ${mtls ? 'STRICT' : 'DISABLE'}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ratings, namespace: shop}
spec:
  selector:
    matchLabels: {app: ratings}
  action: ALLOW
  rules:
${
  mtls
    ? `  - from:
    - source:
        principals: [${mtls.principals.join(', ')}]`
    : `  - when:
    - key: request.headers[x-caller]
      values: [${callers.join(', ')}]`
}
`;
}

interface CallResult {
  code: grpc.status;
  details: string;
  from?: string;
}

function call(client: grpc.Client, metadata: Record<string, string> = {}): Promise<CallResult> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(ECHO, json.serialize, json.deserialize, { ping: true }, md, { deadline: Date.now() + 5_000 }, (error, reply) => {
      if (error) resolve({ code: error.code, details: error.details });
      else resolve({ code: grpc.status.OK, details: '', from: (reply as { from: string }).from });
    });
  });
}

const bootstrap = (cpAddress: string, nodeId: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    xds_servers: [{ server_uri: cpAddress, channel_creds: [{ type: 'insecure' }] }],
    node: { id: nodeId, locality: {}, metadata: { GENERATOR: 'grpc', NAMESPACE, LABELS: labels } },
    ...extra,
  });

describe('data plane: a grpc-js-xds XdsServer serves sluice’s server listener and enforces its RBAC', { timeout: 60_000 }, () => {
  let port: number;
  let callers: string[] = ['reviews'];
  let revision = 0;
  let cache: SnapshotCache;
  let cp: SluiceXdsServer;
  let cpAddress: string;
  let server: grpc.Server | undefined;
  let client: grpc.Client | undefined;
  const servingStatuses: grpc.StatusObject[] = [];

  const compileFor = (proxy: ProxyClass): Snapshot => compile(policyYaml(port, callers), `server-${++revision}`, proxy).snapshot;

  function proxyStatus(nodeId: string): ProxyStatus | undefined {
    return cp.registry.status().proxies.find((p) => p.nodeId === nodeId);
  }
  /** Polls until `nodeId` ACKed its class's current snapshot. */
  async function ackedCurrent(nodeId: string, classKey: string, timeoutMs = 5_000): Promise<ProxyStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const version = cache.getSnapshot(classKey)?.version;
      const p = proxyStatus(nodeId);
      if (version !== undefined && p?.snapshotAcked === version) return p;
      if (Date.now() > deadline) throw new Error(`${nodeId} did not ACK ${version} in ${timeoutMs} ms: ${JSON.stringify(p)}`);
      await sleep(20);
    }
  }

  before(async () => {
    assert.equal((require('@grpc/grpc-js-xds/build/src/environment') as { EXPERIMENTAL_RBAC: boolean }).EXPERIMENTAL_RBAC, true, 'RBAC enabled in grpc-js-xds');
    registerXds();
    port = await freePort();
    cache = new SnapshotCache({ snapshotFor: compileFor, debounce: { afterMs: 5, maxMs: 50 }, logger: memoryLogger() });
    cp = new SluiceXdsServer({ cache, logger: memoryLogger(), controlPlaneId: 'sluice-server-test' });
    cpAddress = `127.0.0.1:${await cp.listen('127.0.0.1:0')}`;
  });

  after(async () => {
    client?.close();
    server?.forceShutdown();
    await cp.close({ timeoutMs: 1_000 });
    cp.grpcServer.forceShutdown();
    cache.close();
  });

  it('1. the server accepts its listener (ACKed), comes up serving, and x-caller: reviews gets through', async () => {
    const started = performance.now();
    const { XdsServer } = require('@grpc/grpc-js-xds') as { XdsServer: new (options?: grpc.ServerOptions) => grpc.Server & { addServingStateListener(port: string, l: (s: grpc.StatusObject) => void): void } };
    const xdsServer = new XdsServer({
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': bootstrap(cpAddress, 'ratings-1', SERVER_LABELS, { server_listener_resource_name_template: TEMPLATE }),
    });
    server = xdsServer;
    xdsServer.addService(echoService, {
      Echo: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { from: 'ratings-1' }),
    });
    const address = `127.0.0.1:${port}`;
    const bound = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`XdsServer not serving after 10 s; statuses ${JSON.stringify(servingStatuses)}; registry ${JSON.stringify(proxyStatus('ratings-1'))}`)),
        10_000,
      );
      xdsServer.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e, p) => {
        clearTimeout(timer);
        if (e) reject(e);
        else resolve(p);
      });
    });
    xdsServer.addServingStateListener(address, (s) => servingStatuses.push(s));
    assert.equal(await bound, port);
    const servingMs = performance.now() - started;

    const status = await ackedCurrent('ratings-1', SERVER_CLASS.key);
    assert.equal(status.classKey, SERVER_CLASS.key);
    const lds = status.types.find((t) => t.typeUrl === T.listener);
    assert.deepEqual(lds?.subscribed, [`grpc/server?xds.resource.listening_address=${address}`]);
    assert.notEqual(lds?.versionAcked, undefined);
    assert.equal(lds?.lastNack, undefined, JSON.stringify(lds?.lastNack));

    client = new grpc.Client(TARGET, grpc.credentials.createInsecure(), {
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': bootstrap(cpAddress, 'reviews-1', CLIENT_LABELS),
    });
    const r = await call(client, { 'x-caller': 'reviews' });
    assert.deepEqual(r, { code: grpc.status.OK, details: '', from: 'ratings-1' });
    await ackedCurrent('reviews-1', CLIENT_CLASS.key);
    console.log(`serving after ${servingMs.toFixed(0)} ms, first RPC OK after ${(performance.now() - started).toFixed(0)} ms`);
  });

  it('2. without x-caller, or with x-caller: frontend, RPCs fail with PERMISSION_DENIED', async () => {
    assert.ok(client);
    const none = await call(client);
    assert.equal(grpc.status[none.code], 'PERMISSION_DENIED', JSON.stringify(none));
    const frontend = await call(client, { 'x-caller': 'frontend' });
    assert.equal(grpc.status[frontend.code], 'PERMISSION_DENIED', JSON.stringify(frontend));
    const reviews = await call(client, { 'x-caller': 'reviews' });
    assert.equal(reviews.code, grpc.status.OK, JSON.stringify(reviews));
  });

  it('3. an edited AuthorizationPolicy (frontend allowed too) takes effect without restarting the server', async () => {
    assert.ok(client);
    const started = performance.now();
    callers = ['reviews', 'frontend'];
    await cache.refresh();
    const status = await ackedCurrent('ratings-1', SERVER_CLASS.key);
    assert.equal(status.types.find((t) => t.typeUrl === T.listener)?.lastNack, undefined);
    const ackedMs = performance.now() - started;
    const frontend = await call(client, { 'x-caller': 'frontend' });
    assert.deepEqual(frontend, { code: grpc.status.OK, details: '', from: 'ratings-1' });
    const reviews = await call(client, { 'x-caller': 'reviews' });
    assert.equal(reviews.code, grpc.status.OK, JSON.stringify(reviews));
    const none = await call(client);
    assert.equal(grpc.status[none.code], 'PERMISSION_DENIED', JSON.stringify(none));
    assert.ok(servingStatuses.every((s) => s.code === grpc.status.OK), `the server kept serving: ${JSON.stringify(servingStatuses)}`);
    console.log(`edited policy ACKed by the server after ${ackedMs.toFixed(0)} ms`);
  });
});

// ---------------------------------------------------------------- STRICT mTLS

/** A test CA and leaf certificates with SPIFFE URI SANs, made with openssl in `dir`. */
function makeCertificates(dir: string, serviceAccounts: readonly string[]): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 10_000 });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=sluice-test-ca');
  for (const sa of serviceAccounts) {
    writeFileSync(join(dir, `${sa}.ext`), `subjectAltName=URI:spiffe://cluster.local/ns/shop/sa/${sa}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${sa}.key`, '-out', `${sa}.csr`, '-subj', `/CN=${sa}`);
    ssl('x509', '-req', '-in', `${sa}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${sa}.pem`, '-days', '1', '-extfile', `${sa}.ext`);
  }
}

const certificateProviders = (dir: string, sa: string) => ({
  certificate_providers: {
    default: {
      plugin_name: 'file_watcher',
      config: { certificate_file: join(dir, `${sa}.pem`), private_key_file: join(dir, `${sa}.key`), ca_certificate_file: join(dir, 'ca.pem'), refresh_interval: '60s' },
    },
  },
});

describe('data plane: STRICT mTLS, a grpc-js-xds XdsServer enforces principal RBAC from client certificates', { timeout: 60_000 }, () => {
  let port: number;
  let revision = 0;
  let cache: SnapshotCache;
  let cp: SluiceXdsServer;
  let cpAddress: string;
  let dir: string;
  let server: grpc.Server | undefined;
  const clients: grpc.Client[] = [];
  const servingStatuses: grpc.StatusObject[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-mtls-'));
    makeCertificates(dir, ['ratings', 'reviews', 'frontend']);
    registerXds();
    port = await freePort();
    const yaml = () => policyYaml(port, [], { principals: ['cluster.local/ns/shop/sa/reviews'] });
    cache = new SnapshotCache({ snapshotFor: (proxy) => compile(yaml(), `mtls-${++revision}`, proxy).snapshot, debounce: { afterMs: 5, maxMs: 50 }, logger: memoryLogger() });
    cp = new SluiceXdsServer({ cache, logger: memoryLogger(), controlPlaneId: 'sluice-server-mtls-test' });
    cpAddress = `127.0.0.1:${await cp.listen('127.0.0.1:0')}`;
  });

  after(async () => {
    for (const c of clients) c.close();
    server?.forceShutdown();
    await cp.close({ timeoutMs: 1_000 });
    cp.grpcServer.forceShutdown();
    cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('4. the TLS listener is accepted; reviews (principal allowed) succeeds, frontend gets PERMISSION_DENIED, plaintext fails', async () => {
    const started = performance.now();
    const xds = require('@grpc/grpc-js-xds') as {
      XdsServer: new (options?: grpc.ServerOptions) => grpc.Server & { addServingStateListener(port: string, l: (s: grpc.StatusObject) => void): void };
      XdsServerCredentials: new (fallback: grpc.ServerCredentials) => grpc.ServerCredentials;
      XdsChannelCredentials: new (fallback: grpc.ChannelCredentials) => grpc.ChannelCredentials;
    };
    const xdsServer = new xds.XdsServer({
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': bootstrap(cpAddress, 'ratings-mtls', SERVER_LABELS, { server_listener_resource_name_template: TEMPLATE, ...certificateProviders(dir, 'ratings') }),
    });
    server = xdsServer;
    xdsServer.addService(echoService, {
      Echo: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { from: 'ratings-1' }),
    });
    const address = `127.0.0.1:${port}`;
    const bound = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`XdsServer not serving after 10 s; statuses ${JSON.stringify(servingStatuses)}; registry ${JSON.stringify(cp.registry.status().proxies)}`)), 10_000);
      xdsServer.bindAsync(address, new xds.XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (e, p) => {
        clearTimeout(timer);
        if (e) reject(e);
        else resolve(p);
      });
    });
    xdsServer.addServingStateListener(address, (s) => servingStatuses.push(s));
    assert.equal(await bound, port);
    const servingMs = performance.now() - started;
    const lds = cp.registry
      .status()
      .proxies.find((p) => p.nodeId === 'ratings-mtls')
      ?.types.find((t) => t.typeUrl === T.listener);
    assert.equal(lds?.lastNack, undefined, JSON.stringify(lds?.lastNack));

    const channel = (nodeId: string, sa: string, labels: Record<string, string>) => {
      const c = new grpc.Client(TARGET, new xds.XdsChannelCredentials(grpc.credentials.createInsecure()), {
        'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': bootstrap(cpAddress, nodeId, labels, certificateProviders(dir, sa)),
      });
      clients.push(c);
      return c;
    };
    const reviews = channel('reviews-mtls', 'reviews', CLIENT_LABELS);
    const frontend = channel('frontend-mtls', 'frontend', { app: 'frontend', version: 'v1' });
    const ok = await call(reviews);
    assert.deepEqual(ok, { code: grpc.status.OK, details: '', from: 'ratings-1' });
    const denied = await call(frontend);
    assert.equal(grpc.status[denied.code], 'PERMISSION_DENIED', JSON.stringify(denied));

    // A plaintext channel (no xDS credentials) to the same address cannot complete a handshake.
    const plain = new grpc.Client(address, grpc.credentials.createInsecure());
    clients.push(plain);
    const refused = await new Promise<grpc.status>((resolve) =>
      plain.makeUnaryRequest(ECHO, json.serialize, json.deserialize, {}, new grpc.Metadata(), { deadline: Date.now() + 2_000 }, (e) => resolve(e ? e.code : grpc.status.OK)),
    );
    assert.notEqual(refused, grpc.status.OK);
    console.log(`mTLS: serving after ${servingMs.toFixed(0)} ms, checks done after ${(performance.now() - started).toFixed(0)} ms; plaintext → ${grpc.status[refused]}`);
  });
});
