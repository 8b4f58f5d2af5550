// `npm run bench`: every benchmark, one after the other, each printing a markdown table.
// Benchmarks measure; they never assert. Results are copied into bench/README.md by hand.
import { cpus, totalmem } from 'node:os';

const suites = process.argv.slice(2);
const all: Record<string, () => Promise<void>> = {
  validate: async () => (await import('./validate.bench.ts')).run(),
  compile: async () => (await import('./compile.bench.ts')).run(),
  fanout: async () => (await import('./fanout.bench.ts')).run(),
  judge: async () => (await import('./judge.bench.ts')).run(),
  gitops: async () => (await import('./gitops.bench.ts')).run(),
};

console.log(`# sluice benchmarks — ${new Date().toISOString().slice(0, 10)}`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);
for (const [name, run] of Object.entries(all)) {
  if (suites.length > 0 && !suites.includes(name)) continue;
  console.log(`## ${name}\n`);
  await run();
  console.log('');
}
