/**
 * The real data plane: a @grpc/grpc-js-xds channel configured by this server, routing a real
 * RPC to a backend the test starts, and NACKing what it cannot use.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { proxyClass } from '../compiler/index.ts';
import { RESOURCE_TYPE_URLS as T } from '../compiler/xds/index.ts';
import type { NackEvent, PushEvent } from './registry.ts';
import { startServer } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';
import { directResponseRoute, grpcService, snapshotOf } from './testing/resources.ts';

const HOST = 'echo.test:80';
const ECHO = '/test.Echo/Echo';
const pass = (b: Buffer) => b;
const GRPC_CLASS = proxyClass('grpc', 'default');

function call(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(ECHO, pass, pass, Buffer.from('ping'), { deadline: Date.now() + 10_000 }, (error, reply) => {
      if (error) reject(error);
      else resolve(reply?.toString() ?? '');
    });
  });
}

describe('grpc-js-xds against the server', () => {
  let h: Harness;
  let backend: grpc.Server;
  let backendPort = 0;
  let served = 0;
  let client: grpc.Client;

  before(async () => {
    grpcXds.register();
    backend = new grpc.Server();
    backend.addService(
      { Echo: { path: ECHO, requestStream: false, responseStream: false, requestSerialize: pass, requestDeserialize: pass, responseSerialize: pass, responseDeserialize: pass } },
      {
        Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          served++;
          callback(null, Buffer.from(`pong from ${backendPort}`));
        },
      },
    );
    backendPort = await new Promise<number>((resolve, reject) => backend.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))));
    h = await startServer();
    h.cache.setSnapshot(GRPC_CLASS.key, snapshotOf('good', grpcService(HOST, [['127.0.0.1', backendPort]]), GRPC_CLASS));
    const bootstrap = {
      xds_servers: [{ server_uri: h.address, channel_creds: [{ type: 'insecure' }] }],
      node: { id: 'grpc-client-1', locality: {}, metadata: { NAMESPACE: 'default' } },
    };
    client = new grpc.Client(`xds:///${HOST}`, grpc.credentials.createInsecure(), {
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
    });
  });

  after(async () => {
    client.close();
    await h.close();
    backend.forceShutdown();
  });

  it('routes a real RPC to the backend through LDS → RDS → CDS → EDS', async () => {
    assert.equal(await call(client), `pong from ${backendPort}`);
    assert.equal(served, 1);
    const proxy = h.server.registry.status().proxies.find((p) => p.nodeId === 'grpc-client-1');
    assert.equal(proxy?.flavor, 'grpc');
    assert.equal(proxy?.classKey, GRPC_CLASS.key);
    assert.match(proxy?.userAgent ?? '', /^gRPC Node Pure JS\//);
    const snapshotVersion = h.cache.getSnapshot(GRPC_CLASS.key)?.version ?? '';
    const report = await h.server.registry.waitForConvergence({ classKey: GRPC_CLASS.key, snapshotVersion }, { timeoutMs: 5_000 });
    assert.equal(report.converged, true);
    assert.deepEqual(report.acked, ['grpc-client-1']);
    assert.deepEqual(proxy?.types.map((t) => [t.typeUrl, t.subscribed]), [
      [T.cluster, ['outbound|echo.test:80']],
      [T.clusterLoadAssignment, ['outbound|echo.test:80']],
      [T.listener, [HOST]],
      [T.routeConfiguration, [HOST]],
    ]);
  });

  it('records grpc-js-xds’s NACK of a route it cannot use, does not resend it, and keeps serving', async () => {
    const nacks: NackEvent[] = [];
    const pushes: PushEvent[] = [];
    const off1 = h.server.registry.events.on('nack', (e) => nacks.push(e));
    const off2 = h.server.registry.events.on('push', (e) => pushes.push(e));
    const [listener, , clusterResource, endpointsResource] = grpcService(HOST, [['127.0.0.1', backendPort]]);
    assert.ok(listener && clusterResource && endpointsResource);
    const bad = snapshotOf('bad', [listener, directResponseRoute(HOST, HOST), clusterResource, endpointsResource], GRPC_CLASS);
    h.cache.setSnapshot(GRPC_CLASS.key, bad);
    await h.until(() => nacks.length > 0, 5_000);
    const nack = nacks[0];
    assert.equal(nack?.typeUrl, T.routeConfiguration);
    assert.equal(nack?.nodeId, 'grpc-client-1');
    assert.equal(nack?.error.code, grpc.status.UNAVAILABLE);
    assert.match(nack?.error.message ?? '', /xDS response validation errors/);
    assert.deepEqual(nack?.resourceNames, [HOST]);
    const rds = h.server.registry.status().proxies.find((p) => p.nodeId === 'grpc-client-1')?.types.find((t) => t.typeUrl === T.routeConfiguration);
    assert.match(rds?.lastNack?.message ?? '', /xDS response validation errors/);
    assert.notEqual(rds?.versionAcked, bad.version);
    assert.ok(h.logs.some((l) => l.level === 'warn' && l.fields.nodeId === 'grpc-client-1' && /validation errors/.test(String(l.fields.error))));
    const pushesAtNack = pushes.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(pushes.length, pushesAtNack, 'the rejected version is not sent again');
    assert.equal(nacks.length, 1);
    // The client kept its last good routes.
    assert.equal(await call(client), `pong from ${backendPort}`);
    const report = h.server.registry.convergence({ classKey: GRPC_CLASS.key, snapshotVersion: bad.version });
    assert.equal(report.converged, false);
    assert.equal(report.rejected[0]?.nodeId, 'grpc-client-1');
    off1();
    off2();
  });
});
