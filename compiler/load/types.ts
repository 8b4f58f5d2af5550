import type { Diagnostic, Located } from '../diagnostics/index.ts';

export type PathSegment = string | number;

/** A file handed to the loader: from disk, from a git tree, or from a test. */
export interface SourceFile {
  /** Path as it is shown in diagnostics (relative to the policy root where there is one). */
  path: string;
  /** Raw bytes or already-decoded text. Bytes are decoded as strict UTF-8. */
  content: string | Uint8Array;
}

/**
 * One YAML document that parsed into a mapping. `data` is plain JSON (no YAML nodes),
 * and `locate` maps any path into it back to file:line:col.
 */
export interface PolicyDocument {
  file: string;
  /** 0-based index of the document inside its file. */
  index: number;
  apiVersion: string;
  /** API group ('' for the Kubernetes core group) and version, split from apiVersion. */
  group: string;
  version: string;
  kind: string;
  name: string;
  /** metadata.namespace, or 'default'. */
  namespace: string;
  data: Record<string, unknown>;
  /**
   * Where a node sits. `key` points at the mapping key of the last segment (used for
   * unknown properties); `value` at the node itself. A path that does not exist resolves
   * to its deepest existing ancestor, pointing at that ancestor's key.
   */
  locate(path: readonly PathSegment[], target?: 'key' | 'value'): Located;
}

export interface LoadedFile {
  path: string;
  text: string;
}

export interface LoadResult {
  documents: PolicyDocument[];
  diagnostics: Diagnostic[];
  /** The decoded text of every file read, for code frames. */
  files: Map<string, LoadedFile>;
}

export interface LoadOptions {
  /** Files larger than this are reported and not parsed. Default 8 MiB. */
  maxFileBytes?: number;
  /** Alias expansions allowed per document before it is treated as an alias bomb. Default 1000. */
  maxAliasCount?: number;
  /** Documents per file before the rest are ignored. Default 10,000. */
  maxDocumentsPerFile?: number;
}
