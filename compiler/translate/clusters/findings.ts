/**
 * Diagnostics of the cluster translation, said once: a DestinationRule setting that a flavor
 * cannot express shows up in every cluster built from it (each port, the service cluster and
 * each subset cluster), but the user gets one finding per policy node and code. Messages
 * therefore name the service host, not one cluster.
 */
import type { CodeDefinition, ReportOptions } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import type { Origin } from '../../model/index.ts';
import type { TranslateContext } from '../types.ts';

export class Findings {
  private readonly seen = new Set<string>();
  private readonly visited = new WeakMap<object, Set<string>>();

  constructor(private readonly ctx: TranslateContext) {}

  /**
   * True the first time a check `what` looks at policy node `node` in this translation: the
   * checks of a node shared by many clusters run once.
   */
  firstVisit(node: object, what: string): boolean {
    let checks = this.visited.get(node);
    if (!checks) this.visited.set(node, (checks = new Set()));
    if (checks.has(what)) return false;
    checks.add(what);
    return true;
  }

  /** Reports `message` at the node `origin` (optionally a child of it), once per node and code. */
  at(def: CodeDefinition, origin: Origin, message: string, child: readonly PathSegment[] = [], options?: ReportOptions): void {
    const path = child.length === 0 ? origin.path : [...origin.path, ...child];
    const key = `${def.code}\n${origin.doc.file}\n${origin.doc.index}\n${path.join('\u0000')}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.ctx.reportAt(def, () => origin.doc.locate(path), message, options);
  }
}
