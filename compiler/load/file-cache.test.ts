import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { validatePaths, ValidationCache } from '../index.ts';
import { FileReadCache } from './files.ts';
import { readPaths } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-file-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HOUR_AGO = new Date(Date.now() - 3_600_000);

function service(name: string, port: number): string {
  return `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: default}\nspec:\n  ports:\n  - {name: http, port: ${port}}\n`;
}

/** Writes a file as if it had been written an hour ago (its metadata settled). */
function writeOld(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  utimesSync(path, HOUR_AGO, HOUR_AGO);
  return path;
}

function contentOf(read: ReturnType<typeof readPaths>, path: string): string | Uint8Array | undefined {
  return read.sources.find((s) => s.path === path)?.content;
}

describe('reading policy files again through a FileReadCache', () => {
  it('keeps the content of files whose metadata did not change, reads changed, added and removed files', () => {
    const a = writeOld('a.yaml', service('a', 80));
    const b = writeOld('b.yaml', service('b', 80));
    // the files' change times are now (utimes sets them): trusted at once here, as they would be 2 s later
    const cache = new FileReadCache({ settleMs: 0 });
    const first = readPaths([dir], {}, cache);
    const second = readPaths([dir], {}, cache);
    assert.equal(contentOf(second, a), contentOf(first, a), 'an unchanged file is not read again (same bytes object)');
    assert.equal(contentOf(second, b), contentOf(first, b));

    writeOld('b.yaml', service('b', 81));
    const c = writeOld('c.yaml', service('c', 80));
    const third = readPaths([dir], {}, cache);
    assert.equal(contentOf(third, a), contentOf(first, a));
    assert.notEqual(contentOf(third, b), contentOf(first, b));
    assert.match(Buffer.from(contentOf(third, b) as Uint8Array).toString(), /port: 81/);
    assert.ok(contentOf(third, c));

    unlinkSync(c);
    const fourth = readPaths([dir], {}, cache);
    assert.deepEqual(fourth.sources.map((s) => s.path), [a, b]);
  });

  it('reads again a file rewritten with the same size and modification time (its change time moves)', () => {
    const path = writeOld('same-size.yaml', service('x', 80));
    const cache = new FileReadCache({ settleMs: 0 });
    readPaths([path], {}, cache);
    writeFileSync(path, service('y', 80));
    utimesSync(path, HOUR_AGO, HOUR_AGO);
    const read = readPaths([path], {}, cache);
    assert.match(Buffer.from(contentOf(read, path) as Uint8Array).toString(), /name: y/);
  });

  it('does not trust the metadata of a file modified just before it was read', () => {
    const path = join(dir, 'fresh.yaml');
    writeFileSync(path, service('fresh', 80));
    const cache = new FileReadCache();
    const first = readPaths([path], {}, cache);
    const second = readPaths([path], {}, cache);
    assert.notEqual(contentOf(second, path), contentOf(first, path), 'read again: a write in the same clock tick would not show in its timestamps');
    unlinkSync(path);
  });

  it('validatePaths with a ValidationCache gives the same result as without after edits', async () => {
    const sub = mkdtempSync(join(dir, 'policy-'));
    for (let i = 0; i < 5; i++) writeFileSync(join(sub, `s${i}.yaml`), service(`s${i}`, 80));
    for (let i = 0; i < 5; i++) utimesSync(join(sub, `s${i}.yaml`), HOUR_AGO, HOUR_AGO);
    const cache = new ValidationCache();
    const view = (r: Awaited<ReturnType<typeof validatePaths>>) => ({ diagnostics: r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`), services: r.model.services.map((s) => `${s.hostname}:${s.ports.map((p) => p.number).join(',')}`) });
    await validatePaths([sub], { cache });
    writeFileSync(join(sub, 's2.yaml'), service('s2', 90));
    writeFileSync(join(sub, 's3.yaml'), 'kind: [broken\n');
    assert.deepEqual(view(await validatePaths([sub], { cache })), view(await validatePaths([sub])));
    writeFileSync(join(sub, 's3.yaml'), service('s3', 91));
    assert.deepEqual(view(await validatePaths([sub], { cache })), view(await validatePaths([sub])));
  });
});
