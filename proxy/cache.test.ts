import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proxyClass } from '../compiler/index.ts';
import type { ProxyClass, Snapshot } from '../compiler/index.ts';
import { SnapshotCache } from './cache.ts';
import type { SnapshotPublished } from './cache.ts';
import { memoryLogger } from './logger.ts';
import { cluster, snapshotOf } from './testing/resources.ts';

const A = proxyClass('envoy', 'a');
const B = proxyClass('grpc', 'b', { app: 'reviews' });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('SnapshotCache', () => {
  it('compiles a class on demand, once however many of its streams connect', () => {
    const asked: string[] = [];
    const cache = new SnapshotCache({
      snapshotFor: (proxy) => {
        asked.push(proxy.key);
        return snapshotOf('r1', [cluster(`c-${proxy.namespace}`)], proxy);
      },
    });
    const first = cache.watch(A, () => {});
    const second = cache.watch(A, () => {});
    assert.deepEqual(asked, ['envoy/a/']);
    assert.equal(first.snapshot?.proxy.key, 'envoy/a/');
    assert.equal(second.snapshot, first.snapshot);
    assert.equal(cache.getSnapshot(A.key), first.snapshot);
    first.cancel();
    second.cancel();
    cache.close();
  });

  it('waits for an asynchronous compile and hands its result to every waiting stream', async () => {
    let resolve: (s: Snapshot) => void = () => {};
    let calls = 0;
    const cache = new SnapshotCache({
      snapshotFor: () => {
        calls++;
        return new Promise<Snapshot>((r) => (resolve = r));
      },
    });
    const got: string[] = [];
    const w1 = cache.watch(B, (s) => got.push(`1:${s.revision}`));
    const w2 = cache.watch(B, (s) => got.push(`2:${s.revision}`));
    assert.equal(w1.snapshot, undefined);
    assert.equal(cache.internals().loading, 1);
    resolve(snapshotOf('compiled', [cluster('x')], B));
    await tick();
    assert.equal(calls, 1);
    assert.deepEqual(got.sort(), ['1:compiled', '2:compiled']);
    assert.equal(cache.internals().loading, 0);
    w1.cancel();
    w2.cancel();
    cache.close();
  });

  it('keeps a setSnapshot that lands while the provider compiles (it is newer)', async () => {
    let resolve: (s: Snapshot) => void = () => {};
    const cache = new SnapshotCache({ snapshotFor: () => new Promise<Snapshot>((r) => (resolve = r)), debounce: { afterMs: 0 } });
    const watch = cache.watch(A, () => {});
    cache.setSnapshot(A.key, snapshotOf('pushed', [cluster('p')], A));
    resolve(snapshotOf('stale-compile', [cluster('s')], A));
    await tick();
    assert.equal(cache.getSnapshot(A.key)?.revision, 'pushed');
    watch.cancel();
    cache.close();
  });

  it('remembers a class without configuration until refresh, and survives a failing provider', async () => {
    const logger = memoryLogger();
    let calls = 0;
    let fail = false;
    const cache = new SnapshotCache({
      logger,
      snapshotFor: () => {
        calls++;
        if (fail) throw new Error('compile exploded');
        return undefined;
      },
    });
    const w1 = cache.watch(A, () => {});
    const w2 = cache.watch(A, () => {});
    assert.equal(calls, 1);
    assert.ok(logger.records.some((r) => r.level === 'info' && r.fields.classKey === 'envoy/a/'));
    fail = true;
    await cache.refresh();
    assert.equal(calls, 2);
    assert.ok(logger.records.some((r) => r.level === 'error' && r.message.includes('failed')));
    w1.cancel();
    w2.cancel();
    cache.close();
  });

  it('publishes each new version once, and delivers to watchers after the debounce', async () => {
    const cache = new SnapshotCache({ debounce: { afterMs: 10 } });
    const published: SnapshotPublished[] = [];
    cache.events.on('publish', (p) => published.push(p));
    const delivered: string[] = [];
    const watch = cache.watch(A, (s) => delivered.push(s.revision));
    const s1 = snapshotOf('one', [cluster('x')], A);
    cache.setSnapshot(A.key, s1);
    cache.setSnapshot(A.key, s1);
    assert.equal(published.length, 1);
    assert.equal(published[0]?.classKey, A.key);
    assert.equal(typeof published[0]?.at, 'number');
    assert.deepEqual(delivered, []);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(delivered, ['one']);
    // A class nobody watches is stored but starts no timer.
    cache.setSnapshot(B.key, snapshotOf('b', [cluster('y')], B));
    assert.equal(cache.internals().debouncePending, false);
    watch.cancel();
    cache.close();
  });

  it('refresh recompiles the classes that have streams and forgets the others', async () => {
    let revision = 1;
    const asked: string[] = [];
    const cache = new SnapshotCache({
      debounce: { afterMs: 0 },
      snapshotFor: (proxy: ProxyClass) => {
        asked.push(`${proxy.key}@${revision}`);
        return snapshotOf(`rev${revision}`, [cluster(`c${revision}`)], proxy);
      },
    });
    const revisions: string[] = [];
    const live = cache.watch(A, (s) => revisions.push(s.revision));
    const idle = cache.watch(B, () => {});
    idle.cancel();
    assert.deepEqual(cache.liveClasses().map((c) => c.key), [A.key]);
    revision = 2;
    await cache.refresh();
    cache.flush();
    assert.deepEqual(asked, ['envoy/a/@1', 'grpc/b/app=reviews@1', 'envoy/a/@2']);
    assert.deepEqual(revisions, ['rev2']);
    assert.equal(cache.getSnapshot(B.key), undefined, 'the idle class is compiled again when a proxy of it connects');
    assert.equal(cache.snapshots().length, 1);
    live.cancel();
    cache.close();
    assert.deepEqual(cache.internals(), { classes: 1, watchers: 0, loading: 0, debouncePending: false });
  });
});
