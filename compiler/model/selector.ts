/**
 * Label selectors over workloads, indexed so that selecting is not a scan of every
 * workload: by namespace, then by each `key=value` pair. A selection starts from the
 * smallest candidate list among the selector's pairs and checks the rest.
 */
import type { Labels, Workload } from './types.ts';

export function matchesSelector(labels: Labels, selector: Labels): boolean {
  for (const key in selector) {
    if (labels[key] !== selector[key]) return false;
  }
  return true;
}

const NONE: readonly Workload[] = Object.freeze([]);

export class WorkloadIndex {
  private readonly everything: Workload[] = [];
  private readonly byNamespace = new Map<string, Workload[]>();
  /** namespace → label key → label value → workloads */
  private readonly byPair = new Map<string, Map<string, Map<string, Workload[]>>>();

  add(workload: Workload): void {
    this.everything.push(workload);
    let list = this.byNamespace.get(workload.namespace);
    if (!list) this.byNamespace.set(workload.namespace, (list = []));
    list.push(workload);
    let keys = this.byPair.get(workload.namespace);
    if (!keys) this.byPair.set(workload.namespace, (keys = new Map()));
    for (const key in workload.labels) {
      const value = workload.labels[key] ?? '';
      let values = keys.get(key);
      if (!values) keys.set(key, (values = new Map()));
      let pairList = values.get(value);
      if (!pairList) values.set(value, (pairList = []));
      pairList.push(workload);
    }
  }

  all(): readonly Workload[] {
    return this.everything;
  }

  inNamespace(namespace: string): readonly Workload[] {
    return this.byNamespace.get(namespace) ?? NONE;
  }

  /** Workloads of `namespace` matching every label of `selector` (an empty selector selects all of them). */
  select(namespace: string, selector: Labels, filter?: (w: Workload) => boolean): Workload[] {
    let smallest: readonly Workload[] | undefined;
    const keys = this.byPair.get(namespace);
    for (const key in selector) {
      const list = keys?.get(key)?.get(selector[key] ?? '');
      if (!list) return [];
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    const candidates = smallest ?? this.inNamespace(namespace);
    const out: Workload[] = [];
    for (const w of candidates) {
      if (matchesSelector(w.labels, selector) && (!filter || filter(w))) out.push(w);
    }
    return out;
  }
}
