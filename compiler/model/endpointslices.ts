/**
 * Kubernetes EndpointSlices (`discovery.k8s.io/v1`) → endpoints of the Service their
 * `kubernetes.io/service-name` label names, in the slice's namespace.
 *
 * Each slice endpoint becomes one Endpoint: its first address (Kubernetes calls the
 * addresses of one endpoint fungible; they are one pod), the slice's ports by name, the
 * endpoint's `zone` and its `ready`/`serving`/`terminating` conditions as written. Labels
 * come from the workload its `targetRef` names, when the model has it: a Pod of that name,
 * else the Deployment whose pods are named `<deployment>-<hash>-<suffix>`, else the
 * StatefulSet whose pods are named `<statefulset>-<ordinal>`. An endpoint whose workload is
 * unknown has no labels (it joins the service, never a labelled subset).
 */
import type { PolicyDocument } from '../load/types.ts';
import { arr, dig, isRecord, num, rec, records, str } from './json.ts';
import { child, pathOf } from './paths.ts';
import type { Endpoint, Labels, Workload } from './types.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const ENDPOINTS = pathOf('endpoints');
const NO_LABELS: Labels = Object.freeze({});

/** Workloads by `namespace/kind/name`, for targetRef lookups. */
function workloadsByName(workloads: readonly Workload[]): Map<string, Workload> {
  const out = new Map<string, Workload>();
  for (const w of workloads) {
    if (w.kind === 'WorkloadEntry') continue;
    const key = `${w.namespace}/${w.kind}/${w.name}`;
    if (!out.has(key)) out.set(key, w);
  }
  return out;
}

function stripSegments(name: string, count: number): string | undefined {
  let end = name.length;
  for (let i = 0; i < count; i++) {
    const dash = name.lastIndexOf('-', end - 1);
    if (dash <= 0) return undefined;
    end = dash;
  }
  return name.slice(0, end);
}

/** The workload a targetRef (a pod) belongs to, by the naming conventions of Kubernetes controllers. */
function workloadOfPod(namespace: string, podName: string, byName: ReadonlyMap<string, Workload>): Workload | undefined {
  const pod = byName.get(`${namespace}/Pod/${podName}`);
  if (pod) return pod;
  const deployment = stripSegments(podName, 2);
  if (deployment !== undefined) {
    const w = byName.get(`${namespace}/Deployment/${deployment}`);
    if (w) return w;
  }
  const dash = podName.lastIndexOf('-');
  if (dash > 0 && /^\d+$/.test(podName.slice(dash + 1))) return byName.get(`${namespace}/StatefulSet/${podName.slice(0, dash)}`);
  return undefined;
}

function slicePorts(slice: Record<string, unknown>): Readonly<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const { item } of records(slice.ports)) {
    const port = num(item.port);
    if (port === undefined) continue;
    const name = str(item.name) ?? '';
    if (!(name in ports)) ports[name] = port;
  }
  return ports;
}

function condition(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** Endpoints of every EndpointSlice, by `namespace/serviceName`. */
export function endpointSliceIndex(slices: readonly PolicyDocument[], workloads: readonly Workload[]): Map<string, Endpoint[]> {
  const out = new Map<string, Endpoint[]>();
  if (slices.length === 0) return out;
  const byName = workloadsByName(workloads);
  for (const doc of slices) {
    const serviceName = str(dig(doc.data, 'metadata', 'labels', SERVICE_NAME_LABEL));
    if (serviceName === undefined || serviceName === '') continue;
    const ports = slicePorts(doc.data);
    const key = `${doc.namespace}/${serviceName}`;
    let list = out.get(key);
    for (const { item, index } of records(doc.data.endpoints)) {
      const address = str(arr(item.addresses)[0]);
      if (address === undefined || address === '') continue;
      const ref = rec(item.targetRef);
      const refKind = str(ref?.kind) ?? 'Pod';
      const refName = str(ref?.name);
      const workload = refKind === 'Pod' && refName !== undefined ? workloadOfPod(str(ref?.namespace) ?? doc.namespace, refName, byName) : undefined;
      const endpoint: Endpoint = {
        doc,
        path: child(ENDPOINTS, index),
        address,
        labels: workload?.labels ?? NO_LABELS,
        ports,
        source: 'EndpointSlice',
      };
      if (workload) endpoint.workload = workload;
      const zone = str(item.zone);
      if (zone !== undefined && zone !== '') endpoint.zone = zone;
      const conditions = isRecord(item.conditions) ? item.conditions : undefined;
      const ready = condition(conditions?.ready);
      if (ready !== undefined) endpoint.ready = ready;
      const serving = condition(conditions?.serving);
      if (serving !== undefined) endpoint.serving = serving;
      const terminating = condition(conditions?.terminating);
      if (terminating !== undefined) endpoint.terminating = terminating;
      if (!list) out.set(key, (list = []));
      list.push(endpoint);
    }
  }
  return out;
}
