/**
 * Maps an offset inside a string value (a PromQL query, a condition) to file:line:col.
 *
 * The loader exposes a node's range, not its source text, so the mapping works from the
 * range and the decoded value:
 * - a scalar on one line whose width equals the value's length is plain, and one two
 *   columns wider is quoted without escapes: the offset maps exactly;
 * - a block scalar (`|`, or `>` with a single content line) maps line by line: the line is
 *   exact, the column assumes the content is indented two columns past its key (the usual
 *   YAML style; the loader does not say what the indentation is);
 * - anything else (escapes, folded multi-line text, multi-line flow scalars) points at the
 *   whole value.
 */
import type { Located } from '../../diagnostics/index.ts';
import type { PathSegment, PolicyDocument } from '../../load/types.ts';

export function locateInValue(doc: PolicyDocument, path: readonly PathSegment[], value: string, offset: number, length = 1): Located {
  const at = doc.locate(path, 'value');
  const clamp = (n: number, max: number) => Math.max(0, Math.min(n, max));
  if (at.line === at.endLine) {
    const width = at.endCol - at.col;
    let start: number | undefined;
    if (width === value.length) start = at.col;
    else if (width === value.length + 2) start = at.col + 1;
    if (start === undefined) return at;
    const from = clamp(offset, value.length);
    const to = clamp(from + Math.max(1, length), Math.max(value.length, from + 1));
    return { ...at, col: start + from, endLine: at.line, endCol: start + to };
  }
  // A block scalar: content starts on the line after the indicator, and the node ends at
  // the start of the line after its content (a multi-line flow scalar ends mid-line).
  if (at.endCol !== 1) return at;
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  const lines = body.split('\n');
  const contentLines = at.endLine - at.line - 1;
  const interior = lines.length > 1;
  if (contentLines < lines.length || (!interior && contentLines !== 1)) return at;
  const key = doc.locate(path, 'key');
  const indentCol = key.col + 2;
  const before = value.slice(0, clamp(offset, value.length));
  const lineIndex = (before.match(/\n/g) ?? []).length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const colInLine = before.length - lineStart;
  const lineText = lines[lineIndex] ?? '';
  const span = Math.max(1, Math.min(length, lineText.length - colInLine));
  const line = at.line + 1 + lineIndex;
  return { ...at, line, col: indentCol + colInLine, endLine: line, endCol: indentCol + colInLine + span };
}
