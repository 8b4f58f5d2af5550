import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defineCode } from '../diagnostics/index.ts';
import { validateSources } from '../index.ts';
import { createTranslateContext, FINDINGS_LISTED_PER_CODE, proxyClass } from './index.ts';

const SAMPLE = defineCode({ code: 'SLU7999', stage: 'translate', severity: 'warning', title: 'test finding', hint: 'Nothing to do: a test code.' });

it('lists the first findings of a code with positions and counts the rest in one summary', () => {
  const { model } = validateSources([{ path: 'a.yaml', content: 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n' }]);
  const doc = model.documents[0];
  assert.ok(doc);
  const { ctx, diagnostics } = createTranslateContext(model, proxyClass('grpc', 'default'));
  let located = 0;
  for (let i = 0; i < 1000; i++) {
    ctx.reportAt(SAMPLE, () => (located++, doc.locate(['metadata', 'name'])), `finding ${i}`);
  }
  const found = diagnostics();
  assert.equal(located, FINDINGS_LISTED_PER_CODE, 'positions are computed only for listed findings');
  assert.equal(found.length, FINDINGS_LISTED_PER_CODE + 1);
  const summary = found[found.length - 1];
  assert.match(summary?.message ?? '', /^975 more SLU7999 findings for proxy class grpc\/default\/ are not listed \(25 are\)$/);
  assert.equal(summary?.line, 3);
});
