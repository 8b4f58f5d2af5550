import { buildModel } from '../../model/build.ts';
import { syntheticDocuments } from '../../model/test-helpers.ts';
import { networkingAnalyzers } from './index.ts';
const docs = syntheticDocuments(10_000);
const { model } = buildModel(docs);
for (let round = 0; round < 4; round++) {
  let total = 0;
  const parts: string[] = [];
  for (const a of networkingAnalyzers) {
    const t = performance.now();
    const out = a.run(model);
    const dt = performance.now() - t;
    total += dt;
    parts.push(`${a.name}:${dt.toFixed(0)}${out.length ? `(${out.length})` : ''}`);
  }
  console.log(`total ${total.toFixed(0)}ms  ${parts.join(' ')}`);
}
