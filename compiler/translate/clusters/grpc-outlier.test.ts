/**
 * End to end with the real data plane: a DestinationRule's consecutive-errors outlier
 * detection, compiled for the grpc flavor, makes @grpc/grpc-js-xds eject an endpoint that
 * fails every call. A minimal SotW ADS server (test-only) serves the compiled Cluster and
 * ClusterLoadAssignment, plus a hand-written api_listener routing everything to that cluster.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { encodeResource, EXTENSION_TYPE_URLS, RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { compile } from './test-support.ts';

const require = createRequire(import.meta.url);
const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

interface AnyMessage {
  type_url: string;
  value: Buffer;
}

interface DiscoveryRequest {
  type_url: string;
  resource_names: string[];
}

/** A SotW ADS server for fixed resources: answers each subscription change with what it has of the names asked. */
async function startAds(resources: Map<string, { typeUrl: string; bytes: Uint8Array }>): Promise<{ port: number; server: grpc.Server }> {
  const definition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d)),
  });
  const service = definition['envoy.service.discovery.v3.AggregatedDiscoveryService'] as grpc.ServiceDefinition;
  const server = new grpc.Server();
  let nonce = 0;
  server.addService(service, {
    StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, object>) => {
      const sent = new Map<string, string>();
      call.on('data', (request: DiscoveryRequest) => {
        const names = [...request.resource_names].sort().join('\n');
        if (sent.get(request.type_url) === names) return;
        sent.set(request.type_url, names);
        const found: AnyMessage[] = [];
        for (const name of request.resource_names) {
          const r = resources.get(`${request.type_url}\n${name}`);
          if (r) found.push({ type_url: r.typeUrl, value: Buffer.from(r.bytes) });
        }
        call.write({ version_info: '1', type_url: request.type_url, nonce: String(++nonce), resources: found });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
    DeltaAggregatedResources: (call: grpc.ServerDuplexStream<object, object>) => call.end(),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, server };
}

const METHOD = '/sluice.test.Echo/Call';
const identity = (b: Buffer) => b;

/** A backend that answers OK, or fails every call with UNAVAILABLE. */
async function startBackend(failing: boolean): Promise<{ port: number; server: grpc.Server; calls: () => number }> {
  const server = new grpc.Server();
  let calls = 0;
  server.addService(
    { Call: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    {
      Call: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        calls++;
        if (failing) callback({ code: grpc.status.UNAVAILABLE, details: 'failing on purpose' });
        else callback(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, server, calls: () => calls };
}

function call(client: grpc.Client): Promise<grpc.status> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(METHOD, identity, identity, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (error) => resolve(error ? (error.code ?? grpc.status.UNKNOWN) : grpc.status.OK));
  });
}

const HOST = 'outlier.test.svc.cluster.local';
const CLUSTER = `outbound|9090||${HOST}`;

interface Setup {
  client: grpc.Client;
  healthy: Awaited<ReturnType<typeof startBackend>>;
  failing: Awaited<ReturnType<typeof startBackend>>;
  close(): void;
}

/** Backends, the compiled resources on an ADS server, and an xDS client channel; `adjust` may rewrite the cluster. */
async function setup(adjust?: (cluster: JsonObject) => JsonObject): Promise<Setup> {
  const xds = (await import('@grpc/grpc-js-xds')) as { register(): void };
  xds.register();
  const healthy = await startBackend(false);
  const failing = await startBackend(true);
  const servers = [healthy.server, failing.server];
  const out = compile(
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: outlier, namespace: test}
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9090, name: grpc, protocol: GRPC}]
  endpoints:
  - {address: 127.0.0.1, ports: {grpc: ${healthy.port}}}
  - {address: 127.0.0.1, ports: {grpc: ${failing.port}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: outlier, namespace: test}
spec:
  host: ${HOST}
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 3, interval: 200ms, baseEjectionTime: 1m, maxEjectionPercent: 50}
`,
    'grpc',
    'test',
  );
  assert.deepEqual(out.diagnostics, []);
  const resources = new Map<string, { typeUrl: string; bytes: Uint8Array }>();
  for (const r of out.resources) {
    const json = r.typeUrl === RESOURCE_TYPE_URLS.cluster && adjust ? adjust(r.json) : r.json;
    resources.set(`${r.typeUrl}\n${r.name}`, { typeUrl: r.typeUrl, bytes: encodeResource(r.typeUrl, json) });
  }
  const listenerName = `${HOST}:9090`;
  const listener: JsonObject = {
    name: listenerName,
    apiListener: {
      apiListener: {
        '@type': EXTENSION_TYPE_URLS.httpConnectionManager,
        routeConfig: { name: listenerName, virtualHosts: [{ name: listenerName, domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: CLUSTER } }] }] },
        httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': EXTENSION_TYPE_URLS.router } }],
      },
    },
  };
  resources.set(`${RESOURCE_TYPE_URLS.listener}\n${listenerName}`, { typeUrl: RESOURCE_TYPE_URLS.listener, bytes: encodeResource(RESOURCE_TYPE_URLS.listener, listener) });
  const ads = await startAds(resources);
  servers.push(ads.server);
  const bootstrap = { xds_servers: [{ server_uri: `127.0.0.1:${ads.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }], node: { id: 'outlier-test', locality: {} } };
  const client = new grpc.Client(`xds:///${listenerName}`, grpc.credentials.createInsecure(), { 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap) });
  return {
    client,
    healthy,
    failing,
    close: () => {
      client.close();
      for (const s of servers) s.forceShutdown();
    },
  };
}

/** Calls before and after two ejection intervals: how many failed, and how many reached the failing endpoint afterwards. */
async function exercise(s: Setup): Promise<{ failedBefore: number; failedAfter: number; reachedFailingAfter: number }> {
  const first: grpc.status[] = [];
  for (let i = 0; i < 12; i++) first.push(await call(s.client));
  await new Promise((resolve) => setTimeout(resolve, 700));
  const before = s.failing.calls();
  const second: grpc.status[] = [];
  for (let i = 0; i < 12; i++) second.push(await call(s.client));
  return {
    failedBefore: first.filter((c) => c !== grpc.status.OK).length,
    failedAfter: second.filter((c) => c !== grpc.status.OK).length,
    reachedFailingAfter: s.failing.calls() - before,
  };
}

describe('gRPC outlier detection, end to end with @grpc/grpc-js-xds', () => {
  let compiled: Setup;
  let istioOnly: Setup;
  before(async () => {
    compiled = await setup();
    // what Istio sends (consecutive_* fields only): grpc-js-xds ignores them
    istioOnly = await setup((cluster) => ({ ...cluster, outlierDetection: { enforcingSuccessRate: 0, consecutive5xx: 3, enforcingConsecutive5xx: 100, interval: '0.2s' } }));
  });
  after(() => {
    compiled?.close();
    istioOnly?.close();
  });

  it('sluice\'s failure-percentage form: the endpoint that fails every call is ejected after one interval', async () => {
    const result = await exercise(compiled);
    assert.ok(result.failedBefore >= 3, `round robin reaches the failing endpoint (${result.failedBefore} of 12 failed)`);
    assert.equal(result.failedAfter, 0, 'after ejection every call succeeds');
    assert.equal(result.reachedFailingAfter, 0);
  });

  it('control: with Istio\'s consecutive-errors fields alone the failing endpoint keeps getting calls', async () => {
    const result = await exercise(istioOnly);
    assert.ok(result.failedBefore >= 3);
    assert.ok(result.failedAfter >= 3, `nothing was ejected (${result.failedAfter} of 12 failed afterwards)`);
  });
});
