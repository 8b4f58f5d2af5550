// The state dir's files against a real temp dir: what is written, and what a damaged or foreign
// file gives at start-up (a reason to log, never an exception).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadHistory, loadLastGood, saveHistory, saveLastGood } from './state.ts';
import type { PersistedPolicy } from './state.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-state-'));
  dirs.push(dir);
  return dir;
}

const commit = { sha: 'a'.repeat(40), author: 'Ada', email: 'ada@example.com', date: '2026-11-21T09:00:00Z', subject: 'good', message: 'good' };
const policy = (repo: string): PersistedPolicy => ({ repo, branch: 'main', path: 'mesh', commit, savedAt: '2026-11-21T09:00:01Z', sources: [{ path: 'mesh/a.yaml', content: 'kind: A\n' }] });
const expected = (repo: string) => ({ repo, branch: 'main', path: 'mesh' });

describe('state dir', () => {
  it('keeps no credential of the repository URL, and a rotated token still finds its state', () => {
    const dir = stateDir();
    saveLastGood(dir, policy('https://ci:ghp_OLDTOKEN@git.example.com/acme/mesh.git'));
    const text = readFileSync(join(dir, 'last-good.json'), 'utf8');
    assert.ok(!text.includes('ghp_OLDTOKEN'), text);
    const loaded = loadLastGood(dir, expected('https://ci:ghp_NEWTOKEN@git.example.com/acme/mesh.git'));
    assert.ok(loaded && 'policy' in loaded, JSON.stringify(loaded));
    assert.equal(Buffer.from(loaded.policy.sources[0]!.content).toString(), 'kind: A\n');
  });

  it('names another repository without its credentials', () => {
    const dir = stateDir();
    // A file written before credentials were masked still must not print them.
    saveLastGood(dir, policy('https://git.example.com/acme/old.git'));
    const file = join(dir, 'last-good.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('https://git.example.com', 'https://ci:ghp_STORED@git.example.com'));
    const loaded = loadLastGood(dir, expected('https://ci:ghp_CURRENT@git.example.com/acme/mesh.git'));
    assert.ok(loaded && 'problem' in loaded);
    assert.match(loaded.problem, /holds repo 'https:\/\/\*\*\*@git\.example\.com\/acme\/old\.git', not 'https:\/\/\*\*\*@git\.example\.com\/acme\/mesh\.git'/);
    assert.ok(!/ghp_/.test(loaded.problem), loaded.problem);
  });

  it('gives a reason, not an exception, for a truncated, empty, null or foreign state file', () => {
    for (const content of ['{"format":1,"repo":"x","bra', '', 'null', '[]', '{"format":1,"repo":"/r","branch":"main","path":"mesh","commit":{"sha":"abc"},"sources":[null]}']) {
      const dir = stateDir();
      writeFileSync(join(dir, 'last-good.json'), content);
      const loaded = loadLastGood(dir, expected('/r'));
      assert.ok(loaded && 'problem' in loaded, `${JSON.stringify(content)} gave ${JSON.stringify(loaded)}`);
      assert.match(loaded.problem, /last-good\.json (is not valid JSON \(.*\)|is not a state file this version of sluice wrote); ignoring it/);
    }
  });

  it('leaves the previous file whole and no temp file behind when a write fails', () => {
    const dir = stateDir();
    saveLastGood(dir, policy('/r'));
    saveHistory(dir, [{ sha: 'x' }]);
    // A directory where the temp file goes makes the write fail like a full disk would.
    mkdirSync(join(dir, `last-good.json.${process.pid}.tmp`));
    assert.throws(() => saveLastGood(dir, { ...policy('/r'), commit: { ...commit, sha: 'b'.repeat(40) } }));
    rmSync(join(dir, `last-good.json.${process.pid}.tmp`), { recursive: true });
    // The rename target being a directory makes the rename fail after the temp file was written.
    rmSync(join(dir, 'commits.json'));
    mkdirSync(join(dir, 'commits.json', 'x'), { recursive: true });
    assert.throws(() => saveHistory(dir, [{ sha: 'y' }]));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    const loaded = loadLastGood(dir, expected('/r'));
    assert.ok(loaded && 'policy' in loaded);
    assert.equal(loaded.policy.commit.sha, commit.sha);
    assert.deepEqual(loadHistory(dir), []);
  });
});
