// The ControlPlane's seams with a policy source of the test's own: publishing a model under a
// revision (versions `<rev>/<hash>`), all-or-nothing publishes when a live class does not
// compile, weight overlays that return the versions to wait on, and admin routes with bodies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateSources } from '../../compiler/index.ts';
import { RESOURCE_TYPE_URLS as T } from '../../compiler/xds/index.ts';
import { resourceJson, resourceName, SotwClient } from '../testing/client.ts';
import type { DiscoveryResponse } from '../wire/index.ts';
import { ControlPlane } from './control-plane.ts';
import { attemptOf } from './file-source.ts';
import type { PolicySink, PolicySource, PolicyUpdate } from './policy-source.ts';
import { AdminHttpError } from './server.ts';

const policies = fileURLToPath(new URL('../../policies/', import.meta.url));
const files = ['services.yaml', 'traffic.yaml', 'security.yaml', 'reviews-canary.yaml'].map((f) => ({ path: f, content: readFileSync(policies + f, 'utf8') }));
const ROUTE = 'reviews.shop.svc.cluster.local:9080';

function update(revision: string, edit: (canary: string) => string = (s) => s): PolicyUpdate {
  const sources = files.map((f) => (f.path === 'reviews-canary.yaml' ? { ...f, content: edit(f.content) } : f));
  const validation = validateSources(sources);
  return { model: validation.model, revision, attempt: attemptOf(validation, revision) };
}

/** A source that publishes what the test tells it to. */
class TestSource implements PolicySource {
  readonly kind = 'test';
  sink!: PolicySink;
  start(sink: PolicySink) {
    this.sink = sink;
    return Promise.resolve({ ok: true as const });
  }
  close() {
    return Promise.resolve();
  }
  waitingFor() {
    return 'the test has not published yet';
  }
}

function primaryWeights(r: DiscoveryResponse): number[] {
  const route = r.resources.map(resourceJson).find((j) => j.name === ROUTE) as { virtualHosts: { routes: { name?: string; route?: { weightedClusters?: { clusters: { weight: number }[] } } }[] }[] };
  const primary = route.virtualHosts.flatMap((v) => v.routes).find((x) => x.name === 'primary');
  return primary?.route?.weightedClusters?.clusters.map((c) => c.weight) ?? [];
}

describe('ControlPlane seams', () => {
  const source = new TestSource();
  const plane = new ControlPlane({ source, xdsAddress: '127.0.0.1:0', httpAddress: '127.0.0.1:0', pushDebounceMs: 5 });
  let client: SotwClient;
  let http = '';
  const received: { headers: Record<string, unknown>; body: unknown }[] = [];

  before(async () => {
    plane.admin.route({
      method: 'POST',
      path: '/api/things/*',
      maxBodyBytes: 64,
      handler: (req) => {
        if (req.headers['x-fail'] === 'yes') throw new AdminHttpError(409, 'conflict on purpose');
        received.push({ headers: { signature: req.headers['x-signature'] }, body: req.json() });
        return { status: 201, body: { path: req.path, bytes: req.body.byteLength } };
      },
    });
    plane.admin.route({ method: 'GET', path: '/debug/things', handler: () => ({ status: 200, body: 'plain text\n' }) });
    const started = await plane.start();
    assert.ok(started.ok);
    http = started.httpAddress;
    client = new SotwClient({ address: started.xdsAddress, node: { id: 'frontend-1', metadata: { GENERATOR: 'grpc', NAMESPACE: 'shop', LABELS: { app: 'frontend' } } } });
  });
  after(async () => {
    client.close();
    await plane.close(1_000);
  });

  /** Subscribes to everything and ACKs, returning the RDS response. */
  async function connect(): Promise<DiscoveryResponse> {
    client.subscribe(T.listener, ['*']);
    client.ack(await client.nextOf(T.listener, 10_000));
    client.subscribe(T.cluster, ['*']);
    const cds = await client.nextOf(T.cluster);
    client.ack(cds);
    client.subscribe(T.clusterLoadAssignment, cds.resources.map(resourceName));
    client.ack(await client.nextOf(T.clusterLoadAssignment));
    client.subscribe(T.routeConfiguration, [ROUTE]);
    const rds = await client.nextOf(T.routeConfiguration);
    client.ack(rds);
    return rds;
  }

  it('is not ready before the source publishes, and says why', async () => {
    const r = await fetch(`http://${http}/readyz`);
    assert.equal(r.status, 503);
    assert.match(((await r.json()) as { reason: string }).reason, /the test has not published yet/);
  });

  it('publishes a model under a revision: snapshot versions are <revision>/<hash>', async () => {
    const first = await source.sink.publish(update('1111111111111111111111111111111111111111'));
    assert.ok(first.ok);
    assert.equal(first.versions.size, 0, 'no proxy yet: nothing compiled');
    const rds = await connect();
    assert.deepEqual(primaryWeights(rds), [90, 10]);
    assert.match(rds.versionInfo, /^1{40}\//);
    const snapshots = (await (await fetch(`http://${http}/debug/snapshots`)).json()) as { snapshots: { version: string }[]; policy: { source: string; revision: string } };
    assert.equal(snapshots.policy.source, 'test');
    assert.equal(snapshots.policy.revision, '1'.repeat(40));
    assert.match(snapshots.snapshots[0]?.version ?? '', /^1{40}\//);
  });

  it('publishes to every live class and returns the versions, which the proxies ACK', async () => {
    const outcome = await source.sink.publish(update('2222222222222222222222222222222222222222', (s) => s.replace('weight: 90', 'weight: 70').replace('weight: 10', 'weight: 30')));
    assert.ok(outcome.ok);
    const version = outcome.versions.get('grpc/shop/app=frontend');
    assert.match(version ?? '', /^2{40}\//);
    const rds = await client.nextOf(T.routeConfiguration, 5_000);
    assert.deepEqual(primaryWeights(rds), [70, 30]);
    client.ack(rds);
    while (client.inbox.unread > 0) client.ack(await client.next());
    const acks = await plane.waitForAcks(outcome.versions, { timeoutMs: 5_000 });
    assert.equal(acks.converged, true);
  });

  it('publishes nothing when a live class does not compile, and the last good keeps serving', async () => {
    // Validation would refuse a negative weight; a source that skipped it reaches verify, which must.
    const outcome = await source.sink.publish(update('3333333333333333333333333333333333333333', (s) => s.replace('weight: 90', 'weight: 110').replace('weight: 10', 'weight: -10')));
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.diagnostics.some((d) => d.code === 'SLU7100'));
    await client.expectNone(200);
    const state = plane.policyState();
    assert.equal(state.revision, '2'.repeat(40));
    assert.ok(state.lastFailed && state.lastFailed.findings.some((f) => /SLU7100/.test(f)));
  });

  it('setOverlays recompiles every live class with the weights and returns the versions to wait on', async () => {
    const outcome = await plane.setOverlays([{ namespace: 'shop', virtualService: 'reviews', route: 'primary', weights: { v1: 40, v2: 60 } }]);
    assert.ok(outcome.ok);
    const version = outcome.versions.get('grpc/shop/app=frontend') ?? '';
    assert.match(version, /^2{40}\//, 'the revision stays the commit; the hash changes');
    const rds = await client.nextOf(T.routeConfiguration, 5_000);
    assert.deepEqual(primaryWeights(rds), [40, 60]);
    client.ack(rds);
    assert.equal((await plane.waitForAcks(outcome.versions, { timeoutMs: 5_000 })).converged, true);
    // Still in force for the next policy publish.
    const next = await source.sink.publish(update('4444444444444444444444444444444444444444', (s) => s.replace('weight: 90', 'weight: 80').replace('weight: 10', 'weight: 20')));
    assert.ok(next.ok);
    assert.match(next.versions.get('grpc/shop/app=frontend') ?? '', /^4{40}\//);
    // The routes the proxy has are the same (40/60): nothing of RDS is pushed again.
    await client.expectNone(200);
    const cleared = await plane.setOverlays([]);
    assert.ok(cleared.ok);
    const back = await client.nextOf(T.routeConfiguration, 5_000);
    assert.deepEqual(primaryWeights(back), [80, 20]);
    client.ack(back);
  });

  it('serves added admin routes with their bodies and headers; 405, 413, handler errors', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) => fetch(`http://${http}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const ok = await post('/api/things/reviews', '{"step":2}', { 'x-signature': 'abc' });
    assert.equal(ok.status, 201);
    assert.deepEqual(await ok.json(), { path: '/api/things/reviews', bytes: 10 });
    assert.deepEqual(received.at(-1), { headers: { signature: 'abc' }, body: { step: 2 } });
    assert.equal((await post('/api/things/x', 'not json')).status, 400);
    assert.equal((await post('/api/things/x', 'x'.repeat(100))).status, 413);
    const conflict = await post('/api/things/x', '{}', { 'x-fail': 'yes' });
    assert.equal(conflict.status, 409);
    assert.deepEqual(await conflict.json(), { error: 'conflict on purpose' });
    const wrongMethod = await fetch(`http://${http}/api/things/x`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    const text = await fetch(`http://${http}/debug/things`);
    assert.equal(await text.text(), 'plain text\n');
    assert.equal((await fetch(`http://${http}/healthz`)).status, 200);
    assert.throws(() => plane.admin.route({ method: 'GET', path: '/debug/things', handler: () => ({ status: 200 }) }), /already registered/);
  });
});
