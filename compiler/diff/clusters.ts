/**
 * Upstream cluster settings per service port and subset, from the DestinationRules that
 * apply (Istio's lookup: the service's namespace, then the root namespace; several rules
 * for one host merged: subsets added, the first top-level trafficPolicy wins, first by
 * namespace/name as Istio orders by creation time). A subset's trafficPolicy overrides
 * the top-level one field by field, and portLevelSettings for the port override both levels.
 */
import { isWildcardHost } from '../model/hosts.ts';
import { isRecord, num } from '../model/json.ts';
import { indexOf } from '../model/lookup.ts';
import type { DestinationRule, PolicyModel } from '../model/types.ts';
import { byNamespaceName, canonical, compareText } from './canonical.ts';
import type { NodeRef } from './location.ts';
import { compact } from './values.ts';

export const CLUSTER_FIELDS = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'] as const;
export type ClusterField = (typeof CLUSTER_FIELDS)[number];

const LEAD: Record<ClusterField, string | undefined> = { loadBalancer: 'simple', connectionPool: undefined, outlierDetection: undefined, tls: 'mode' };

export interface ClusterInfo {
  key: string;
  host: string;
  port?: number;
  subset?: string;
  name: string;
  /** Subset labels (`version=v1`); undefined for the service-wide cluster. */
  labels?: string;
  /** Rendered setting per field that is set. */
  settings: Partial<Record<ClusterField, string>>;
  /** Canonical JSON per field, to compare. */
  canonical: Partial<Record<ClusterField, string>>;
  /** Where each field (or the subset) is defined. */
  nodes: Partial<Record<ClusterField | 'subset', NodeRef>>;
  /** The DestinationRule that applies, or the service, for locations. */
  origin?: NodeRef;
}

type Policy = Readonly<Record<string, unknown>>;

function portLevel(policy: Policy | undefined, port: number | undefined): Policy | undefined {
  if (!policy || port === undefined || !Array.isArray(policy.portLevelSettings)) return undefined;
  for (const s of policy.portLevelSettings) {
    if (isRecord(s) && isRecord(s.port) && num(s.port.number) === port) return s;
  }
  return undefined;
}

interface Layer {
  policy: Policy | undefined;
  node: NodeRef;
  path: readonly (string | number)[];
}

/** One rule's setting is shared by every port and subset it applies to: render it once. */
const renders = new WeakMap<object, { text: string; canonical: string }>();

function rendered(field: ClusterField, value: unknown): { text: string; canonical: string } {
  if (typeof value !== 'object' || value === null) return { text: compact(value, LEAD[field]), canonical: canonical(value) };
  let hit = renders.get(value);
  if (!hit) renders.set(value, (hit = { text: compact(value, LEAD[field]), canonical: canonical(value) }));
  return hit;
}

function applyLayers(layers: readonly Layer[], port: number | undefined, into: ClusterInfo): void {
  for (const layer of layers) {
    const levels: [Policy | undefined, readonly (string | number)[]][] = [[layer.policy, layer.path]];
    const pl = portLevel(layer.policy, port);
    if (pl && Array.isArray(layer.policy?.portLevelSettings)) {
      levels.push([pl, [...layer.path, 'portLevelSettings', layer.policy.portLevelSettings.indexOf(pl)]]);
    }
    for (const [policy, path] of levels) {
      if (!policy) continue;
      for (const field of CLUSTER_FIELDS) {
        const value = policy[field];
        if (value === undefined) continue;
        const shown = rendered(field, value);
        into.settings[field] = shown.text;
        into.canonical[field] = shown.canonical;
        into.nodes[field] = { doc: layer.node.doc, path: [...path, field] };
      }
    }
  }
}

export function clusterName(port: number | undefined, subset: string | undefined, host: string): string {
  return `outbound|${port ?? ''}|${subset ?? ''}|${host}`;
}

export function clusterKey(host: string, port: number | undefined, subset: string | undefined): string {
  return `${host}\u0000${port ?? ''}\u0000${subset ?? ''}`;
}

/** The clusters of one host (every port, the service-wide cluster and each subset). */
export interface ClusterGroup {
  host: string;
  /** What the clusters depend on: equal on both sides means equal clusters. */
  fingerprint: string;
  /** Built on first use. */
  readonly clusters: ClusterInfo[];
}

const ruleFingerprints = new WeakMap<DestinationRule, string>();

function ruleFingerprint(rule: DestinationRule): string {
  let fp = ruleFingerprints.get(rule);
  if (!fp) ruleFingerprints.set(rule, (fp = JSON.stringify([rule.namespace, rule.name, rule.doc.data.spec])));
  return fp;
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}

function clustersOf(host: string, ports: readonly (number | undefined)[], rules: readonly DestinationRule[]): ClusterInfo[] {
  const out: ClusterInfo[] = [];
  const top = rules.find((r) => r.trafficPolicy !== undefined);
  const subsets = new Map<string, { rule: DestinationRule; subset: DestinationRule['subsets'][number] }>();
  for (const rule of rules) for (const subset of rule.subsets) if (!subsets.has(subset.name)) subsets.set(subset.name, { rule, subset });
  const sortedSubsets = [...subsets].sort(([a], [b]) => compareText(a, b));
  const topLayer: Layer[] = top ? [{ policy: top.trafficPolicy, node: top, path: ['spec', 'trafficPolicy'] }] : [];
  const first = rules[0];
  for (const port of ports) {
    const whole: ClusterInfo = { key: clusterKey(host, port, undefined), host, name: clusterName(port, undefined, host), settings: {}, canonical: {}, nodes: {} };
    if (port !== undefined) whole.port = port;
    if (first) whole.origin = { doc: first.doc, path: first.path };
    applyLayers(topLayer, port, whole);
    out.push(whole);
    for (const [name, { rule, subset }] of sortedSubsets) {
      const c: ClusterInfo = {
        key: clusterKey(host, port, name),
        host,
        subset: name,
        name: clusterName(port, name, host),
        labels: labelsText(subset.labels),
        settings: {},
        canonical: {},
        nodes: { subset: { doc: rule.doc, path: subset.path } },
        origin: { doc: rule.doc, path: subset.path },
      };
      if (port !== undefined) c.port = port;
      applyLayers([...topLayer, { policy: subset.trafficPolicy, node: rule, path: [...subset.path, 'trafficPolicy'] }], port, c);
      out.push(c);
    }
  }
  return out;
}

/** Every host's clusters with their effective settings, by host. */
export function clusterTable(model: PolicyModel): Map<string, ClusterGroup> {
  const index = indexOf(model);
  const hosts = new Map<string, { namespace: string; ports: Set<number> }>();
  for (const s of [...model.services].sort(byNamespaceName)) {
    let info = hosts.get(s.hostname);
    if (!info) hosts.set(s.hostname, (info = { namespace: s.namespace, ports: new Set() }));
    for (const p of s.ports) info.ports.add(p.number);
  }
  for (const dr of [...model.destinationRules].sort(byNamespaceName)) {
    const host = dr.host.fqdn;
    if (host === '' || isWildcardHost(host) || hosts.has(host)) continue;
    hosts.set(host, { namespace: dr.namespace, ports: new Set() });
  }

  const table = new Map<string, ClusterGroup>();
  for (const [host, info] of hosts) {
    const rules: DestinationRule[] = [...index.destinationRulesFor(info.namespace, host)].sort(byNamespaceName);
    const ports = info.ports.size === 0 ? [undefined] : [...info.ports].sort((a, b) => a - b);
    let clusters: ClusterInfo[] | undefined;
    table.set(host, {
      host,
      fingerprint: JSON.stringify([ports, rules.map(ruleFingerprint)]),
      get clusters() {
        return (clusters ??= clustersOf(host, ports, rules));
      },
    });
  }
  return table;
}
