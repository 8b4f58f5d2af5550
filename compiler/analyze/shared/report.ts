/**
 * Small helpers every analyzer uses to point at YAML nodes and to name other places in
 * messages ("file:line"), so that duplicates name both sides.
 */
import type { Located, RelatedLocation } from '../../diagnostics/index.ts';
import type { PathSegment, PolicyDocument } from '../../load/types.ts';

export interface HasDoc {
  doc: PolicyDocument;
}

/** Where a node of an object's document sits (`value` target by default: the node itself). */
export function at(origin: HasDoc, path: readonly PathSegment[], target: 'key' | 'value' = 'value'): Located {
  return origin.doc.locate(path, target);
}

/** "file:line" of a node, for messages that name another place. */
export function place(origin: HasDoc, path: readonly PathSegment[]): string {
  const loc = origin.doc.locate(path, 'value');
  return `${loc.file}:${loc.line}`;
}

export function related(origin: HasDoc, path: readonly PathSegment[], message: string): RelatedLocation {
  const loc = origin.doc.locate(path, 'value');
  return { file: loc.file, line: loc.line, col: loc.col, endLine: loc.endLine, endCol: loc.endCol, message };
}

/** `Kind ns/name`. */
export function describeResource(doc: PolicyDocument): string {
  return doc.namespace === '' ? `${doc.kind} ${doc.name}` : `${doc.kind} ${doc.namespace}/${doc.name}`;
}

/** How to name a route rule in a message: `http[1] ("canary")`. */
export function describeRule(rule: { index: number; name?: string | undefined }, section = 'http'): string {
  return rule.name === undefined ? `${section}[${rule.index}]` : `${section}[${rule.index}] ("${rule.name}")`;
}

/** Quoted, comma-joined list for messages: `"a", "b"`. */
export function quoteList(items: readonly (string | number)[]): string {
  return items.map((i) => (typeof i === 'number' ? String(i) : `"${i}"`)).join(', ');
}
