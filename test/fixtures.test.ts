// The table of bad inputs: every file under fixtures/invalid/ declares, in `# expect: CODE line N`
// comments, exactly the findings sluice must report for it when validated alone (and compiled,
// for the proxy class a `# compile: FLAVOR NAMESPACE [k=v,...]` line names).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { allCodes } from '../compiler/index.ts';
import { expectationsOf, fixtureFindings } from '../scripts/fixture-findings.ts';
import type { Expectation } from '../scripts/fixture-findings.ts';

const root = join(import.meta.dirname, '..', 'fixtures', 'invalid');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : /\.ya?ml$/.test(entry.name) ? [join(dir, entry.name)] : []));
}

const key = (e: Expectation) => `${e.code} line ${e.line}`;

/**
 * Codes no single file can show: they need options (SLU1005, SLU1013: see the loader tests),
 * a missing path (SLU1011, SLU1012), a schema shape no upstream CRD has (SLU2013, the
 * fallback when no alternative of an anyOf explains the error), a rollout weight overlay (SLU7007:
 * a compile option the rollout controller passes; see the route tests), or a bug in sluice (SLU9001).
 */
const notFromAFile = new Set(['SLU1005', 'SLU1011', 'SLU1012', 'SLU1013', 'SLU2013', 'SLU7007', 'SLU9001']);

const files = walk(root);

describe('fixtures/invalid', () => {
  it('holds at least 80 bad inputs', () => {
    assert.ok(files.length >= 80, `only ${files.length} fixtures`);
  });

  const seen = new Set<string>();
  for (const file of files) {
    const name = relative(root, file);
    it(name, async () => {
      const expected = expectationsOf(file);
      assert.ok(expected.length > 0, `${name} has no "# expect: CODE line N" comment`);
      const result = await fixtureFindings(file);
      const actual = result.diagnostics.filter((d) => d.severity !== 'info' || expected.some((e) => e.code === d.code));
      assert.deepEqual(
        actual.map((d) => key(d)).sort(),
        expected.map(key).sort(),
        actual.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`).join('\n'),
      );
      for (const d of actual) {
        seen.add(d.code);
        assert.equal(d.file, file);
        assert.ok(d.line >= 1 && d.col >= 1, `${d.code} has no position`);
        assert.ok(d.hint && d.hint.length > 10, `${d.code} has no hint`);
        assert.ok(d.message.length > 10, `${d.code} has no message`);
      }
    });
  }

  it('together show every diagnostic code that a policy file can cause', () => {
    const missing = allCodes()
      .map((c) => c.code)
      .filter((code) => !notFromAFile.has(code) && !code.startsWith('SLU8') && !seen.has(code));
    assert.deepEqual(missing, [], `codes without a fixture: ${missing.join(', ')}`);
  });
});
