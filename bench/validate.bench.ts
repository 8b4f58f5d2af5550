import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, buildModel, loadPaths, validateDocument, validatePaths } from '../compiler/index.ts';
import { generateMesh, writeMesh } from './support/generate-mesh.ts';
import { median, ms, table } from './support/measure.ts';

const SIZES = [1_000, 10_000];
const RUNS = 3;

export async function run(): Promise<void> {
  const rows: string[][] = [];
  for (const services of SIZES) {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
    try {
      await writeMesh(dir, generateMesh({ services }));
      const samples = { load: [] as number[], schema: [] as number[], model: [] as number[], analyze: [] as number[], total: [] as number[] };
      let documents = 0;
      let findings = 0;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const loaded = await loadPaths([dir]);
        const t1 = performance.now();
        for (const doc of loaded.documents) validateDocument(doc);
        const t2 = performance.now();
        const { model } = buildModel(loaded.documents);
        const t3 = performance.now();
        analyze(model);
        const t4 = performance.now();
        samples.load.push(t1 - t0);
        samples.schema.push(t2 - t1);
        samples.model.push(t3 - t2);
        samples.analyze.push(t4 - t3);
        const whole = await validatePaths([dir]);
        samples.total.push(performance.now() - t4);
        documents = whole.documentCount;
        findings = whole.diagnostics.length;
      }
      const bin = join(import.meta.dirname, '..', 'bin', 'sluice.mjs');
      const started = performance.now();
      const cli = spawnSync(process.execPath, [bin, 'validate', dir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const cold = performance.now() - started;
      if (cli.status !== 0) throw new Error(`sluice validate exited ${cli.status}: ${cli.stderr}`);
      rows.push([
        services.toLocaleString('en-US'),
        documents.toLocaleString('en-US'),
        ms(median(samples.load)),
        ms(median(samples.schema)),
        ms(median(samples.model)),
        ms(median(samples.analyze)),
        ms(median(samples.total)),
        ms(cold),
        String(findings),
        `${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(`\`validatePaths\` on a generated repo read from disk (median of ${RUNS} runs, warm process). Goal: 10,000 services < 2 s.\n`);
  console.log(table(['services', 'documents', 'load', 'schema', 'model', 'analyze', 'total (validatePaths)', '`sluice validate` cold process', 'findings', 'rss'], rows));
}
