// Golden output: the bookinfo scenarios and the example mesh compiled in both flavors, as the
// JSON an Envoy config dump shows. A change of output shows as a diff of fixtures/golden/ in
// review. `UPDATE_GOLDEN=1 npm run test:only -- test/golden` rewrites the files. Run from the repo root.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileModel, proxyClass, validatePaths, validateSources } from '../compiler/index.ts';
import type { Flavor, ProxyClass, SourceFile } from '../compiler/index.ts';
import { bookinfoFile, bookinfoFiles } from './support/bookinfo.ts';

const goldenRoot = join(import.meta.dirname, '..', 'fixtures', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';
const flavors: Flavor[] = ['envoy', 'grpc'];

function check(name: string, sources: SourceFile[] | string, proxy: ProxyClass) {
  return async () => {
    const validation = typeof sources === 'string' ? await validatePaths([sources]) : validateSources(sources);
    const errors = validation.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors, [], 'the input itself must be valid');
    const compiled = compileModel(validation.model, proxy, { revision: 'golden' });
    assert.deepEqual(
      compiled.diagnostics.filter((d) => d.severity === 'error'),
      [],
      'compiled output must verify',
    );
    const dump = `${JSON.stringify(
      {
        proxy: proxy.key,
        version: compiled.snapshot.version,
        resources: compiled.resources.map((r) => ({ '@type': r.typeUrl, ...r.json })),
        diagnostics: compiled.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code} ${d.message}`),
      },
      null,
      2,
    )}\n`;
    const file = join(goldenRoot, `${name}.${proxy.flavor}.json`);
    if (update || !existsSync(file)) {
      mkdirSync(goldenRoot, { recursive: true });
      writeFileSync(file, dump);
      if (!update) assert.fail(`${file} did not exist; it has been written: review it and commit it`);
      return;
    }
    assert.equal(dump, readFileSync(file, 'utf8'), `${name} (${proxy.flavor}) changed: review with UPDATE_GOLDEN=1 and git diff`);
  };
}

describe('golden xDS output', () => {
  const platform = bookinfoFile('platform/bookinfo.yaml');
  const rules = bookinfoFile('networking/destination-rule-all.yaml');
  const scenarios = bookinfoFiles('networking').filter((f) => /virtual-service-(all-v1|reviews-|ratings-test)/.test(f) || f.includes('fault-injection'));
  for (const flavor of flavors) {
    // The caller of reviews and ratings in bookinfo: productpage v1 in default.
    const proxy = proxyClass(flavor, 'default', { app: 'productpage', version: 'v1' });
    for (const scenario of scenarios) {
      const name = scenario.replace(/^networking\//, 'bookinfo-').replace(/\.yaml$/, '');
      const files = scenario.includes('fault-injection') ? [platform, bookinfoFile(scenario)] : [platform, rules, bookinfoFile(scenario)];
      it(`${name} (${flavor})`, check(name, files, proxy));
    }
    it(`bookinfo gateway-api reviews 90-10 (${flavor})`, check('bookinfo-gateway-api-route-reviews-90-10', [platform, bookinfoFile('platform/bookinfo-versions.yaml'), bookinfoFile('gateway-api/route-reviews-90-10.yaml')], proxy));
    it(`example mesh policies/ (${flavor})`, check('policies', 'policies', proxyClass(flavor, 'shop', { app: 'frontend', version: 'v1' })));
  }
});
