// The README's diagnostic-code reference is generated; this fails when a code, a hint or an
// example changed without `npm run gen:docs`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { allCodes } from '../compiler/index.ts';
import { renderReadme } from '../scripts/gen-docs.ts';

const repo = join(import.meta.dirname, '..');

it('README.md lists every diagnostic code, with an example, as generated', async () => {
  process.chdir(repo);
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  for (const def of allCodes()) assert.ok(readme.includes(`#### ${def.code} — `), `README.md does not list ${def.code}`);
  assert.equal(readme, await renderReadme(), 'README.md is out of date: run `npm run gen:docs`');
});
