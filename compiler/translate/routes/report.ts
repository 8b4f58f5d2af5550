/**
 * Diagnostics of route translation, each reported once per proxy class even when the same
 * rule is translated for several hosts or ports.
 */
import type { CodeDefinition } from '../../diagnostics/index.ts';
import type { PolicyDocument } from '../../load/types.ts';
import type { TranslateContext } from '../types.ts';
import type { NodePath } from './sources.ts';

/** One `Reporter.once` call, as recorded for a virtual host (routes/host-memo.ts). */
export type ReportCall = readonly [code: CodeDefinition, doc: PolicyDocument, path: NodePath, message: string, pathKey: string];

export class Reporter {
  /** Reported (code, message) pairs by document and node path (paths are interned, so mostly one array per node). */
  private readonly seen = new Map<PolicyDocument, Map<string, Set<string>>>();
  /** When set, every call is also recorded here, repeats included (what one virtual host reported). */
  tap: ReportCall[] | undefined;
  /** Calls made while no tap was set (with a memo, each such call makes the stage impossible to patch). */
  untapped = 0;

  constructor(private readonly ctx: TranslateContext) {}

  /** `pathKey`: `path` joined with NUL, when the caller has it already (a finding replayed from a memo). */
  once(code: CodeDefinition, doc: PolicyDocument, path: NodePath, message: string, pathKey = path.join('\u0000')): void {
    if (this.tap) this.tap.push([code, doc, path, message, pathKey]);
    else this.untapped++;
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
