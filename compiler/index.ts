export * from './diagnostics/index.ts';
export type { LoadOptions, LoadResult, LoadedFile, PathSegment, PolicyDocument, SourceFile } from './load/index.ts';
export { loadPaths, loadSources } from './load/index.ts';
export type { ValidateOptions, ValidationResult } from './validate.ts';
export { validateLoaded, validatePaths, validateSources } from './validate.ts';
