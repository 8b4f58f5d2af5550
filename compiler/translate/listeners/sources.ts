/**
 * Source maps and diagnostics for listeners: which policy node produced which part of a
 * Listener, and reporting a finding at a policy node once per translation.
 */
import type { CodeDefinition } from '../../diagnostics/index.ts';
import type { PathSegment, PolicyDocument } from '../../load/types.ts';
import type { Origin } from '../../model/index.ts';
import type { JsonPathSegment, SourceMapEntry, TranslateContext } from '../types.ts';

export type NodePath = readonly PathSegment[];

/** A node of a policy document. */
export function originAt(doc: PolicyDocument, path: NodePath): Origin {
  return { doc, path };
}

/** A node path extended by segments (model paths are frozen and shared: never push onto them). */
export function under(base: NodePath, ...segments: PathSegment[]): PathSegment[] {
  const out = base.slice();
  for (const s of segments) out.push(s);
  return out;
}

/** `base` + segments, as a new array. */
export function at(base: readonly JsonPathSegment[], ...segments: JsonPathSegment[]): JsonPathSegment[] {
  const out = base.slice();
  for (const s of segments) out.push(s);
  return out;
}

/** Source-map entries relative to some JSON node, to be placed under a path later. */
export interface RelativeSource {
  path: readonly JsonPathSegment[];
  origin: Origin;
}

/** `relative` entries placed under `base`, appended to `into`. */
export function place(into: SourceMapEntry[], base: readonly JsonPathSegment[], relative: readonly RelativeSource[]): void {
  for (const r of relative) into.push({ path: base.length === 0 ? r.path : [...base, ...r.path], origin: r.origin });
}

/** Reports diagnostics through the context, each distinct finding once per translation. */
export class Reporter {
  private readonly seen = new Set<string>();
  constructor(private readonly ctx: TranslateContext) {}

  at(def: CodeDefinition, origin: Origin, message: string, path: NodePath = origin.path): void {
    const key = `${def.code}\n${origin.doc.file}#${origin.doc.index}\n${path.join('\u0000')}\n${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.ctx.reportAt(def, () => origin.doc.locate(path), message);
  }
}
