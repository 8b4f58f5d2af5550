import type { PathSegment, PolicyDocument } from '../load/types.ts';
import type { DiffLocation, Side } from './types.ts';

/** file:line:col of a policy node, on one side of the diff. */
export function locate(side: Side, origin: { doc: PolicyDocument }, path: readonly PathSegment[], target: 'key' | 'value' = 'value'): DiffLocation {
  const at = origin.doc.locate(path, target);
  return { side, file: at.file, line: at.line, col: at.col };
}

/** A located node, carried until a change needs its location. */
export interface NodeRef {
  doc: PolicyDocument;
  path: readonly PathSegment[];
}
