/**
 * Localities: parsing (`region/zone/subzone`), the proxy's own locality from its labels,
 * grouping endpoints by locality, and Istio's locality load balancing on those groups.
 *
 * Supported `localityLbSetting` (relative to the proxy's locality, which sluice reads from
 * the proxy class labels, since proxies of one class share one configuration):
 * - `distribute`: the first rule whose `from` matches the proxy sets locality weights; a
 *   `to` entry's weight is shared among the localities it matches in proportion to their
 *   endpoint weights; localities no entry matches, or weighted 0, are left out;
 * - failover (only with outlierDetection, as in Istio; on by default like Istio's mesh-wide
 *   `localityLbSetting: {enabled: true}`): priority 0 same region/zone/subzone, 1 same
 *   region/zone, 2 same region, 3 other regions, 4 other regions that a `failover` rule
 *   for the proxy's region does not name;
 * - `failoverPriority`: labels (or `label=value`) compared in order with the proxy's; the
 *   number of leading matches decides the priority, and locality failover orders within it
 *   when `failover` is also set. Endpoint labels include the topology labels of their
 *   locality (topology.kubernetes.io/region and zone, topology.istio.io/subzone);
 * - `enabled: false` turns it off.
 * Priorities are renumbered from 0 without gaps (Envoy and gRPC require that).
 */
import type { Labels, Origin } from '../../model/index.ts';
import type { ServedEndpoint } from './endpoints.ts';
import { bool, count, isRecord, type Part } from './json.ts';

export interface Locality {
  region: string;
  zone: string;
  subZone: string;
}

export const EMPTY_LOCALITY: Locality = Object.freeze({ region: '', zone: '', subZone: '' });

export function parseLocality(value: string): Locality {
  const [region = '', zone = '', subZone = ''] = value.split('/');
  return { region, zone, subZone };
}

export function localityKey(l: Locality): string {
  return `${l.region}/${l.zone}/${l.subZone}`;
}

/** Envoy JSON for a locality; an empty object when nothing is known (gRPC requires the field). */
export function localityJson(l: Locality): Record<string, string> {
  const out: Record<string, string> = {};
  if (l.region !== '') out.region = l.region;
  if (l.zone !== '') out.zone = l.zone;
  if (l.subZone !== '') out.subZone = l.subZone;
  return out;
}

const REGION = 'topology.kubernetes.io/region';
const ZONE = 'topology.kubernetes.io/zone';
const SUBZONE = 'topology.istio.io/subzone';

/** The proxy's locality from its labels (`istio-locality: region.zone.subzone`, or topology labels). */
export function proxyLocality(labels: Labels): Locality | undefined {
  const istio = labels['istio-locality'];
  if (istio !== undefined && istio !== '') return parseLocality(istio.replaceAll('.', '/'));
  const region = labels[REGION];
  if (region === undefined || region === '') return undefined;
  return { region, zone: labels[ZONE] ?? '', subZone: labels[SUBZONE] ?? '' };
}

/** Istio's util.LocalityMatch: `region[/zone[/subzone]]` with `*` for any. */
export function localityMatch(l: Locality, rule: string): boolean {
  const r = parseLocality(rule);
  const region = r.region === '*' || r.region === l.region;
  const zone = r.zone === '*' || r.zone === '' || r.zone === l.zone;
  const subZone = r.subZone === '*' || r.subZone === '' || r.subZone === l.subZone;
  return region && zone && subZone;
}

export interface LocalityGroup {
  locality: Locality;
  key: string;
  endpoints: ServedEndpoint[];
  weight: number;
  priority: number;
  weightOrigin?: Origin;
  priorityOrigin?: Origin;
}

function byAddress(a: ServedEndpoint, b: ServedEndpoint): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port;
}

function sumWeights(endpoints: readonly ServedEndpoint[]): number {
  let total = 0;
  for (const e of endpoints) total += e.weight;
  return Math.min(total, 0xffffffff);
}

/** One group per locality (and priority), sorted; endpoints sorted by address and port; weight = sum of endpoint weights. */
export function groupByLocality(endpoints: readonly ServedEndpoint[], priorityOf?: (e: ServedEndpoint) => number): LocalityGroup[] {
  const groups = new Map<string, LocalityGroup>();
  for (const e of endpoints) {
    const priority = priorityOf ? priorityOf(e) : 0;
    const key = localityKey(e.locality);
    const mapKey = `${priority}\u0000${key}`;
    let group = groups.get(mapKey);
    if (!group) groups.set(mapKey, (group = { locality: e.locality, key, endpoints: [], weight: 0, priority }));
    group.endpoints.push(e);
  }
  const out = [...groups.values()];
  for (const g of out) {
    if (g.endpoints.length > 1) g.endpoints.sort(byAddress);
    g.weight = sumWeights(g.endpoints);
  }
  return sortGroups(out);
}

function sortGroups(groups: LocalityGroup[]): LocalityGroup[] {
  return groups.sort((a, b) => a.priority - b.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function applyDistribute(groups: LocalityGroup[], rules: unknown[], part: Part, proxy: Locality): LocalityGroup[] {
  for (let i = 0; i < rules.length; i++) {
    const rule: unknown = rules[i];
    if (!isRecord(rule) || typeof rule.from !== 'string' || !localityMatch(proxy, rule.from)) continue;
    const origin: Origin = { doc: part.doc, path: [...part.path, 'distribute', i] };
    const unmatched = new Set(groups);
    const kept: LocalityGroup[] = [];
    const to = isRecord(rule.to) ? rule.to : {};
    for (const [pattern, weightRaw] of Object.entries(to)) {
      const weight = count(weightRaw) ?? 0;
      const matched = groups.filter((g) => unmatched.has(g) && localityMatch(g.locality, pattern));
      let total = 0;
      for (const g of matched) {
        unmatched.delete(g);
        total += g.weight;
      }
      for (const g of matched) {
        const share = total > 0 ? Math.ceil((g.weight * weight) / total) : 0;
        if (share > 0) kept.push({ ...g, weight: Math.min(share, 0xffffffff), weightOrigin: origin });
      }
    }
    return sortGroups(kept);
  }
  return groups;
}

/** Istio's util.LbPriority, then failover rules for other regions. */
function localityPriority(proxy: Locality, l: Locality, failover: unknown[]): number {
  if (proxy.region === l.region) {
    if (proxy.zone === l.zone) return proxy.subZone === l.subZone ? 0 : 1;
    return 2;
  }
  for (const rule of failover) {
    if (!isRecord(rule) || rule.from !== proxy.region) continue;
    return l.region === rule.to ? 3 : 4;
  }
  return 3;
}

function topologyLabel(e: ServedEndpoint, label: string): string | undefined {
  const own = e.labels[label];
  if (own !== undefined) return own;
  if (label === REGION) return e.locality.region || undefined;
  if (label === ZONE) return e.locality.zone || undefined;
  if (label === SUBZONE) return e.locality.subZone || undefined;
  return undefined;
}

/** failoverPriority: number of labels, in order, before the first that differs from the proxy's. */
function labelPriority(e: ServedEndpoint, priorities: readonly string[], proxyLabels: Labels): number {
  for (let j = 0; j < priorities.length; j++) {
    const entry = priorities[j] ?? '';
    const eq = entry.indexOf('=');
    const label = eq >= 0 ? entry.slice(0, eq) : entry;
    const wanted = eq >= 0 ? entry.slice(eq + 1) : proxyLabels[label];
    if (wanted === undefined || topologyLabel(e, label) !== wanted) return priorities.length - j;
  }
  return 0;
}

function renumber(groups: LocalityGroup[]): LocalityGroup[] {
  const distinct = [...new Set(groups.map((g) => g.priority))].sort((a, b) => a - b);
  const rank = new Map(distinct.map((p, i) => [p, i]));
  for (const g of groups) g.priority = rank.get(g.priority) ?? 0;
  return sortGroups(groups);
}

export interface LocalityPolicy {
  /** `loadBalancer.localityLbSetting`, when set. */
  setting?: Part;
  /** outlierDetection, which failover requires. */
  outlier?: Part;
  proxy: Locality;
  proxyLabels: Labels;
}

/** Whether locality weights are in effect (the cluster then needs `localityWeightedLbConfig`). */
export function distributes(setting: Part | undefined): boolean {
  return setting !== undefined && bool(setting.value.enabled) !== false && Array.isArray(setting.value.distribute) && setting.value.distribute.length > 0;
}

/** The endpoints grouped by locality, with weights and priorities of the locality policy in effect. */
export function localityGroups(endpoints: readonly ServedEndpoint[], policy: LocalityPolicy | undefined): LocalityGroup[] {
  if (!policy) return groupByLocality(endpoints);
  const { setting, outlier, proxy, proxyLabels } = policy;
  const value = setting?.value ?? {};
  if (bool(value.enabled) === false) return groupByLocality(endpoints);
  if (setting && distributes(setting)) return applyDistribute(groupByLocality(endpoints), value.distribute as unknown[], setting, proxy);
  if (!outlier) return groupByLocality(endpoints);
  const failover = Array.isArray(value.failover) ? value.failover : [];
  const priorities = strings(value.failoverPriority);
  const origin: Origin = setting ?? outlier;
  let groups: LocalityGroup[];
  if (priorities.length > 0) {
    groups = groupByLocality(endpoints, (e) => labelPriority(e, priorities, proxyLabels));
    for (const g of groups) {
      g.priority = g.priority * 5 + (failover.length > 0 ? localityPriority(proxy, g.locality, failover) : 0);
      g.priorityOrigin = { doc: origin.doc, path: [...origin.path, failover.length > 0 ? 'failover' : 'failoverPriority'] };
    }
  } else {
    groups = groupByLocality(endpoints);
    for (const g of groups) {
      g.priority = localityPriority(proxy, g.locality, failover);
      g.priorityOrigin = setting && failover.length > 0 ? { doc: setting.doc, path: [...setting.path, 'failover'] } : origin;
    }
  }
  return renumber(groups);
}
