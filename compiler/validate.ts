import { analyze } from './analyze/index.ts';
import { compareDiagnostics } from './diagnostics/index.ts';
import type { Diagnostic } from './diagnostics/index.ts';
import { loadPaths, loadSources } from './load/index.ts';
import type { LoadOptions, LoadResult, LoadedFile, SourceFile } from './load/index.ts';
import { buildModel } from './model/index.ts';
import type { PolicyModel } from './model/index.ts';
import { validateDocument } from './schema/index.ts';

export interface ValidateOptions extends LoadOptions {
  /** The namespace whose selector-less policies apply mesh-wide. Default `istio-system`. */
  rootNamespace?: string;
}

export interface ValidationResult {
  diagnostics: Diagnostic[];
  files: Map<string, LoadedFile>;
  documentCount: number;
  model: PolicyModel;
}

function locationKey(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}`;
}

/**
 * Schema → model → analyzers over what the loader produced.
 *
 * Documents with schema errors still enter the model (its builder takes any JSON), so that
 * one typo in a DestinationRule does not cascade into "subset not defined" on every route
 * that uses it; an analyzer finding at the very spot of a schema error is dropped as a repeat.
 */
export function validateLoaded(loaded: LoadResult, options: ValidateOptions = {}): ValidationResult {
  const schemaDiagnostics = loaded.documents.flatMap((doc) => validateDocument(doc));
  const { model, diagnostics: modelDiagnostics } = buildModel(loaded.documents, { rootNamespace: options.rootNamespace });
  const schemaErrorsAt = new Set(schemaDiagnostics.filter((d) => d.severity === 'error').map(locationKey));
  const semantic = [...modelDiagnostics, ...analyze(model)].filter((d) => !schemaErrorsAt.has(locationKey(d)));
  const diagnostics = [...loaded.diagnostics, ...schemaDiagnostics, ...semantic].sort(compareDiagnostics);
  return { diagnostics, files: loaded.files, documentCount: loaded.documents.length, model };
}

/** Validates in-memory files (a git tree, a pull request, a test). Pure. */
export function validateSources(sources: readonly SourceFile[], options: ValidateOptions = {}): ValidationResult {
  return validateLoaded(loadSources(sources, options), options);
}

/** Validates files and directories on disk. */
export async function validatePaths(paths: readonly string[], options: ValidateOptions = {}): Promise<ValidationResult> {
  return validateLoaded(await loadPaths(paths, options), options);
}
