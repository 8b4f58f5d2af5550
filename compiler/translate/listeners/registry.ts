/**
 * The registry as listeners see it: the services a proxy class can call, the workloads that
 * make up the class, and the services in front of them. Indexes are built once per model
 * (cached on the model object), so translating many classes does not rescan the model.
 */
import type { Labels, PolicyModel, Service, Workload } from '../../model/index.ts';
import { visibleServices as routedVisibleServices } from '../routes/index.ts';
import type { ProxyClass, TranslateContext } from '../types.ts';

/** `selector ⊆ labels` (an empty selector selects everything). */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  if (selector === undefined) return true;
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  return true;
}

function compareServices(a: Service, b: Service): number {
  return a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

interface ModelIndexes {
  servicesByNamespace: Map<string, Service[]>;
  workloadsByNamespace: Map<string, Workload[]>;
  servicesOfWorkload: Map<Workload, Service[]>;
  visibleFrom: Map<string, readonly Service[]>;
}

const cache = new WeakMap<PolicyModel, ModelIndexes>();

function indexes(model: PolicyModel): ModelIndexes {
  let found = cache.get(model);
  if (found) return found;
  const servicesByNamespace = new Map<string, Service[]>();
  const servicesOfWorkload = new Map<Workload, Service[]>();
  for (const s of model.services) {
    let list = servicesByNamespace.get(s.namespace);
    if (!list) servicesByNamespace.set(s.namespace, (list = []));
    list.push(s);
    for (const w of s.workloads) {
      let of = servicesOfWorkload.get(w);
      if (!of) servicesOfWorkload.set(w, (of = []));
      of.push(s);
    }
  }
  for (const list of servicesByNamespace.values()) list.sort(compareServices);
  for (const list of servicesOfWorkload.values()) list.sort(compareServices);
  const workloadsByNamespace = new Map<string, Workload[]>();
  for (const w of model.workloads) {
    let list = workloadsByNamespace.get(w.namespace);
    if (!list) workloadsByNamespace.set(w.namespace, (list = []));
    list.push(w);
  }
  found = { servicesByNamespace, workloadsByNamespace, servicesOfWorkload, visibleFrom: new Map() };
  cache.set(model, found);
  return found;
}

/**
 * The services a proxy of the class can call, as the routes translator chooses them
 * (exportTo honoured; one per hostname, a Kubernetes Service winning over a ServiceEntry
 * of the same host), sorted by hostname; cached per model and namespace.
 */
export function visibleServices(ctx: TranslateContext): readonly Service[] {
  const idx = indexes(ctx.model);
  const known = idx.visibleFrom.get(ctx.proxy.namespace);
  if (known) return known;
  const list = routedVisibleServices(ctx).sort(compareServices);
  idx.visibleFrom.set(ctx.proxy.namespace, list);
  return list;
}

/**
 * The workloads a proxy of the class runs as: workloads of its namespace whose labels are
 * all among the proxy's labels (a pod carries its template's labels plus a few of its own,
 * such as pod-template-hash). A workload without labels belongs only to a class without labels.
 */
export function classWorkloads(model: PolicyModel, proxy: ProxyClass): Workload[] {
  const out: Workload[] = [];
  const classHasLabels = Object.keys(proxy.labels).length > 0;
  for (const w of indexes(model).workloadsByNamespace.get(proxy.namespace) ?? []) {
    let labelled = false;
    for (const _ in w.labels) {
      labelled = true;
      break;
    }
    if (labelled === classHasLabels && selects(w.labels, proxy.labels)) out.push(w);
  }
  return out;
}

/** Services of the class's namespace whose selector picks the class (they send traffic to it), sorted. */
export function servicesSelecting(model: PolicyModel, proxy: ProxyClass): Service[] {
  const out: Service[] = [];
  for (const s of indexes(model).servicesByNamespace.get(proxy.namespace) ?? []) {
    if (s.selector === undefined || Object.keys(s.selector).length === 0) continue;
    if (selects(s.selector, proxy.labels)) out.push(s);
  }
  return out;
}

/** Services whose selector picked this workload, sorted. */
export function servicesOf(model: PolicyModel, workload: Workload): readonly Service[] {
  return indexes(model).servicesOfWorkload.get(workload) ?? [];
}
