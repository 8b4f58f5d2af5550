import { analyze, analyzeIncrementally, AnalyzerCache } from './analyze/index.ts';
import { compareDiagnostics } from './diagnostics/index.ts';
import type { Diagnostic } from './diagnostics/index.ts';
import { FileReadCache, loadPaths, loadSources, loadSourcesIncrementally, ParseCache, readPaths } from './load/index.ts';
import type { LoadOptions, LoadResult, LoadUpdate, LoadedFile, PolicyDocument, SourceFile } from './load/index.ts';
import { buildModel } from './model/index.ts';
import type { PolicyModel } from './model/index.ts';
import { updateModel } from './model/update.ts';
import { validateDocument } from './schema/index.ts';

export interface ValidateOptions extends LoadOptions {
  /** The namespace whose selector-less policies apply mesh-wide. Default `istio-system`. */
  rootNamespace?: string;
  /**
   * Kept between validations of the same policy as it changes (a serve loop, a sync): only
   * what changed is parsed, schema-checked, modelled and analyzed again. The result is the
   * same as without it.
   */
  cache?: ValidationCache;
}

/**
 * What incremental validation keeps between runs: parsed files, schema findings per
 * document, the last model and each analyzer's last findings. One per policy source; not
 * for concurrent use.
 */
export class ValidationCache {
  readonly parse = new ParseCache();
  /** Files on disk whose metadata did not change are not read again (validatePaths). */
  readonly files = new FileReadCache();
  readonly analyzers = new AnalyzerCache();
  readonly schema = new WeakMap<PolicyDocument, Diagnostic[]>();
  model: PolicyModel | undefined;
  rootNamespace: string | undefined;
  /** The last schema findings of all documents, in order (they are often none). */
  schemaList: Diagnostic[] | undefined;
  /** The last model was built from documents with copies dropped (not each file's documents). */
  modelHadRepeats = false;
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

/** `validateLoaded` reusing what `cache` holds from the previous run; same result. */
function validateUpdate(loaded: LoadResult & { update: LoadUpdate }, options: ValidateOptions, cache: ValidationCache): ValidationResult {
  const { update } = loaded;
  const incremental = update.incremental && cache.model !== undefined && cache.rootNamespace === options.rootNamespace;
  // with a resource defined twice the loader drops copies, so documents are not just files' documents: build afresh
  // kept documents that changed order within a file: the model's lists follow document order, so build afresh
  const modelIncremental = incremental && !update.reordered && !cache.parse.hasRepeats && !cache.modelHadRepeats;
  const previous = cache.model;
  // should anything below throw, the next run starts afresh instead of from a half-updated cache
  cache.model = undefined;
  const schemaDiagnostics = schemaFindings(loaded, incremental, cache);
  const built = (modelIncremental && previous ? updateModel(previous, loaded.documents, update, { rootNamespace: options.rootNamespace }) : undefined) ??
    buildModel(loaded.documents, { rootNamespace: options.rootNamespace });
  const { model, diagnostics: modelDiagnostics } = built;
  if (!incremental) cache.analyzers.clear();
  const findings = analyzeIncrementally(model, cache.analyzers, update.changedFiles);
  cache.model = model;
  cache.modelHadRepeats = cache.parse.hasRepeats;
  cache.rootNamespace = options.rootNamespace;
  const schemaErrorsAt = new Set(schemaDiagnostics.filter((d) => d.severity === 'error').map(locationKey));
  const semantic = [...modelDiagnostics, ...findings].filter((d) => !schemaErrorsAt.has(locationKey(d)));
  const diagnostics = [...loaded.diagnostics, ...schemaDiagnostics, ...semantic].sort(compareDiagnostics);
  return { diagnostics, files: loaded.files, documentCount: loaded.documents.length, model };
}

/**
 * Schema findings of every document, in document order. Kept per document, except in
 * changed files (positions move). When documents were only replaced in place and neither
 * the changed files' documents nor the ones they replaced have findings, the last list is
 * the list: only the changed files' documents are looked at.
 */
function schemaFindings(loaded: LoadResult & { update: LoadUpdate }, reuse: boolean, cache: ValidationCache): Diagnostic[] {
  const { update } = loaded;
  const last = cache.schemaList;
  cache.schemaList = undefined;
  // with a resource defined twice, documents are not just the files' documents: look at each
  if (reuse && !cache.parse.hasRepeats && last && update.replaced && update.inChangedFiles) {
    let some = false;
    for (const doc of update.removed) if (cache.schema.get(doc)?.length) some = true;
    for (const doc of update.inChangedFiles) {
      if (cache.schema.get(doc)?.length) some = true;
      const found = validateDocument(doc);
      cache.schema.set(doc, found);
      if (found.length > 0) some = true;
    }
    if (!some) return (cache.schemaList = last);
  }
  const out: Diagnostic[] = [];
  for (const doc of loaded.documents) {
    let found = reuse && !update.changedFiles.has(doc.file) ? cache.schema.get(doc) : undefined;
    if (found === undefined) cache.schema.set(doc, (found = validateDocument(doc)));
    for (const d of found) out.push(d);
  }
  // a list over documents with copies dropped is no base for the next one
  if (!cache.parse.hasRepeats) cache.schemaList = out;
  return out;
}

/** Validates in-memory files (a git tree, a pull request, a test). Pure (the cache aside). */
export function validateSources(sources: readonly SourceFile[], options: ValidateOptions = {}): ValidationResult {
  const { cache } = options;
  if (cache) return validateUpdate(loadSourcesIncrementally(sources, options, cache.parse), options, cache);
  return validateLoaded(loadSources(sources, options), options);
}

/** Validates files and directories on disk. */
export async function validatePaths(paths: readonly string[], options: ValidateOptions = {}): Promise<ValidationResult> {
  const { cache } = options;
  if (!cache) return validateLoaded(await loadPaths(paths, options), options);
  const read = readPaths(paths, options, cache.files);
  const loaded = loadSourcesIncrementally(read.sources, options, cache.parse);
  loaded.diagnostics.unshift(...read.diagnostics);
  return validateUpdate(loaded, options, cache);
}
