/**
 * Source-map recording: which policy node produced which part of a RouteConfiguration.
 * Paths are JSON paths inside the resource; origins are (document, node path) pairs.
 */
import type { PathSegment, PolicyDocument } from '../../load/types.ts';
import type { Origin } from '../../model/index.ts';
import type { JsonPathSegment, SourceMapEntry } from '../types.ts';

export type NodePath = readonly PathSegment[];

export class SourceRecorder {
  readonly entries: SourceMapEntry[] = [];

  /** `path` (inside the resource) came from `nodePath` of `doc`. */
  add(path: readonly JsonPathSegment[], doc: PolicyDocument, nodePath: NodePath): void {
    this.entries.push({ path, origin: { doc, path: nodePath } });
  }

  addOrigin(path: readonly JsonPathSegment[], origin: Origin): void {
    this.entries.push({ path, origin });
  }
}

/** `base` + segments, as a new array. */
export function at(base: readonly JsonPathSegment[], ...segments: JsonPathSegment[]): JsonPathSegment[] {
  const out = base.slice();
  for (const s of segments) out.push(s);
  return out;
}

/** A node path extended by segments (model paths are frozen and shared: never push onto them). */
export function under(base: NodePath, ...segments: PathSegment[]): PathSegment[] {
  const out = base.slice();
  for (const s of segments) out.push(s);
  return out;
}
