import type { CodeDefinition, Diagnostic } from '../diagnostics/index.ts';
import type { PolicyModel } from '../model/types.ts';

/** One semantic check. Analyzers are pure: the model in, findings out, never a throw. */
export interface Analyzer {
  /** Short kebab-case name, shown by `sluice validate --explain` and in docs. */
  name: string;
  /** Every code this analyzer can report. */
  codes: readonly CodeDefinition[];
  run(model: PolicyModel): Diagnostic[];
}
