import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { Resource, Snapshot } from '../compiler/index.ts';
import { RESOURCE_TYPE_URLS as T } from '../compiler/xds/index.ts';
import type { ServerInternals } from './server.ts';
import { SotwClient } from './testing/client.ts';
import { startServer } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';
import { cluster, endpoints, ENVOY_DEFAULT, snapshotOf } from './testing/resources.ts';

const KEY = ENVOY_DEFAULT.key;

const COUNT = 800;
const serviceName = (i: number) => `outbound|8080||service-${i}.default.svc.cluster.local`;
const unchanging: Resource[] = [];
for (let i = 1; i < COUNT; i++) unchanging.push(cluster(serviceName(i)), endpoints(serviceName(i), [[`10.${(i >> 8) & 255}.${i & 255}.1`, 8080]]));

/**
 * Enough clusters and endpoints that one push is bigger than a flow-control window (64 KiB);
 * `variant` changes one cluster and its endpoints.
 */
function large(revision: string, variant = 0): Snapshot {
  const first = serviceName(0);
  return snapshotOf(revision, [cluster(first, `${variant + 1}s`), endpoints(first, [[`10.255.0.${variant % 250}`, 8080]]), ...unchanging]);
}

/** Nothing held for any stream: no stream, watcher, proxy, waiter, timer or listener. */
function assertNothingLeft(internals: ServerInternals): void {
  assert.deepEqual(
    { ...internals, cache: { ...internals.cache, classes: 0 } },
    {
      streams: 0,
      blockedStreams: 0,
      cache: { classes: 0, watchers: 0, loading: 0, debouncePending: false },
      registry: { proxies: 0, waiters: 0, timers: 0, listeners: 0 },
    },
  );
}

async function settle(h: Harness): Promise<void> {
  await h.until(() => h.server.internals().streams === 0 && h.server.internals().registry.proxies === 0, 5_000);
  // Let a pending debounce fire and its (empty) delivery run.
  await new Promise((r) => setTimeout(r, 100));
}

describe('stream lifecycle', () => {
  it('a client that disconnects in the middle of a push leaves nothing behind', async () => {
    const h = await startServer({ debounce: { afterMs: 1, maxMs: 10 } });
    try {
      h.cache.setSnapshot(KEY, large('big1'));
      const clients: SotwClient[] = [];
      for (let i = 0; i < 12; i++) {
        const c = h.sotw({ id: `leaver-${i}` });
        c.subscribe(T.cluster);
        c.subscribe(T.clusterLoadAssignment);
        clients.push(c);
      }
      // Half leave as soon as the first response of their push arrives (EDS is still being
      // written), the other half while a new version is being pushed to them.
      await Promise.all(clients.slice(0, 6).map(async (c) => {
        await c.nextOf(T.cluster, 5_000);
        c.cancel();
      }));
      await Promise.all(clients.slice(6).map((c) => c.nextOf(T.cluster, 5_000)));
      h.cache.setSnapshot(KEY, large('big2', 1));
      h.cache.flush();
      for (const c of clients.slice(6)) c.cancel();
      h.cache.setSnapshot(KEY, large('big3', 2));
      await settle(h);
      assertNothingLeft(h.server.internals());
    } finally {
      await h.close();
    }
  });

  it('a client that stops reading is sent the newest state when it catches up, not every version', async () => {
    const h = await startServer({ debounce: { afterMs: 1, maxMs: 10 } });
    try {
      h.cache.setSnapshot(KEY, large('slow0', 0));
      const c = h.sotw({ id: 'slow' });
      c.subscribe(T.cluster);
      c.ack(await c.nextOf(T.cluster, 5_000));
      (c as unknown as { call: grpc.ClientDuplexStream<Buffer, unknown> }).call.pause();
      let last = large('slow0', 0);
      for (let v = 1; v <= 40 && h.server.internals().blockedStreams === 0; v++) {
        last = large(`slow${v}`, v);
        h.cache.setSnapshot(KEY, last);
        h.cache.flush();
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(h.server.internals().blockedStreams, 1, 'the stream is waiting for its client');
      // While it waits, new versions are not queued behind it…
      for (let v = 41; v <= 45; v++) {
        last = large(`slow${v}`, v);
        h.cache.setSnapshot(KEY, last);
        h.cache.flush();
      }
      (c as unknown as { call: grpc.ClientDuplexStream<Buffer, unknown> }).call.resume();
      // …it gets the newest one once it reads again.
      await h.until(() => c.inbox.received.at(-1)?.versionInfo === last.version, 10_000);
      const versions = c.inbox.received.map((r) => r.versionInfo);
      for (let v = 41; v < 45; v++) assert.ok(!versions.includes(large(`slow${v}`, v).version), `slow${v} was coalesced away`);
      c.cancel();
      await settle(h);
      assertNothingLeft(h.server.internals());
    } finally {
      await h.close();
    }
  });

  it('a stream that leaves while its class is still compiling leaves nothing behind', async () => {
    let finish: (s: Snapshot) => void = () => {};
    const h = await startServer({ snapshotFor: () => new Promise<Snapshot>((r) => (finish = r)) });
    try {
      const c = h.sotw({ id: 'impatient' });
      c.subscribe(T.cluster);
      await h.until(() => h.server.internals().cache.loading === 1);
      c.cancel();
      await h.until(() => h.server.internals().streams === 0);
      finish(snapshotOf('late', [cluster('a')]));
      await settle(h);
      assertNothingLeft(h.server.internals());
    } finally {
      await h.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('ends every stream with UNAVAILABLE, waits for them, and leaves nothing behind', async () => {
    const h = await startServer();
    h.cache.setSnapshot(KEY, snapshotOf('g1', [cluster('a')]));
    const sotw = h.sotw();
    sotw.subscribe(T.cluster);
    sotw.ack(await sotw.nextOf(T.cluster));
    const delta = h.delta();
    delta.request({ typeUrl: T.cluster });
    await delta.nextOf(T.cluster);
    const pending = h.server.registry.waitForConvergence({ classKey: KEY, snapshotVersion: 'never' });
    const result = await h.server.close({ timeoutMs: 2_000 });
    assert.deepEqual(result, { forced: false, streams: 2 });
    assert.equal((await sotw.status).code, grpc.status.UNAVAILABLE);
    assert.equal((await delta.status).code, grpc.status.UNAVAILABLE);
    // The waiter is answered, not left hanging: with every proxy gone, nobody runs another version.
    assert.equal((await pending).proxies, 0);
    assertNothingLeft({ ...h.server.internals(), registry: h.server.registry.internals() });
    // No new streams afterwards.
    const late = new SotwClient({ address: h.address, node: { id: 'late' } });
    late.subscribe(T.cluster);
    assert.equal((await late.status).code, grpc.status.UNAVAILABLE);
    late.close();
    await h.close();
  });

  it('cuts connections that outlive the timeout', async () => {
    const h = await startServer();
    // A call of another service on the same server that never ends by itself.
    const path = '/test.Hang/Hang';
    const pass = (b: Buffer) => b;
    h.server.grpcServer.addService(
      { Hang: { path, requestStream: true, responseStream: true, requestSerialize: pass, requestDeserialize: pass, responseSerialize: pass, responseDeserialize: pass } },
      { Hang: () => {} },
    );
    const client = new grpc.Client(h.address, grpc.credentials.createInsecure());
    const call = client.makeBidiStreamRequest(path, pass, pass);
    call.on('error', () => {});
    call.write(Buffer.from('hello'));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const result = await h.server.close({ timeoutMs: 150 });
    assert.equal(result.forced, true);
    assert.ok(Date.now() - started < 1_000);
    client.close();
    await h.close();
  });
});
