import { defineCode, diagnostic } from '../diagnostics/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import type { PolicyModel } from '../model/types.ts';
import { networkingAnalyzers } from './networking/index.ts';
import { rolloutAnalyzers } from './rollouts/index.ts';
import { securityAnalyzers } from './security/index.ts';
import type { Analyzer } from './types.ts';

export type { Analyzer } from './types.ts';

export const analyzers: readonly Analyzer[] = [...networkingAnalyzers, ...securityAnalyzers, ...rolloutAnalyzers];

export const ANALYZER_FAILED = defineCode({
  code: 'SLU9001',
  stage: 'model',
  severity: 'error',
  title: 'An analyzer failed on this input',
  hint: 'This is a bug in sluice, not in your policy: please report it with the file that triggers it.',
});

/** Runs every analyzer. One analyzer's bug becomes a diagnostic, never a crash of the whole run. */
export function analyze(model: PolicyModel): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const analyzer of analyzers) {
    try {
      out.push(...analyzer.run(model));
    } catch (error) {
      const first = model.documents[0];
      const at = first ? first.locate([]) : { file: '<policy>', line: 1, col: 1, endLine: 1, endCol: 1, path: '' };
      out.push(diagnostic(ANALYZER_FAILED, at, `analyzer ${analyzer.name} failed: ${(error as Error).message}`));
    }
  }
  return out;
}
