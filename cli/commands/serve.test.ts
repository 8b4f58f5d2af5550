// `sluice serve` and `sluice status` end to end: the real binary on a copy of the example
// mesh, a raw SotW ADS client as a proxyless gRPC node, file edits, a broken file, SIGTERM.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RESOURCE_TYPE_URLS as T } from '../../compiler/xds/index.ts';
import { resourceJson, resourceName, SotwClient } from '../../proxy/testing/client.ts';
import type { DiscoveryResponse } from '../../proxy/wire/index.ts';
import { renderTable, statusRows, syncState } from './status.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repo, 'bin', 'sluice.mjs');
const work = mkdtempSync(join(tmpdir(), 'sluice-serve-'));
const policies = join(work, 'policies');
const canary = join(policies, 'reviews-canary.yaml');
const ROUTE = 'reviews.shop.svc.cluster.local:9080';

function sluice(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repo, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** Weights of the reviews route's `primary` rule, as the proxy received them. */
function reviewsWeights(r: DiscoveryResponse): number[] {
  const route = r.resources.map(resourceJson).find((j) => j.name === ROUTE) as { virtualHosts: { routes: { name?: string; route?: { weightedClusters?: { clusters: { weight: number }[] } } }[] }[] };
  const primary = route.virtualHosts.flatMap((v) => v.routes).find((x) => x.name === 'primary');
  return primary?.route?.weightedClusters?.clusters.map((c) => c.weight) ?? [];
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sluice serve', () => {
  let child: ChildProcess;
  let exited: Promise<number | null>;
  const logs: LogLine[] = [];
  let xds = '';
  let http = '';
  let client: SotwClient;

  before(async () => {
    cpSync(join(repo, 'policies'), policies, { recursive: true });
    child = spawn(process.execPath, [bin, 'serve', policies, '--xds-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0', '--debounce-ms', '50'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    let buffered = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
    });
    await until(() => logs.some((l) => typeof l.httpAddress === 'string'), 30_000);
    const started = logs.find((l) => typeof l.httpAddress === 'string') as LogLine;
    xds = started.xdsAddress as string;
    http = started.httpAddress as string;
  });

  after(async () => {
    client?.close();
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const r = await fetch(`http://${http}${path}`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('logs the bound addresses at startup and is ready', async () => {
    assert.match(xds, /^127\.0\.0\.1:\d+$/);
    assert.match(http, /^127\.0\.0\.1:\d+$/);
    assert.equal((await get('/readyz')).status, 200);
  });

  it('serves a proxyless gRPC node its class, compiled when it connects', async () => {
    client = new SotwClient({ address: xds, node: { id: 'frontend-1', metadata: { GENERATOR: 'grpc', NAMESPACE: 'shop', LABELS: { app: 'frontend' } } } });
    client.subscribe(T.listener, ['*']);
    const lds = await client.nextOf(T.listener, 10_000);
    assert.ok(lds.resources.map(resourceName).includes(ROUTE));
    client.ack(lds);
    client.subscribe(T.cluster, ['*']);
    const cds = await client.nextOf(T.cluster);
    client.ack(cds);
    client.subscribe(T.clusterLoadAssignment, cds.resources.map(resourceName));
    client.ack(await client.nextOf(T.clusterLoadAssignment));
    client.subscribe(T.routeConfiguration, [ROUTE]);
    const rds = await client.nextOf(T.routeConfiguration);
    assert.deepEqual(reviewsWeights(rds), [90, 10]);
    client.ack(rds);
    await new Promise((r) => setTimeout(r, 300));
    while (client.inbox.unread > 0) client.ack(await client.next());
  });

  it('sluice status shows the node SYNCED on every type', async () => {
    await until(async () => ((await get('/debug/proxies')).body.proxies as { state: string }[])[0]?.state === 'converged');
    const run = await sluice(['status', '--http-address', http]);
    assert.equal(run.code, 0, run.stderr);
    const [header, row] = run.stdout.trim().split('\n');
    assert.match(header ?? '', /^NAME\s+CLASS\s+FLAVOR\s+CDS\s+LDS\s+EDS\s+RDS\s+VERSION$/);
    assert.match(row ?? '', /^frontend-1\s+grpc\/shop\/app=frontend\s+grpc\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+local\/\w+$/);
  });

  let lastRdsVersion = '';
  it('pushes a new RouteConfiguration when the reviews weights change on disk', async () => {
    writeFileSync(canary, readFileSync(canary, 'utf8').replace('weight: 90', 'weight: 50').replace('weight: 10', 'weight: 50'));
    const rds = await client.nextOf(T.routeConfiguration, 10_000);
    assert.deepEqual(reviewsWeights(rds), [50, 50]);
    client.ack(rds);
    lastRdsVersion = rds.versionInfo;
  });

  it('keeps serving the last good snapshot when a file breaks, and says where', async () => {
    const good = readFileSync(canary, 'utf8');
    const versionBefore = ((await get('/debug/snapshots')).body.snapshots as { version: string }[])[0]?.version;
    writeFileSync(canary, good.replace('weight: 50\n', 'weight: [50\n'));
    await until(() => logs.some((l) => l.level === 'warn' && /reviews-canary\.yaml:\d+:\d+/.test(l.msg)));
    await client.expectNone(400);
    const ready = await get('/readyz');
    assert.equal(ready.status, 200);
    assert.match(String(ready.body.reason), /last good/);
    const snapshots = (await get('/debug/snapshots')).body as { snapshots: { version: string }[]; policy: { lastFailed: { errors: number; findings: string[] } | null } };
    assert.equal(snapshots.snapshots[0]?.version, versionBefore);
    assert.ok((snapshots.policy.lastFailed?.errors ?? 0) > 0);
    assert.match(snapshots.policy.lastFailed?.findings[0] ?? '', /reviews-canary\.yaml:\d+:\d+/);

    // Fixed the way editors save: a new file renamed over the old one.
    writeFileSync(`${canary}.tmp`, good.replace('weight: 50', 'weight: 70').replace('weight: 50', 'weight: 30'));
    renameSync(`${canary}.tmp`, canary);
    const rds = await client.nextOf(T.routeConfiguration, 10_000);
    assert.notEqual(rds.versionInfo, lastRdsVersion);
    assert.deepEqual(reviewsWeights(rds), [70, 30]);
    client.ack(rds);
    assert.equal(((await get('/debug/snapshots')).body.policy as { lastFailed: unknown }).lastFailed, null);
    const metrics = await (await fetch(`http://${http}/metrics`)).text();
    assert.match(metrics, /sluice_xds_pushes_total\{type="rds"\} [3-9]/);
    assert.match(metrics, /sluice_compile_errors_total\{stage="validate"\} [1-9]/);
  });

  it('shuts down on SIGTERM with exit code 0', async () => {
    client.close();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});

describe('sluice serve and status, failing', () => {
  it('refuses to serve a policy with errors: prints them, exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-serve-bad-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x, namespace: shop}\nspec:\n  hosts: [a]\n  http: [[\n');
      const run = await sluice(['serve', dir, '--xds-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /bad\.yaml:\d+:\d+/);
      assert.match(run.stderr, /sluice serve: the policy has \d+ error\(s\); nothing served/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sluice status exits 2 with one line when the server cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const run = await sluice(['status', '--http-address', `127.0.0.1:${port}`]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /^sluice status: cannot reach sluice serve at http:\/\/127\.0\.0\.1:\d+\/debug\/proxies \(ECONNREFUSED\)/);
  });

  it('names each type SYNCED, STALE, NACKED (version) or NOT SENT', () => {
    const t = { typeUrl: 'x.Cluster', versionSent: 'v2', nonceSent: '2', versionAcked: 'v2', pending: 0 };
    assert.equal(syncState(t), 'SYNCED');
    assert.equal(syncState({ ...t, versionAcked: 'v1', pending: 1 }), 'STALE');
    assert.equal(syncState({ ...t, versionAcked: 'v1', lastNack: { versionInfo: 'v2', nonce: '2', message: 'no' } }), 'NACKED (v2)');
    assert.equal(syncState(undefined), 'NOT SENT');
    const table = renderTable(statusRows([{ nodeId: 'n', classKey: 'envoy/default', flavor: 'envoy', types: [t] }]));
    assert.equal(table, 'NAME  CLASS          FLAVOR  CDS     LDS       EDS       RDS       VERSION\nn     envoy/default  envoy   SYNCED  NOT SENT  NOT SENT  NOT SENT  -\n');
  });
});
