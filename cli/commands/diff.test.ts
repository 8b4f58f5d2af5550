import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ValidationResult } from '../../compiler/index.ts';
import { validateSources } from '../../compiler/index.ts';
import { run } from '../main.ts';
import { memoryContext } from '../testing.ts';
import type { PolicySource } from './diff.ts';
import { createDiffCommand } from './diff.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bookinfo = fileURLToPath(new URL('../../../shared/conformance/istio-bookinfo/', import.meta.url));

let root: string;

/** A policy directory in the temp root: bookinfo's platform and DestinationRules plus the given networking files. */
function scenario(name: string, networking: string[], extra: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(bookinfo, 'platform/bookinfo.yaml'), join(dir, 'bookinfo.yaml'));
  copyFileSync(join(bookinfo, 'networking/destination-rule-all.yaml'), join(dir, 'destination-rule-all.yaml'));
  for (const f of networking) copyFileSync(join(bookinfo, 'networking', f), join(dir, f));
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(dir, f), text);
  return name;
}

async function diff(args: string[], io = memoryContext({ cwd: root })) {
  const previous = process.cwd();
  process.chdir(root);
  try {
    const code = await run(['diff', ...args], io.context, [createDiffCommand()]);
    return { code, stdout: io.stdout(), stderr: io.stderr() };
  } finally {
    process.chdir(previous);
  }
}

describe('sluice diff', () => {
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'sluice-diff-'));
    scenario('90-10', ['virtual-service-reviews-90-10.yaml']);
    scenario('50-v3', ['virtual-service-reviews-50-v3.yaml']);
    scenario('all-v1', ['virtual-service-all-v1.yaml']);
    scenario('jason', ['virtual-service-reviews-jason-v2-v3.yaml']);
    scenario('broken-head', ['virtual-service-reviews-50-v3.yaml'], { 'bad.yaml': 'kind: [\n' });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('human: the traffic split per service port and the route that changed', async () => {
    const { code, stdout, stderr } = await diff(['90-10', '50-v3']);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.equal(
      stdout,
      `reviews.default.svc.cluster.local:9080
  traffic  v1 90% → 50%, v2 10% → 0%, v3 0% → 50%
  ~ route all requests  50-v3/virtual-service-reviews-50-v3.yaml:9
      destinations  v1 90%, v2 10% → v1 50%, v3 50%

1 service changed
`,
    );
  });

  it('markdown: a traffic table, then routes and rerouted requests per service', async () => {
    const { code, stdout } = await diff(['all-v1', 'jason', '--format', 'markdown']);
    assert.equal(code, 0);
    assert.equal(
      stdout,
      `**sluice diff**: 4 services changed

| service | before | after |
|---|---|---|
| \`details.default.svc.cluster.local:9080\` | v1 100% | details (all endpoints) 100% |
| \`productpage.default.svc.cluster.local:9080\` | v1 100% | productpage (all endpoints) 100% |
| \`ratings.default.svc.cluster.local:9080\` | v1 100% | ratings (all endpoints) 100% |
| \`reviews.default.svc.cluster.local:9080\` | v1 100% | v3 100% |

**\`details.default.svc.cluster.local:9080\`**
- route \`all requests\` removed: v1 · \`all-v1/virtual-service-all-v1.yaml:48\`

**\`productpage.default.svc.cluster.local:9080\`**
- route \`all requests\` removed: v1 · \`all-v1/virtual-service-all-v1.yaml:9\`

**\`ratings.default.svc.cluster.local:9080\`**
- route \`all requests\` removed: v1 · \`all-v1/virtual-service-all-v1.yaml:35\`

**\`reviews.default.svc.cluster.local:9080\`**
- route \`headers end-user exact "jason"\` added: v2 · \`jason/virtual-service-reviews-jason-v2-v3.yaml:9\`
- route \`all requests\` changed: destinations v1 → v3 · \`jason/virtual-service-reviews-jason-v2-v3.yaml:17\`
- requests matching \`headers end-user exact "jason"\` now go v1 → v2
- all other requests now go v1 → v3
`,
    );
  });

  it('json: the PolicyDiff with what was read on each side', async () => {
    const { code, stdout } = await diff(['--format=json', '90-10', '50-v3']);
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as {
      base: { path: string; documents: number; errors: unknown[] };
      empty: boolean;
      services: { title: string; traffic: { shares: { label: string; before: { num: number; den: number }; after: { percent: number } }[] } }[];
      access: unknown[];
    };
    assert.deepEqual(report.base, { path: '90-10', documents: 19, errors: [] });
    assert.equal(report.empty, false);
    assert.deepEqual(
      report.services[0]?.traffic.shares.map((s) => [s.label, `${s.before.num}/${s.before.den}`, s.after.percent]),
      [['v1', '9/10', 50], ['v2', '1/10', 0], ['v3', '0/1', 50]],
    );
    assert.deepEqual(report.access, []);
  });

  it('no change: exit 0 and says so', async () => {
    const { code, stdout } = await diff(['90-10', '90-10']);
    assert.equal(code, 0);
    assert.equal(stdout, 'no change to traffic, clusters or access\n');
    const json = JSON.parse((await diff(['90-10', '90-10', '--format', 'json'])).stdout) as { empty: boolean; services: unknown[] };
    assert.equal(json.empty, true);
  });

  it('errors in head are reported briefly on stderr; the diff still runs and exits 0', async () => {
    const { code, stdout, stderr } = await diff(['90-10', 'broken-head']);
    assert.equal(code, 0);
    assert.match(stderr, /^sluice diff: head broken-head has 1 validation error; run 'sluice validate broken-head' for details\n$/);
    assert.match(stdout, /traffic {2}v1 90% → 50%, v2 10% → 0%, v3 0% → 50%/);
    assert.match(stdout, /^! head broken-head has 1 validation error \(first: broken-head\/bad\.yaml:\d+:\d+ SLU1001 /m);
  });

  it('exit 2 when a side cannot be read, and on usage errors', async () => {
    const missing = await diff(['90-10', 'nope']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.equal(missing.stderr, 'sluice diff: cannot read nope: no such file or directory\n');
    const cases: [string[], string][] = [
      [['90-10'], "sluice diff: expected BASE and HEAD, got 1 argument (see 'sluice diff --help')"],
      [['a', 'b', 'c'], "sluice diff: expected BASE and HEAD, got 3 arguments (see 'sluice diff --help')"],
      [['a', 'b', '--format', 'sarif'], "sluice diff: invalid value 'sarif' for --format (expected human, json or markdown) (see 'sluice diff --help')"],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await diff(args);
      assert.equal(code, 2, args.join(' '));
      assert.equal(stderr, message + '\n');
    }
  });

  it('reads BASE and HEAD through a pluggable source (what git revisions will use)', async () => {
    const files: Record<string, string> = {
      main: 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{name: http, port: 80}]\n',
    };
    files.feature = `${files.main}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - route:
    - {destination: {host: web, subset: blue}, weight: 1}
    - {destination: {host: web, subset: green}, weight: 2}
`;
    const asked: string[] = [];
    const source: PolicySource = {
      async load(spec, side): Promise<ValidationResult> {
        asked.push(`${side}=${spec}`);
        return validateSources([{ path: `${spec}:policy.yaml`, content: files[spec] ?? '' }]);
      },
    };
    const io = memoryContext();
    const code = await run(['diff', 'main', 'feature'], io.context, [createDiffCommand({ source })]);
    assert.equal(code, 0);
    assert.deepEqual(asked.sort(), ['base=main', 'head=feature']);
    assert.match(io.stdout(), /^web\.shop\.svc\.cluster\.local:80\n {2}traffic {2}web \(all endpoints\) 100% → 0%, blue 0% → 33\.33%, green 0% → 66\.67%\n/);
  });

  it('--help', async () => {
    const { code, stdout } = await diff(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: sluice diff BASE HEAD \[options\]/);
  });
});

describe('sluice diff (end to end)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-diff-e2e-'));
    for (const [side, vs] of [['base', 'virtual-service-all-v1.yaml'], ['head', 'virtual-service-reviews-jason-v2-v3.yaml']] as const) {
      mkdirSync(join(dir, side));
      for (const f of ['platform/bookinfo.yaml', 'networking/destination-rule-all.yaml', `networking/${vs}`]) copyFileSync(join(bookinfo, f), join(dir, side, f.split('/')[1] ?? f));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function sluice(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.FORCE_COLOR;
    delete env.SLUICE_DEBUG;
    return new Promise((resolve) => {
      execFile(process.execPath, [join(repo, 'bin', 'sluice.mjs'), ...args], { cwd: dir, env, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
  }

  it('node bin/sluice.mjs diff base/ head/', async () => {
    const { code, stdout, stderr } = await sluice(['diff', 'base/', 'head/']);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.ok(
      stdout.includes(`reviews.default.svc.cluster.local:9080
  traffic  v1 100% → 0%, v3 0% → 100%
  + route headers end-user exact "jason" → v2  head/virtual-service-reviews-jason-v2-v3.yaml:9
  ~ route all requests  head/virtual-service-reviews-jason-v2-v3.yaml:17
      destinations  v1 → v3
  rerouted
    headers end-user exact "jason": v1 → v2
    all other requests: v1 → v3
`),
      stdout,
    );
    assert.match(stdout, /\n4 services changed\n$/);
    assert.ok(!stdout.includes('\u001b['));
  });

  it('exit 2 for a path that does not exist', async () => {
    const { code, stdout, stderr } = await sluice(['diff', 'base/', 'missing/']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr, 'sluice diff: cannot read missing/: no such file or directory\n');
  });
});
