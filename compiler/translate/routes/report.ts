/**
 * Diagnostics of route translation, each reported once per proxy class even when the same
 * rule is translated for several hosts or ports.
 */
import type { CodeDefinition } from '../../diagnostics/index.ts';
import { diagnostic } from '../../diagnostics/index.ts';
import type { PolicyDocument } from '../../load/types.ts';
import type { TranslateContext } from '../types.ts';
import type { NodePath } from './sources.ts';

export class Reporter {
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: TranslateContext) {}

  once(code: CodeDefinition, doc: PolicyDocument, path: NodePath, message: string): void {
    const key = `${code.code}\u0000${doc.file}\u0000${doc.index}\u0000${path.join('/')}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.ctx.report(diagnostic(code, doc.locate(path), message));
  }
}
