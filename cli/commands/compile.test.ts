// `sluice compile` end to end: the real binary, the example mesh, a policy with errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repo, 'bin', 'sluice.mjs');
const work = mkdtempSync(join(tmpdir(), 'sluice-compile-'));
after(() => rmSync(work, { recursive: true, force: true }));

function sluice(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repo, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

type Dumped = { '@type': string; name?: string; clusterName?: string; [key: string]: unknown };

describe('sluice compile', () => {
  it('writes the verified resources of the example mesh for a gRPC proxy class', async () => {
    const out = join(work, 'grpc');
    const run = await sluice(['compile', 'policies', '--flavor', 'grpc', '--namespace', 'shop', '--proxy-labels', 'app=frontend,version=v1', '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^compiled grpc\/shop\/app=frontend,version=v1 \(snapshot local\/[0-9a-f]{12}\): 6 clusters, 6 endpoints, 5 listeners, 4 routes/);
    const listeners = JSON.parse(readFileSync(join(out, 'listeners.json'), 'utf8')) as Dumped[];
    assert.ok(listeners.some((l) => l.name === 'reviews.shop.svc.cluster.local:9080' && l['@type'].endsWith('.Listener')));
    assert.ok(listeners.some((l) => l.name === 'grpc/server?xds.resource.listening_address=127.0.0.1:50050'));
    const endpoints = JSON.parse(readFileSync(join(out, 'endpoints.json'), 'utf8')) as Dumped[];
    const v2 = endpoints.find((e) => e.clusterName === 'outbound|9080|v2|reviews.shop.svc.cluster.local');
    assert.match(JSON.stringify(v2), /"portValue":50052/);
  });

  it('writes YAML for an Envoy sidecar class', async () => {
    const out = join(work, 'envoy');
    const run = await sluice(['compile', 'policies', '--namespace', 'shop', '--proxy-labels', 'app=reviews,version=v2', '--out', out, '--format', 'yaml']);
    assert.equal(run.code, 0, run.stderr);
    const routes = parse(readFileSync(join(out, 'routes.yaml'), 'utf8')) as Dumped[];
    assert.deepEqual(
      routes.map((r) => r.name),
      ['9080'],
    );
  });

  it('writes nothing when the policy has errors, and says where', async () => {
    const dir = join(work, 'bad');
    const out = join(work, 'bad-out');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'vs.yaml'), readFileSync(join(repo, 'policies', 'reviews-canary.yaml'), 'utf8').replace('weight: 90', 'weight: -90'));
    const run = await sluice(['compile', dir, '--out', out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /vs\.yaml:\d+:\d+ - error SLU4004/);
    assert.match(run.stderr, /nothing compiled/);
    assert.equal(existsSync(out), false);
  });

  it('rejects bad arguments with exit 2', async () => {
    assert.equal((await sluice(['compile', 'policies'])).code, 2);
    const bad = await sluice(['compile', 'policies', '--out', join(work, 'x'), '--proxy-labels', 'app']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--proxy-labels takes k=v pairs/);
  });
});
