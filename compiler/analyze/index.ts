import { defineCode, diagnostic } from '../diagnostics/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import type { PolicyModel } from '../model/types.ts';
import { networkingAnalyzers } from './networking/index.ts';
import { rolloutAnalyzers } from './rollouts/index.ts';
import { securityAnalyzers } from './security/index.ts';
import type { AnalyzerCache } from './cache.ts';
import type { Analyzer } from './types.ts';

export type { Analyzer } from './types.ts';
export { AnalyzerCache } from './cache.ts';

export const analyzers: readonly Analyzer[] = [...networkingAnalyzers, ...securityAnalyzers, ...rolloutAnalyzers];

export const ANALYZER_FAILED = defineCode({
  code: 'SLU9001',
  stage: 'model',
  severity: 'error',
  title: 'An analyzer failed on this input',
  hint: 'This is a bug in sluice, not in your policy: please report it with the file that triggers it.',
});

function runOne(analyzer: Analyzer, model: PolicyModel): Diagnostic[] {
  try {
    return analyzer.run(model);
  } catch (error) {
    const first = model.documents[0];
    const at = first ? first.locate([]) : { file: '<policy>', line: 1, col: 1, endLine: 1, endCol: 1, path: '' };
    return [diagnostic(ANALYZER_FAILED, at, `analyzer ${analyzer.name} failed: ${(error as Error).message}`)];
  }
}

/** Runs every analyzer. One analyzer's bug becomes a diagnostic, never a crash of the whole run. */
export function analyze(model: PolicyModel): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const analyzer of analyzers) for (const d of runOne(analyzer, model)) out.push(d);
  return out;
}

/**
 * `analyze` after a change: analyzers whose inputs are the same objects as in the previous
 * run through `cache` keep their findings (see cache.ts). Same result as `analyze(model)`.
 */
export function analyzeIncrementally(model: PolicyModel, cache: AnalyzerCache, changedFiles: ReadonlySet<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const analyzer of analyzers) for (const d of cache.run(analyzer, model, changedFiles, runOne)) out.push(d);
  return out;
}
