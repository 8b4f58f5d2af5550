/**
 * sluice's policy, compiled for the grpc flavor and served over ADS, routing real RPCs through
 * @grpc/grpc-js-xds channels to echo backends on loopback. Each test asserts where RPCs land
 * and which statuses come back.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { buildSnapshot, EntryCache } from '../../compiler/index.ts';
import { RESOURCE_TYPE_URLS as T } from '../../compiler/xds/index.ts';
import type { NackEvent, PushEvent } from '../../proxy/index.ts';
import { call, callMany, CLIENT_CLASS, compile, HOST, policyYaml, sleep, startBackend, startControlPlane, xdsClient } from './harness.ts';
import type { Backend, ControlPlane, XdsClient } from './harness.ts';

const RC = `${HOST}:9080`;
const split = (v1: number, v2: number) => `  - name: primary
    route:
    - destination: {host: ${HOST}, subset: v1}
      weight: ${v1}
    - destination: {host: ${HOST}, subset: v2}
      weight: ${v2}`;
const canary = `  - name: canary-header
    match:
    - headers:
        x-canary: {exact: "1"}
    route:
    - destination: {host: ${HOST}, subset: v2}`;
const only = (subset: string, extra = '') => `  - name: default
${extra}    route:
    - destination: {host: ${HOST}, subset: ${subset}}`;

/** 5 binomial sigmas around p for n trials. */
function within(count: number, n: number, p: number): boolean {
  return Math.abs(count / n - p) <= 5 * Math.sqrt((p * (1 - p)) / n);
}

describe('data plane: grpc-js-xds routes real RPCs by sluice’s compiled policy', { timeout: 60_000 }, () => {
  let cp: ControlPlane;
  const cleanups: (() => void)[] = [];
  let revision = 0;
  const rev = (name: string) => `${name}-${++revision}`;

  async function backends(...names: string[]): Promise<Backend[]> {
    const started = await Promise.all(names.map((n) => startBackend(n)));
    for (const b of started) cleanups.push(() => b.close());
    return started;
  }
  // One channel for tests 1–8: grpc-js-xds gives a channel with its own bootstrap an xDS
  // client that channel.close() does not close, and with several such leftovers the control
  // plane's close raced their reconnects and left a connection open (the process never exited).
  let shared: XdsClient;
  function client(): XdsClient {
    return shared;
  }
  /** Publishes the policy and waits until the shared channel ACKed it. */
  async function publish(yaml: string, name: string): Promise<string> {
    const { snapshot } = compile(yaml, rev(name));
    cp.publish(snapshot);
    await cp.proxyAcked(shared.nodeId, snapshot.version);
    return snapshot.version;
  }

  before(async () => {
    cp = await startControlPlane();
    const warm = await startBackend('reviews-warm-up');
    try {
      const { snapshot } = compile(policyYaml({ subsets: { v1: [warm] }, http: only('v1') }), rev('warm-up'));
      cp.publish(snapshot);
      shared = xdsClient(cp);
      assert.equal((await call(shared)).from, 'reviews-warm-up');
      await cp.proxyAcked(shared.nodeId, snapshot.version);
    } finally {
      warm.close();
    }
  });
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  after(async () => {
    for (const c of cleanups.splice(0)) c();
    shared?.close();
    await cp.close();
  });

  it('1. weighted split 80/20, then an edited policy 20/80 without restarting the client', async () => {
    const [v1, v2] = await backends('reviews-v1', 'reviews-v2');
    assert.ok(v1 && v2);
    const subsets = { v1: [v1], v2: [v2] };
    await publish(policyYaml({ subsets, http: split(80, 20) }), 'split-80-20');
    const c = client();
    const a = await callMany(c, 2_000, { concurrency: 50 });
    assert.deepEqual(a.codes, { OK: 2_000 });
    assert.ok(within(a.by['reviews-v1'] ?? 0, 2_000, 0.8), `80/20: ${JSON.stringify(a.by)}`);

    await publish(policyYaml({ subsets, http: split(20, 80) }), 'split-20-80');
    const b = await callMany(c, 2_000, { concurrency: 50 });
    assert.deepEqual(b.codes, { OK: 2_000 });
    assert.ok(within(b.by['reviews-v1'] ?? 0, 2_000, 0.2), `20/80: ${JSON.stringify(b.by)}`);
  });

  it('2. header match: x-canary: 1 always lands on v2', async () => {
    const [v1, v2] = await backends('reviews-v1', 'reviews-v2');
    assert.ok(v1 && v2);
    await publish(policyYaml({ subsets: { v1: [v1], v2: [v2] }, http: `${canary}\n${split(90, 10)}` }), 'canary');
    const c = client();
    const canaried = await callMany(c, 200, { metadata: { 'x-canary': '1' } });
    assert.deepEqual(canaried.by, { 'reviews-v2': 200 });
    const plain = await callMany(c, 200);
    assert.ok((plain.by['reviews-v1'] ?? 0) > 150, `without the header most go to v1: ${JSON.stringify(plain.by)}`);
  });

  it('3. fault injection: abort 503 → UNAVAILABLE; fixed delay 300 ms', async () => {
    const [v1] = await backends('reviews-v1');
    assert.ok(v1);
    const abort = `    fault:\n      abort: {httpStatus: 503, percentage: {value: 100}}\n`;
    await publish(policyYaml({ subsets: { v1: [v1] }, http: only('v1', abort) }), 'abort');
    const c = client();
    const aborted = await callMany(c, 20);
    assert.deepEqual(aborted.codes, { UNAVAILABLE: 20 });
    assert.equal(v1.received, 0, 'aborted calls never reach the backend');

    const delay = `    fault:\n      delay: {fixedDelay: 300ms, percentage: {value: 100}}\n`;
    await publish(policyYaml({ subsets: { v1: [v1] }, http: only('v1', delay) }), 'delay');
    const delayed = await callMany(c, 5, { concurrency: 5 });
    assert.deepEqual(delayed.codes, { OK: 5 });
    for (const r of delayed.results) assert.ok(r.elapsedMs >= 295, `delayed ${r.elapsedMs.toFixed(0)} ms`);
  });

  it('4. retries: a backend failing every second call; attempts 3 → ≥ 99% succeed, none → about half fail', async () => {
    const [flaky] = await backends('reviews-v1');
    assert.ok(flaky);
    flaky.behaviour.failEverySecond = true;
    const retries = `    retries: {attempts: 3, retryOn: unavailable, backoff: 10ms}\n`;
    await publish(policyYaml({ subsets: { v1: [flaky] }, http: only('v1', retries) }), 'retries');
    const c = client();
    const withRetries = await callMany(c, 200, { concurrency: 1 });
    assert.ok((withRetries.codes.OK ?? 0) >= 198, `with retries: ${JSON.stringify(withRetries.codes)}`);
    assert.ok(flaky.received > 200, 'failed attempts were retried');

    const none = `    retries: {attempts: 0}\n`;
    await publish(policyYaml({ subsets: { v1: [flaky] }, http: only('v1', none) }), 'no-retries');
    const without = await callMany(c, 200, { concurrency: 1 });
    assert.ok((without.codes.UNAVAILABLE ?? 0) >= 80, `without retries: ${JSON.stringify(without.codes)}`);
  });

  it('5. route timeout 200 ms → DEADLINE_EXCEEDED against a 1 s backend', async () => {
    const [slow] = await backends('reviews-v1');
    assert.ok(slow);
    slow.behaviour.delayMs = 1_000;
    await publish(policyYaml({ subsets: { v1: [slow] }, http: only('v1', '    timeout: 200ms\n') }), 'timeout');
    const c = client();
    const results = await Promise.all([0, 1, 2].map(() => call(c, { deadlineMs: 5_000 })));
    for (const r of results) {
      assert.equal(grpc.status[r.code], 'DEADLINE_EXCEEDED', JSON.stringify(r));
      assert.ok(r.elapsedMs >= 190 && r.elapsedMs < 800, `timed out after ${r.elapsedMs.toFixed(0)} ms`);
    }
  });

  it('6. circuit breaking: http2MaxRequests 1 rejects concurrent excess with UNAVAILABLE', async () => {
    const [slow] = await backends('reviews-v1');
    assert.ok(slow);
    slow.behaviour.delayMs = 600;
    const trafficPolicy = `    connectionPool:\n      http: {http2MaxRequests: 1}`;
    await publish(policyYaml({ subsets: { v1: [slow] }, http: only('v1'), trafficPolicy }), 'breaker');
    const c = client();
    // Warm the channel (config + connection) with one call, then start 5 calls 30 ms apart.
    assert.equal((await call(c)).code, grpc.status.OK);
    const pending: Promise<Awaited<ReturnType<typeof call>>>[] = [];
    for (let i = 0; i < 5; i++) {
      pending.push(call(c));
      await sleep(30);
    }
    const results = await Promise.all(pending);
    const codes = results.map((r) => grpc.status[r.code]);
    assert.equal(codes[0], 'OK', JSON.stringify(codes));
    assert.deepEqual(codes.slice(1), ['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE'], JSON.stringify(results));
    for (const r of results.slice(1)) assert.ok(r.elapsedMs < 500, `rejected without waiting: ${r.elapsedMs.toFixed(0)} ms`);
  });

  it('7. outlier detection ejects an always-failing endpoint; then every RPC succeeds on the healthy one', async () => {
    const [good, bad] = await backends('reviews-v1-a', 'reviews-v1-b');
    assert.ok(good && bad);
    bad.behaviour.failAll = true;
    const trafficPolicy = `    outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 30s}`;
    await publish(policyYaml({ subsets: { v1: [good, bad] }, http: only('v1', '    retries: {attempts: 0}\n'), trafficPolicy }), 'outlier');
    const c = client();
    // Warm-up: batches until a batch no longer reaches the failing endpoint (at most ~5 s).
    const deadline = Date.now() + 5_000;
    let ejected = false;
    while (Date.now() < deadline) {
      const before = bad.received;
      await callMany(c, 20, { concurrency: 2 });
      if (bad.received === before) {
        ejected = true;
        break;
      }
      await sleep(100);
    }
    assert.ok(ejected, `the failing endpoint was not ejected (it received ${bad.received} calls)`);
    const receivedByBad = bad.received;
    const after = await callMany(c, 100, { concurrency: 5 });
    assert.deepEqual(after.codes, { OK: 100 });
    assert.deepEqual(after.by, { 'reviews-v1-a': 100 });
    assert.equal(bad.received, receivedByBad);
  });

  it('8. NACK: a route grpc-js-xds rejects is recorded, not resent, the last good config keeps serving, the next good one is ACKed', async () => {
    const [v1] = await backends('reviews-v1');
    assert.ok(v1);
    const yaml = policyYaml({ subsets: { v1: [v1] }, http: only('v1') });
    const good = compile(yaml, rev('good'));
    cp.publish(good.snapshot);
    const c = client();
    await cp.proxyAcked(c.nodeId, good.snapshot.version);
    assert.equal((await call(c)).from, 'reviews-v1');

    const nacks: NackEvent[] = [];
    const pushes: PushEvent[] = [];
    const off1 = cp.server.registry.events.on('nack', (e) => nacks.push(e));
    const off2 = cp.server.registry.events.on('push', (e) => pushes.push(e));
    try {
      const resources = good.resources.map((r) =>
        r.typeUrl === T.routeConfiguration && r.name === RC
          ? { ...r, json: { name: RC, virtualHosts: [{ name: RC, domains: ['*'], routes: [{ name: 'direct', match: { prefix: '/' }, directResponse: { status: 503 } }] }] } }
          : r,
      );
      const bad = buildSnapshot(rev('bad'), CLIENT_CLASS, resources, new EntryCache());
      cp.publish(bad);
      const deadline = Date.now() + 5_000;
      while (nacks.length === 0 && Date.now() < deadline) await sleep(10);
      assert.equal(nacks.length, 1, 'one NACK');
      assert.equal(nacks[0]?.typeUrl, T.routeConfiguration);
      assert.equal(nacks[0]?.nodeId, c.nodeId);
      const rds = cp.server.registry.status().proxies.find((p) => p.nodeId === c.nodeId)?.types.find((t) => t.typeUrl === T.routeConfiguration);
      assert.match(rds?.lastNack?.message ?? '', /xDS response validation errors/);
      assert.notEqual(rds?.versionAcked, undefined);
      const pushesAtNack = pushes.length;
      await sleep(500);
      assert.equal(pushes.length, pushesAtNack, 'the rejected version is not sent again');
      assert.equal(nacks.length, 1);
      const still = await callMany(c, 20);
      assert.deepEqual(still.by, { 'reviews-v1': 20 }, 'the last good routes keep serving');

      const next = compile(yaml, rev('good-again'));
      cp.publish(next.snapshot);
      // registry.waitForConvergence for the new version returns at once, settled, with the
      // earlier version's NACK as its rejection; poll the stream's status instead.
      const early = await cp.server.registry.waitForConvergence({ classKey: CLIENT_CLASS.key, snapshotVersion: next.snapshot.version }, { timeoutMs: 5_000 });
      const after = await cp.proxyAcked(c.nodeId, next.snapshot.version);
      assert.equal(early.converged, true, `waitForConvergence(next good version) reported ${JSON.stringify(early)}`);
      assert.equal(after?.snapshotAcked, next.snapshot.version);
      assert.equal(after?.state, 'converged');
    } finally {
      off1();
      off2();
    }
  });

  it('9. control-plane restart: clients keep routing while it is down, then reconnect and ACK', async () => {
    // A control plane of its own: the channels of earlier tests leave grpc-js-xds xDS clients
    // behind, and one of them reconnecting during the restart left a connection open for good.
    const own = await startControlPlane();
    try {
      const [v1] = await backends('reviews-v1');
      assert.ok(v1);
      const { snapshot } = compile(policyYaml({ subsets: { v1: [v1] }, http: only('v1') }), rev('restart'));
      own.publish(snapshot);
      const c = xdsClient(own);
      cleanups.push(() => c.close());
      assert.equal((await call(c)).from, 'reviews-v1');
      await own.proxyAcked(c.nodeId, snapshot.version);

      await own.stop();
      const whileDown = await callMany(c, 50);
      assert.deepEqual(whileDown.by, { 'reviews-v1': 50 }, 'routing on the last config');

      await own.restart();
      const proxy = await own.proxyAcked(c.nodeId, snapshot.version, 15_000);
      assert.equal(proxy.state, 'converged');
      assert.equal(proxy.classKey, CLIENT_CLASS.key);
      const afterRestart = await callMany(c, 20);
      assert.deepEqual(afterRestart.by, { 'reviews-v1': 20 });
    } finally {
      for (const c of cleanups.splice(0)) c();
      await own.close();
    }
  });
});
