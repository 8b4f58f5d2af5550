// The compiler's public surface. Stages are exported one by one as well as through the
// pipeline (`validate*`), so tools and benchmarks can run and time each of them.
export * from './diagnostics/index.ts';
export type { LoadOptions, LoadResult, LoadedFile, PathSegment, PolicyDocument, SourceFile } from './load/index.ts';
export { loadPaths, loadSources } from './load/index.ts';
export { knownKinds, validateDocument, validateDocuments } from './schema/index.ts';
export type { KindVersion } from './schema/index.ts';
export { buildModel } from './model/index.ts';
export type * from './model/types.ts';
export { analyze, analyzers } from './analyze/index.ts';
export type { Analyzer } from './analyze/index.ts';
export type { ValidateOptions, ValidationResult } from './validate.ts';
export { ValidationCache, validateLoaded, validatePaths, validateSources } from './validate.ts';
export { compileModel, originOf, verifyTranslated } from './compile.ts';
export type { CompileOptions, CompileResult } from './compile.ts';
export { buildSnapshot, EntryCache } from './snapshot/index.ts';
export { ResourceWalks } from './verify/index.ts';
export type { Snapshot, SnapshotEntry } from './snapshot/index.ts';
export { classifyNode, clusterName, proxyClass, translate } from './translate/index.ts';
export type { Flavor, HeaderRouteMatch, HeaderRouteOverlay, MirrorOverlay, NodeIdentity, ProxyClass, Resource, SourceMapEntry, TranslateOptions, WeightOverlay } from './translate/index.ts';
export { diffPolicies, isEmpty } from './diff/index.ts';
export type * from './diff/types.ts';
