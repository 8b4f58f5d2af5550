import { compileModel, EntryCache, ResourceWalks, proxyClass, translate, validateSources, ValidationCache, verifyTranslated, buildSnapshot } from '../compiler/index.ts';
import type { Flavor, SourceFile } from '../compiler/index.ts';
import { generateMesh } from './support/generate-mesh.ts';
import { median, ms, table } from './support/measure.ts';

const SIZES = [1_000, 10_000];
/** Full compiles of 10,000 services vary with where a major garbage collection falls: a median of 5. */
const RUNS = 5;
/** Edits are cheap: more of them, so that one garbage collection does not make the median. */
const EDITS = 15;

/** The mesh with the split of service `i`'s VirtualService set to `stable`/100-`stable`. */
function withSplit(files: readonly SourceFile[], i: number, stable: number): SourceFile[] {
  return files.map((f, j) => (j === i ? { path: f.path, content: String(f.content).replace('weight: 90', `weight: ${stable}`).replace('weight: 10', `weight: ${100 - stable}`) } : f));
}

/**
 * Full compile of one proxy class, and recompile after one VirtualService edit through the
 * caches a serve loop keeps (ValidationCache + EntryCache).
 *
 * Full compile: each run validates the repository afresh first (new documents, new model),
 * so nothing a translator memoizes by object identity survives from the previous run.
 */
export async function run(): Promise<void> {
  const rows: string[][] = [];
  const stageRows: string[][] = [];
  for (const services of SIZES) {
    const files = generateMesh({ services });
    for (const flavor of ['envoy', 'grpc'] as Flavor[]) {
      const proxy = proxyClass(flavor, 'team-0', { app: 'svc-0', version: 'v1' });
      const full: number[] = [];
      const stages = { translate: [] as number[], verify: [] as number[], snapshot: [] as number[] };
      let resources = 0;
      for (let i = 0; i < RUNS; i++) {
        const { model } = validateSources(files);
        const started = performance.now();
        const result = compileModel(model, proxy, { cache: new EntryCache() });
        full.push(performance.now() - started);
        resources = result.resources.length;
        const fresh = validateSources(files).model;
        // as compileModel does: the large kinds are verified as they are built, the rest after;
        // the versions verify found go to the snapshot
        const walks = new ResourceWalks();
        const t0 = performance.now();
        const translated = translate(fresh, proxy, { built: (r) => walks.walkAhead(r) });
        const t1 = performance.now();
        verifyTranslated(translated.resources, fresh, undefined, walks);
        const t2 = performance.now();
        buildSnapshot('local', proxy, translated.resources, new EntryCache(), walks);
        const t3 = performance.now();
        stages.translate.push(t1 - t0);
        stages.verify.push(t2 - t1);
        stages.snapshot.push(t3 - t2);
      }

      // The serve loop: caches kept across reloads. The first compile and a first edit (which
      // freezes the reused resources once) are not timed; each timed run edits another service.
      const validation = new ValidationCache();
      const entries = new EntryCache();
      compileModel(validateSources(files, { cache: validation }).model, proxy, { cache: entries });
      compileModel(validateSources(withSplit(files, 0, 85), { cache: validation }).model, proxy, { cache: entries });
      const again: number[] = [];
      const againValidate: number[] = [];
      const againCompile: number[] = [];
      for (let i = 0; i < EDITS; i++) {
        const edited = withSplit(files, (i + 1) * 7, 80 - i);
        const started = performance.now();
        const next = validateSources(edited, { cache: validation });
        const validated = performance.now();
        compileModel(next.model, proxy, { cache: entries });
        const done = performance.now();
        again.push(done - started);
        againValidate.push(validated - started);
        againCompile.push(done - validated);
      }
      const count = services.toLocaleString('en-US');
      rows.push([count, flavor, resources.toLocaleString('en-US'), ms(median(full)), `${ms(median(again))} (max ${ms(Math.max(...again))})`, ms(median(againValidate)), ms(median(againCompile))]);
      stageRows.push([count, flavor, ms(median(stages.translate)), ms(median(stages.verify)), ms(median(stages.snapshot))]);
    }
  }
  console.log(`One proxy class; full compiles: median of ${RUNS}, edits: median of ${EDITS}. Goals: 10,000 services fully compiled < 1 s; a one-file change recompiled < 50 ms.\n`);
  console.log(
    table(
      ['services', 'flavor', 'resources', 'full compile (translate + verify + snapshot)', 'one VirtualService changed (validate + compile, cached)', 'of which validate', 'of which compile'],
      rows,
    ),
  );
  console.log('\nFull compile by stage (each stage timed alone, median):\n');
  console.log(table(['services', 'flavor', 'translate (+ verify of the large kinds, as they are built)', 'verify (the rest, and the snapshot consistency)', 'snapshot'], stageRows));
}
