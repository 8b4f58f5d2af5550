import { diagnostic } from '../diagnostics/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { FILE_TOO_LARGE, NO_POLICY_FILES } from './codes.ts';
import { decode } from './decode.ts';
import { FileReadCache, readPolicyFiles } from './files.ts';
import { dropDuplicates } from './identity.ts';
import { parseFile } from './parse.ts';
import type { LoadOptions, LoadResult, LoadedFile, PolicyDocument, SourceFile } from './types.ts';
import { joinParsed, ParseCache } from './cache.ts';
import type { LoadUpdate, ParsedFile } from './cache.ts';

export { FileReadCache, ParseCache };
export type { LoadUpdate };

export type { LoadOptions, LoadResult, LoadedFile, PathSegment, PolicyDocument, SourceFile } from './types.ts';
export { identityOf } from './identity.ts';
export * as loadCodes from './codes.ts';

export const DEFAULT_LIMITS = {
  maxFileBytes: 8 * 1024 * 1024,
  maxAliasCount: 100,
  maxDocumentsPerFile: 10_000,
} as const;

function limitsOf(options: LoadOptions) {
  return {
    maxFileBytes: options.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes,
    maxAliasCount: options.maxAliasCount ?? DEFAULT_LIMITS.maxAliasCount,
    maxDocumentsPerFile: options.maxDocumentsPerFile ?? DEFAULT_LIMITS.maxDocumentsPerFile,
  };
}

export type ParsedSources = LoadResult;

function parseSource(source: SourceFile, limits: ReturnType<typeof limitsOf>): ParsedFile {
  const size = typeof source.content === 'string' ? source.content.length : source.content.byteLength;
  if (size > limits.maxFileBytes) {
    return { file: undefined, documents: [], diagnostics: [diagnostic(FILE_TOO_LARGE, { file: source.path, line: 1, col: 1, endLine: 1, endCol: 1, path: '' }, `${source.path} is over the ${limits.maxFileBytes}-byte limit; it is not read`)] };
  }
  const decoded = decode(source.path, source.content);
  if ('error' in decoded) return { file: undefined, documents: [], diagnostics: [decoded.error] };
  const parsed = parseFile(source.path, decoded.text, limits);
  return { file: { path: source.path, text: decoded.text }, documents: parsed.documents, diagnostics: parsed.diagnostics };
}

/**
 * Parses in-memory files without checking identities across them: the unit of work that
 * can run on several threads. `loadSources` is this plus `dropDuplicates`.
 */
export function parseSources(sources: readonly SourceFile[], options: LoadOptions = {}): ParsedSources {
  const limits = limitsOf(options);
  return joinParsed(sources.map((source) => parseSource(source, limits)));
}

/** Joins parsed parts (in order) and reports resources defined twice across all of them. */
export function combineParsed(parts: readonly ParsedSources[]): LoadResult {
  const files = new Map<string, LoadedFile>();
  const all: PolicyDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const part of parts) {
    for (const [path, file] of part.files) files.set(path, file);
    all.push(...part.documents);
    diagnostics.push(...part.diagnostics);
  }
  const unique = dropDuplicates(all);
  diagnostics.push(...unique.diagnostics);
  return { documents: unique.documents, diagnostics, files };
}

/** Loads policy from in-memory files (a git tree, a test). Pure: no I/O. */
export function loadSources(sources: readonly SourceFile[], options: LoadOptions = {}): LoadResult {
  return combineParsed([parseSources(sources, options)]);
}

/**
 * `loadSources` through a cache kept between calls: unchanged files are not parsed again and
 * keep their document objects; the result says what changed. Same result as `loadSources`.
 */
export function loadSourcesIncrementally(sources: readonly SourceFile[], options: LoadOptions, cache: ParseCache): LoadResult & { update: LoadUpdate } {
  const limits = limitsOf(options);
  const { joined, update } = cache.update(sources, JSON.stringify(limits), (source) => parseSource(source, limits));
  if (!cache.hasRepeats) return { ...joined, update };
  return { ...combineParsed([joined]), update };
}

/** Reads the policy files below the given paths; problems reading them are diagnostics. */
export function readPaths(paths: readonly string[], options: LoadOptions = {}, cache?: FileReadCache): { sources: SourceFile[]; diagnostics: Diagnostic[] } {
  const read = readPolicyFiles(paths, limitsOf(options).maxFileBytes, cache);
  if (read.sources.length === 0 && read.diagnostics.length === 0) {
    const file = paths[0] ?? '.';
    read.diagnostics.push(diagnostic(NO_POLICY_FILES, { file, line: 1, col: 1, endLine: 1, endCol: 1, path: '' }, `no *.yaml or *.yml files found in ${paths.join(', ')}`));
  }
  return read;
}

/** Loads policy from files and directories on disk. */
export async function loadPaths(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const read = readPaths(paths, options);
  const result = loadSources(read.sources, options);
  result.diagnostics.unshift(...read.diagnostics);
  return result;
}
