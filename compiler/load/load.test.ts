import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadPaths, loadSources } from './index.ts';

const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 80
`;

function only(result: { diagnostics: { code: string }[] }, code: string) {
  assert.deepEqual(
    result.diagnostics.map((d) => d.code),
    [code],
    JSON.stringify(result.diagnostics, null, 1),
  );
  return result.diagnostics[0] as (typeof result.diagnostics)[number] & { line: number; col: number; message: string };
}

describe('loadSources', () => {
  it('reads multi-document files and identifies resources', () => {
    const result = loadSources([{ path: 'a.yaml', content: `${vs}---\n# only a comment\n---\n${vs.replace('reviews\nspec', 'ratings\n  namespace: prod\nspec')}` }]);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(
      result.documents.map((d) => [d.kind, d.namespace, d.name, d.index, d.group, d.version]),
      [
        ['VirtualService', 'default', 'reviews', 0, 'networking.istio.io', 'v1'],
        ['VirtualService', 'prod', 'ratings', 2, 'networking.istio.io', 'v1'],
      ],
    );
  });

  it('maps any JSON pointer back to line and column', () => {
    const [doc] = loadSources([{ path: 'a.yaml', content: vs }]).documents;
    assert.ok(doc);
    const weight = doc.locate(['spec', 'http', 0, 'route', 0, 'weight']);
    assert.deepEqual([weight.line, weight.col, weight.endLine, weight.endCol, weight.path], [10, 15, 10, 17, '/spec/http/0/route/0/weight']);
    const key = doc.locate(['spec', 'http', 0, 'route', 0, 'weight'], 'key');
    assert.deepEqual([key.line, key.col], [10, 7]);
    const subset = doc.locate(['spec', 'http', 0, 'route', 0, 'destination', 'subset']);
    assert.deepEqual([subset.line, subset.col, subset.endCol], [9, 44, 46]);
    // A path that does not exist points at its deepest existing ancestor's key.
    const missing = doc.locate(['spec', 'http', 0, 'route', 0, 'destination', 'port', 'number']);
    assert.deepEqual([missing.line, missing.col], [9, 7]);
    assert.equal(missing.path, '/spec/http/0/route/0/destination/port/number');
  });

  it('reports YAML syntax errors with their position and keeps the good documents', () => {
    const result = loadSources([{ path: 'bad.yaml', content: `${vs}---\nkind: [unclosed\n` }]);
    const problem = only(result, 'SLU1001');
    assert.equal(problem.line, 12);
    assert.equal(result.documents.length, 1);
  });

  it('reports duplicate keys naming the key', () => {
    const problem = only(loadSources([{ path: 'dup.yaml', content: vs.replace('  name: reviews\n', '  name: reviews\n  name: other\n') }]), 'SLU1002');
    assert.equal(problem.line, 5);
    assert.match(problem.message, /`name` appears twice/);
  });

  it('reports tabs used as indentation', () => {
    only(loadSources([{ path: 'tab.yaml', content: 'apiVersion: v1\nkind: Service\nmetadata:\n\tname: x\n' }]), 'SLU1003');
  });

  it('stops a YAML alias bomb within bounded time and memory', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((l) => '  ' + l).join('\n')}\n`;
    const started = process.hrtime.bigint();
    const before = process.memoryUsage().heapUsed;
    const problem = only(loadSources([{ path: 'bomb.yaml', content: bomb }]), 'SLU1004');
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.match(problem.message, /more than 100 aliases/);
    // 9^12 strings would be ~280 billion; finishing at all proves the expansion was cut.
    assert.ok(elapsedMs < 5000, `alias bomb took ${elapsedMs} ms`);
    assert.ok(process.memoryUsage().heapUsed - before < 200 * 1024 * 1024);
  });

  it('reports an alias to an undefined anchor', () => {
    only(loadSources([{ path: 'alias.yaml', content: 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: *nowhere\n' }]), 'SLU1015');
  });

  it('rejects non-UTF-8 bytes and points at the first bad one', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('apiVersion: v1\nkind: Se'), 0xff, ...new TextEncoder().encode('rvice\n')]);
    const problem = only(loadSources([{ path: 'latin1.yaml', content: bytes }]), 'SLU1006');
    assert.deepEqual([problem.line, problem.col], [2, 9]);
  });

  it('reports documents that are not mappings or lack apiVersion, kind or name', () => {
    assert.equal(only(loadSources([{ path: 'a.yaml', content: '- 1\n- 2\n' }]), 'SLU1007').line, 1);
    assert.equal(only(loadSources([{ path: 'a.yaml', content: 'kind: Service\nmetadata: {name: x}\n' }]), 'SLU1008').line, 1);
    assert.equal(only(loadSources([{ path: 'a.yaml', content: 'apiVersion: v1\nkind: 7\nmetadata: {name: x}\n' }]), 'SLU1008').line, 2);
    assert.equal(only(loadSources([{ path: 'a.yaml', content: 'apiVersion: v1\nkind: Service\nmetadata:\n  labels: {}\n' }]), 'SLU1009').line, 3);
  });

  it('reports the same identity twice, naming both places', () => {
    const result = loadSources([
      { path: 'one.yaml', content: vs },
      { path: 'two.yaml', content: `# moved\n${vs.replace('apiVersion: networking.istio.io/v1', 'apiVersion: networking.istio.io/v1beta1')}` },
    ]);
    const problem = only(result, 'SLU1010');
    assert.equal(problem.line, 5);
    assert.match(problem.message, /one\.yaml:4:9/);
    assert.equal(result.documents.length, 1);
    // Same name in another namespace, or another kind, is a different resource.
    const distinct = loadSources([
      { path: 'one.yaml', content: vs },
      { path: 'two.yaml', content: vs.replace('name: reviews', 'name: reviews\n  namespace: prod') },
      { path: 'three.yaml', content: vs.replace('VirtualService', 'DestinationRule') },
    ]);
    assert.deepEqual(distinct.diagnostics, []);
  });

  it('enforces the file size limit on in-memory sources', () => {
    only(loadSources([{ path: 'big.yaml', content: 'x'.repeat(2048) }], { maxFileBytes: 1024 }), 'SLU1005');
  });
});

describe('loadPaths', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  async function tree(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-load-'));
    dirs.push(dir);
    return dir;
  }

  it('walks directories recursively, in a stable order, skipping other files and hidden folders', async () => {
    const dir = await tree();
    await mkdir(join(dir, 'b', 'deep'), { recursive: true });
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, 'b', 'deep', 'z.yml'), vs.replace('reviews\nspec', 'z\nspec'));
    await writeFile(join(dir, 'a.yaml'), vs);
    await writeFile(join(dir, 'README.md'), '# not policy');
    await writeFile(join(dir, '.git', 'x.yaml'), vs.replace('reviews\nspec', 'hidden\nspec'));
    await symlink(dir, join(dir, 'b', 'loop'));
    const result = await loadPaths([dir]);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(result.documents.map((d) => d.file), [join(dir, 'a.yaml'), join(dir, 'b', 'deep', 'z.yml')]);
  });

  it('reports a missing path and an empty folder', async () => {
    const dir = await tree();
    only(await loadPaths([join(dir, 'nope')]), 'SLU1011');
    only(await loadPaths([dir]), 'SLU1012');
  });

  it('refuses a 50 MB file without reading it into memory', async () => {
    const dir = await tree();
    const big = join(dir, 'big.yaml');
    const chunk = `${vs}---\n`.repeat(2000);
    await writeFile(big, '');
    const { appendFile } = await import('node:fs/promises');
    while ((await import('node:fs')).statSync(big).size < 50 * 1024 * 1024) await appendFile(big, chunk);
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const problem = only(await loadPaths([big]), 'SLU1005');
    assert.match(problem.message, /over the 8\.0 MiB limit/);
    assert.ok(Date.now() - started < 2000);
    assert.ok(process.memoryUsage().rss - before < 40 * 1024 * 1024);
  });
});
