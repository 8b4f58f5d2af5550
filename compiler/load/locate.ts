import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';
import { toPointer } from '../diagnostics/index.ts';
import type { Located } from '../diagnostics/index.ts';
import type { PathSegment } from './types.ts';

/** Turns byte offsets of one file into 1-based line/column ranges. */
export function rangeAt(file: string, lines: LineCounter, start: number, end: number, path: string): Located {
  const from = lines.linePos(start);
  const to = lines.linePos(Math.max(start, end));
  return { file, line: from.line, col: from.col, endLine: to.line, endCol: to.col, path };
}

function keyMatches(pair: Pair, segment: PathSegment): boolean {
  const key = pair.key;
  if (isScalar(key)) return String(key.value) === String(segment);
  return key !== null && key !== undefined && String(key) === String(segment);
}

function deref(doc: Document, node: unknown): unknown {
  // An alias stands for its anchor's node; follow it (anchors cannot loop in valid YAML).
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 64; hops++) current = current.resolve(doc);
  return current;
}

/**
 * Finds the YAML node at `path`. Returns the deepest node reached, the key node of the
 * last mapping step taken, and how many segments were matched.
 */
function walk(doc: Document, path: readonly PathSegment[]): { node: Node | null; key: Node | null; depth: number } {
  let node = deref(doc, doc.contents) as Node | null;
  let key: Node | null = null;
  let depth = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyMatches(item, segment));
      if (!pair) break;
      key = (pair.key as Node | null) ?? null;
      node = (deref(doc, pair.value) as Node | null) ?? key;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      key = null;
      node = deref(doc, item) as Node | null;
    } else {
      break;
    }
    depth++;
  }
  return { node, key, depth };
}

/** Everything a document needs to answer "where is this path?" lazily, only when a finding is made. */
export type Locator = (path: readonly PathSegment[], target?: 'key' | 'value') => Located;

export function makeLocator(file: string, doc: Document, lines: LineCounter, text: string): Locator {
  return (path: readonly PathSegment[], target: 'key' | 'value' = 'value'): Located => {
    const { node, key, depth } = walk(doc, path);
    const pointer = toPointer(path);
    const complete = depth === path.length;
    const useKey = key !== null && (target === 'key' || !complete);
    const chosen = useKey ? key : node;
    if (chosen?.range) {
      const start = chosen.range[0];
      let end = chosen.range[1];
      if (!useKey && (isMap(chosen) || isSeq(chosen)) && end > start) {
        // A whole block is more noise than help in a code frame: point at its first line.
        const newline = text.indexOf('\n', start);
        if (newline !== -1 && newline < end) end = newline;
      }
      return rangeAt(file, lines, start, end, pointer);
    }
    const [start, end] = doc.range ?? [0, 0];
    const newline = text.indexOf('\n', start);
    return rangeAt(file, lines, start, newline === -1 || newline > end ? end : newline, pointer);
  };
}
