/**
 * GitOps: commit → every proxy ACKed, triggered by the GitHub push webhook.
 *
 * The server is `sluice serve --repo` as the cli composes it (ControlPlane + GitPolicySource,
 * default 100 ms push debounce), in this process, following a real bare origin of the
 * generated 1,000-service mesh (bench/support/generate-mesh.ts). 100 raw SotW ADS clients run
 * in a forked child (bench/support/fanout-clients.ts, autoAck), subscribed to the resources of
 * 5 services. Per round: svc-1's VirtualService weights change in a commit that is pushed to
 * the origin, then a signed push webhook is POSTed to /hooks/github. Measured:
 *
 * - webhook → all ACKed: the server's own figure (/debug/commits `ackedAfterMs`: from the
 *   webhook's arrival to the registry seeing every proxy ACK the commit's snapshots);
 * - the stages of that time from the commit record: git fetch, reading the tree (ls-tree +
 *   cat-file), validation (incremental), compile + publish to the cache; the rest is the push
 *   debounce, the pushes and the ACKs;
 * - POST → seen: from sending the webhook to this process seeing the record ACKed (polling
 *   /debug/commits every 5 ms, so up to 5 ms more).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Webhooks } from '@octokit/webhooks';
import { GitPolicySource } from '../cli/commands/serve-git.ts';
import { compileModel, proxyClass, validateSources } from '../compiler/index.ts';
import type { SourceFile } from '../compiler/index.ts';
import { RESOURCE_TYPE_URLS as T } from '../compiler/xds/index.ts';
import type { CommitRecord, GitSyncStatus } from '../gitops/index.ts';
import { createTestRepo } from '../gitops/testing/repo.ts';
import type { TestRepo } from '../gitops/testing/repo.ts';
import { ControlPlane } from '../proxy/admin/control-plane.ts';
import { silentLogger } from '../proxy/index.ts';
import type { FanoutCommand, FanoutReply } from './support/fanout-clients.ts';
import { generateMesh } from './support/generate-mesh.ts';
import { median, ms, table } from './support/measure.ts';

const SERVICES = 1_000;
const PROXIES = 100;
const TARGETS = 5;
const ROUNDS = 7;
const CASES = [{ classes: 1 }, { classes: 10 }];
const SECRET = 'bench-secret';
const CLIENT_SCRIPT = new URL('./support/fanout-clients.ts', import.meta.url).pathname;
const sleep = (msecs: number) => new Promise((r) => setTimeout(r, msecs));

class Clients {
  private readonly child: ChildProcess;
  private readonly waiting: ((r: FanoutReply) => void)[] = [];
  constructor() {
    this.child = fork(CLIENT_SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FanoutReply) => this.waiting.shift()?.(m));
  }
  ask(command: FanoutCommand): Promise<FanoutReply> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send(command);
    });
  }
  async close(): Promise<void> {
    await this.ask({ cmd: 'close' });
    await new Promise((r) => this.child.once('exit', r));
  }
}

/** What a proxy of each class subscribes to: the resources of svc-1 … svc-TARGETS. */
function subscriptions(files: SourceFile[], labels: Record<string, string>): { typeUrl: string; names: string[] }[] {
  const snapshot = compileModel(validateSources(files).model, proxyClass('grpc', 'team-0', labels)).snapshot;
  const hosts = Array.from({ length: TARGETS }, (_, i) => `svc-${i + 1}.team-0.svc.cluster.local`);
  const pick = (typeUrl: string, match: (name: string) => boolean) => ({ typeUrl, names: [...(snapshot.resources.get(typeUrl as never)?.keys() ?? [])].filter(match) });
  const clusterOf = (n: string) => hosts.some((h) => n.endsWith(`|${h}`));
  const listenerOf = (n: string) => hosts.some((h) => n === `${h}:8080`);
  return [pick(T.cluster, clusterOf), pick(T.clusterLoadAssignment, clusterOf), pick(T.listener, listenerOf), pick(T.routeConfiguration, listenerOf)];
}

interface Round {
  record: CommitRecord;
  seenMs: number;
}

async function runCase(files: SourceFile[], classes: number): Promise<Round[]> {
  const repo: TestRepo = await createTestRepo({ files: Object.fromEntries(files.map((f) => [f.path, String(f.content)])) });
  const stateDir = mkdtempSync(join(tmpdir(), 'sluice-bench-state-'));
  const source = new GitPolicySource({ repo: repo.origin, branch: 'main', path: '', stateDir, pollExpression: undefined, webhookSecret: SECRET, logger: silentLogger });
  const plane = new ControlPlane({ source, xdsAddress: '127.0.0.1:0', httpAddress: '127.0.0.1:0', logger: silentLogger });
  source.attach(plane);
  const started = await plane.start();
  if (!started.ok) throw new Error('the generated mesh does not validate');
  const http = `http://${started.httpAddress}`;
  const commits = async () => (await (await fetch(`${http}/debug/commits`)).json()) as GitSyncStatus;
  while ((await commits()).lastGood === undefined) await sleep(20);

  const clients = new Clients();
  for (let c = 0; c < classes; c++) {
    const labels = { app: `svc-${c}`, version: 'v1' };
    await clients.ask({ cmd: 'xds', address: started.xdsAddress, streams: PROXIES / classes, channels: Math.max(1, 10 / classes), names: subscriptions(files, labels), node: { namespace: 'team-0', labels } });
  }
  while (plane.xds.registry.status().proxies.filter((p) => p.state === 'converged').length < PROXIES) await sleep(20);

  const signer = new Webhooks({ secret: SECRET });
  const svc1 = files[1] as SourceFile;
  const rounds: Round[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const v1 = 80 - round;
    const sha = await repo.commit({ [svc1.path]: String(svc1.content).replace('weight: 90', `weight: ${v1}`).replace('weight: 10', `weight: ${100 - v1}`) }, `svc-1: ${v1}/${100 - v1}`);
    await repo.push();
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
    const signature = await signer.sign(body);
    const t0 = performance.now();
    const response = await fetch(`${http}/hooks/github`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature } });
    if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
    let record: CommitRecord | undefined;
    for (;;) {
      record = (await commits()).commits.find((c) => c.sha === sha);
      if (record?.status === 'rejected') throw new Error(`commit rejected: ${JSON.stringify(record.diagnostics[0])}`);
      if (record?.ackedAfterMs !== undefined) break;
      await sleep(5);
    }
    const seenMs = performance.now() - t0;
    // Round 0 warms up (ajv compiles the schemas of the kinds in use, caches fill).
    if (round > 0) rounds.push({ record, seenMs });
  }
  await clients.close();
  await plane.close(1_000);
  repo.dispose();
  rmSync(stateDir, { recursive: true, force: true });
  return rounds;
}

export async function run(): Promise<void> {
  const files = generateMesh({ services: SERVICES });
  const rows: string[][] = [];
  for (const { classes } of CASES) {
    const rounds = await runCase(files, classes);
    const pick = (f: (r: Round) => number) => ms(median(rounds.map(f)));
    const acked = rounds.map((r) => r.record.ackedAfterMs ?? NaN);
    const timing = (key: 'fetchMs' | 'readMs' | 'validateMs' | 'publishMs') => pick((r) => r.record.timings?.[key] ?? NaN);
    const stages = (r: Round) => (r.record.timings?.fetchMs ?? 0) + (r.record.timings?.readMs ?? 0) + (r.record.timings?.validateMs ?? 0) + (r.record.timings?.publishMs ?? 0);
    rows.push([
      SERVICES.toLocaleString('en'),
      String(PROXIES),
      String(classes),
      timing('fetchMs'),
      timing('readMs'),
      timing('validateMs'),
      timing('publishMs'),
      pick((r) => (r.record.ackedAfterMs ?? NaN) - stages(r)),
      `${ms(median(acked))} (max ${ms(Math.max(...acked))})`,
      pick((r) => r.seenMs),
    ]);
  }
  console.log(
    table(
      ['services', 'proxies', 'classes', 'git fetch', 'read tree', 'validate', 'compile + publish', 'debounce + push + ACK', 'webhook → all ACKed (median, max)', 'POST → seen'],
      rows,
    ),
  );
  console.log(`\nMedian of ${ROUNDS} commits after one warm-up; each commit changes svc-1's VirtualService weights, pushed to a bare origin, announced by a signed push webhook.`);
}
