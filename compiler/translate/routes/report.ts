/**
 * Diagnostics of route translation, each reported once per proxy class even when the same
 * rule is translated for several hosts or ports.
 */
import type { CodeDefinition } from '../../diagnostics/index.ts';
import type { PolicyDocument } from '../../load/types.ts';
import type { TranslateContext } from '../types.ts';
import type { NodePath } from './sources.ts';

export class Reporter {
  /** Reported (code, message) pairs by document and node path (paths are interned, so mostly one array per node). */
  private readonly seen = new Map<PolicyDocument, Map<string, Set<string>>>();

  constructor(private readonly ctx: TranslateContext) {}

  /** `pathKey`: `path` joined with NUL, when the caller has it already (a finding replayed from a memo). */
  once(code: CodeDefinition, doc: PolicyDocument, path: NodePath, message: string, pathKey = path.join('\u0000')): void {
    let byPath = this.seen.get(doc);
    if (!byPath) this.seen.set(doc, (byPath = new Map()));
    let messages = byPath.get(pathKey);
    if (!messages) byPath.set(pathKey, (messages = new Set()));
    const key = `${code.code} ${message}`;
    if (messages.has(key)) return;
    messages.add(key);
    this.ctx.reportAt(code, () => doc.locate(path), message);
  }
}
