/**
 * Consistency of route configurations: no domain twice among the virtual hosts of one route
 * configuration (Envoy folds case and NACKs), and every route's clusters exist with weights
 * that add up.
 *
 * `checkRouteConfiguration` checks one whole. `RouteState` keeps what a large route
 * configuration had last time (its virtual hosts, who holds which domain, which hosts have
 * broken references), so that after a policy edit, which changes one virtual host of
 * 10,000, only the virtual hosts that are not the same frozen objects as before are checked
 * again. Both report the same violations in the same order: host by host, a host's
 * duplicate domains, then its routes' references.
 */
import type { JsonObject, JsonValue } from '../xds/index.ts';
import { isObject, keyOf, Sink } from './sink.ts';
import type { NameIndex } from './sink.ts';
import type { Violation } from './types.ts';

const UINT32_MAX = 0xffffffff;
const NONE: readonly never[] = Object.freeze([]);

/** A number from JSON (wrappers such as UInt32Value appear as plain numbers or strings). */
function num(v: JsonValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
  return 0;
}

function hostLabel(vh: JsonObject, position: number): string {
  return JSON.stringify(typeof vh['name'] === 'string' ? vh['name'] : `#${position}`);
}

function duplicateDomain(sink: Sink, domain: string, i: number, owner: JsonObject, position: number): void {
  sink.add('snapshot.duplicate_domain', `domain ${JSON.stringify(domain)} is already used by virtual host ${hostLabel(owner, position)}`, ['domains', i]);
}

/** Folded domain → position of the first virtual host with it, among the hosts before `h` and the first `i` domains of host `h`. */
function ownersBefore(hosts: readonly JsonValue[], h: number, i: number): Map<string, number> {
  const owners = new Map<string, number>();
  for (let k = 0; k <= h; k++) {
    const vh = hosts[k];
    const domains = isObject(vh) ? vh['domains'] : undefined;
    if (!Array.isArray(domains)) continue;
    const end = k === h ? i : domains.length;
    for (let j = 0; j < end; j++) {
      const d = domains[j];
      if (typeof d !== 'string') continue;
      const folded = d.toLowerCase();
      if (!owners.has(folded)) owners.set(folded, k);
    }
  }
  return owners;
}

/** A route configuration, whole (the sink's path is at the route configuration). */
export function checkRouteConfiguration(rc: JsonObject, index: NameIndex, sink: Sink): void {
  const hostsKey = keyOf(rc, 'virtualHosts', 'virtual_hosts');
  const hosts = rc[hostsKey];
  if (!Array.isArray(hosts)) return;
  // one set operation per domain while none is repeated (nearly always); from the first
  // repeated one on, the position of each domain's first host, to name it
  const seen = new Set<string>();
  let owners: Map<string, number> | undefined;
  for (let h = 0; h < hosts.length; h++) {
    const vh = hosts[h];
    if (!isObject(vh)) continue;
    sink.path.push(hostsKey, h);
    const domains = vh['domains'];
    if (Array.isArray(domains)) {
      for (let i = 0; i < domains.length; i++) {
        const d = domains[i];
        if (typeof d !== 'string') continue;
        const folded = d.toLowerCase();
        if (owners === undefined) {
          const size = seen.size;
          if (seen.add(folded).size !== size) continue;
          owners = ownersBefore(hosts, h, i);
        }
        const first = owners.get(folded);
        if (first === undefined) owners.set(folded, h);
        else duplicateDomain(sink, d, i, hosts[first] as JsonObject, first);
      }
    }
    checkHostRoutes(vh, index, sink);
    sink.path.length -= 2;
  }
}

/** The references of a virtual host's routes: what of a virtual host does not depend on the others. */
function checkHostRoutes(vh: JsonObject, index: NameIndex, sink: Sink): void {
  const routes = vh['routes'];
  if (!Array.isArray(routes)) return;
  for (let j = 0; j < routes.length; j++) {
    const route = routes[j];
    if (!isObject(route)) continue;
    const action = route['route'];
    if (!isObject(action)) continue;
    sink.path.push('routes', j, 'route');
    checkRouteAction(action, index, sink);
    sink.path.length -= 3;
  }
}

function checkRouteAction(action: JsonObject, index: NameIndex, sink: Sink): void {
  const cluster = action['cluster'];
  if (typeof cluster === 'string' && !index.clusters.has(cluster)) {
    sink.add('snapshot.cluster_missing', `cluster ${JSON.stringify(cluster)} is not in the snapshot`, ['cluster']);
  }
  const wcKey = keyOf(action, 'weightedClusters', 'weighted_clusters');
  const wc = action[wcKey];
  if (!isObject(wc)) return;
  const clusters = wc['clusters'];
  if (!Array.isArray(clusters) || clusters.length === 0) return; // repeated.min_items reports it
  let total = 0;
  for (let k = 0; k < clusters.length; k++) {
    const c = clusters[k];
    if (!isObject(c)) continue;
    total += num(c['weight']);
    const name = c['name'];
    if (typeof name === 'string' && !index.clusters.has(name)) {
      sink.add('snapshot.cluster_missing', `cluster ${JSON.stringify(name)} is not in the snapshot`, [wcKey, 'clusters', k, 'name']);
    }
  }
  const declaredKey = keyOf(wc, 'totalWeight', 'total_weight');
  const declared = wc[declaredKey];
  if (total === 0) {
    sink.add('snapshot.weight_total', 'the weights of weightedClusters sum to 0: no cluster can be picked', [wcKey]);
  } else if (total > UINT32_MAX) {
    sink.add('snapshot.weight_total', `the weights of weightedClusters sum to ${total}, more than ${UINT32_MAX}`, [wcKey]);
  } else if (declared !== undefined && num(declared) !== total) {
    sink.add('snapshot.weight_total', `totalWeight is ${num(declared)} but the weights sum to ${total}`, [wcKey, declaredKey]);
  }
}

/** One virtual host as last checked. */
interface HostState {
  readonly vh: JsonValue;
  /** Its position among the virtual hosts. */
  pos: number;
  /** Its domains, case folded. */
  readonly folded: readonly string[];
  /** Its routes' reference violations, paths relative to the virtual host. */
  readonly refs: readonly Violation[];
}

/** A virtual host that cannot have changed since it was checked: frozen (or not an object). */
function immutable(vh: JsonValue | undefined): boolean {
  return typeof vh !== 'object' || vh === null || Object.isFrozen(vh);
}

/** The same virtual host as before: the same object, and frozen, so its contents are the same too. */
function same(before: HostState, vh: JsonValue | undefined): boolean {
  return before.vh === vh && immutable(vh);
}

/**
 * A large route configuration as last checked, for checking it again after a change in the
 * time its changed virtual hosts take. The names in the snapshot must be the same as when
 * the state was made (a SnapshotChecker starts afresh when they are not).
 */
export class RouteState {
  private hostsKey = '';
  private hosts: HostState[] = [];
  /** Folded domain → the virtual hosts that have it (one twice when it has it twice). */
  private readonly holders = new Map<string, HostState | HostState[]>();
  /** Folded domains held more than once. */
  private readonly duplicated = new Set<string>();
  private readonly withRefs = new Set<HostState>();
  private readonly relative = new Sink([]);

  constructor(rc: JsonObject, index: NameIndex) {
    this.update(rc, index);
  }

  /** Brings the state to `rc`: the virtual hosts from the first changed one to the last changed one are checked again. */
  update(rc: JsonObject, index: NameIndex): void {
    const hostsKey = keyOf(rc, 'virtualHosts', 'virtual_hosts');
    const list = rc[hostsKey];
    const hosts: readonly JsonValue[] = Array.isArray(list) ? list : NONE;
    if (hostsKey !== this.hostsKey) {
      this.hostsKey = hostsKey;
      this.hosts = [];
      this.holders.clear();
      this.duplicated.clear();
      this.withRefs.clear();
    }
    const old = this.hosts;
    if (old.length === hosts.length) {
      // the common case, an edit of some virtual hosts: compare position by position
      for (let k = 0; k < hosts.length; k++) {
        const before = old[k] as HostState;
        if (same(before, hosts[k])) continue;
        this.remove(before);
        old[k] = this.add(hosts[k] as JsonValue, k, index);
      }
      return;
    }
    // hosts added or removed: the ones before the first change and after the last keep
    // their state, and so do the hosts in between met again (at another position)
    const common = Math.min(old.length, hosts.length);
    let start = 0;
    while (start < common && same(old[start] as HostState, hosts[start])) start++;
    let tail = 0;
    while (tail < common - start && same(old[old.length - 1 - tail] as HostState, hosts[hosts.length - 1 - tail])) tail++;
    const kept = new Map<JsonValue, HostState[]>();
    for (let k = start; k < old.length - tail; k++) {
      const before = old[k] as HostState;
      if (!immutable(before.vh)) {
        this.remove(before);
        continue;
      }
      const list = kept.get(before.vh);
      if (list === undefined) kept.set(before.vh, [before]);
      else list.push(before);
    }
    const next = old.slice(0, start);
    for (let k = start; k < hosts.length - tail; k++) {
      const vh = hosts[k] as JsonValue;
      const again = immutable(vh) ? kept.get(vh)?.shift() : undefined;
      if (again === undefined) {
        next.push(this.add(vh, k, index));
      } else {
        again.pos = k;
        next.push(again);
      }
    }
    for (const list of kept.values()) for (const gone of list) this.remove(gone);
    for (let k = old.length - tail; k < old.length; k++) {
      const host = old[k] as HostState;
      host.pos = next.length;
      next.push(host);
    }
    this.hosts = next;
  }

  private add(vh: JsonValue, pos: number, index: NameIndex): HostState {
    if (!isObject(vh)) return { vh, pos, folded: NONE, refs: NONE };
    const domains = vh['domains'];
    let folded: readonly string[] = NONE;
    if (Array.isArray(domains) && domains.length > 0) {
      const own: string[] = [];
      for (const d of domains) if (typeof d === 'string') own.push(d.toLowerCase());
      folded = own;
    }
    const out = this.relative.out;
    checkHostRoutes(vh, index, this.relative);
    const host: HostState = { vh, pos, folded, refs: out.length === 0 ? NONE : out.splice(0) };
    if (host.refs.length > 0) this.withRefs.add(host);
    for (const f of folded) {
      const held = this.holders.get(f);
      if (held === undefined) {
        this.holders.set(f, host);
      } else {
        if (Array.isArray(held)) held.push(host);
        else this.holders.set(f, [held, host]);
        this.duplicated.add(f);
      }
    }
    return host;
  }

  private remove(host: HostState): void {
    this.withRefs.delete(host);
    for (const f of host.folded) {
      const held = this.holders.get(f);
      if (held === host) {
        this.holders.delete(f);
      } else if (Array.isArray(held)) {
        held.splice(held.indexOf(host), 1);
        if (held.length === 1) {
          this.holders.set(f, held[0] as HostState);
          this.duplicated.delete(f);
        }
      }
    }
  }

  /** The first holder of a domain held more than once. */
  private owner(folded: string): HostState {
    const held = this.holders.get(folded) as HostState[];
    let first = held[0] as HostState;
    for (const h of held) if (h.pos < first.pos) first = h;
    return first;
  }

  /** The route configuration's violations, as checkRouteConfiguration reports them (the sink's path is at the route configuration). */
  report(sink: Sink): void {
    if (this.duplicated.size === 0 && this.withRefs.size === 0) return;
    const visit = new Set(this.withRefs);
    for (const f of this.duplicated) for (const h of this.holders.get(f) as HostState[]) visit.add(h);
    for (const host of [...visit].sort((a, b) => a.pos - b.pos)) {
      sink.path.push(this.hostsKey, host.pos);
      const domains = (host.vh as JsonObject)['domains'];
      if (this.duplicated.size > 0 && Array.isArray(domains)) {
        let owned: Set<string> | undefined;
        for (let i = 0; i < domains.length; i++) {
          const d = domains[i];
          if (typeof d !== 'string') continue;
          const folded = d.toLowerCase();
          if (!this.duplicated.has(folded)) continue;
          const first = this.owner(folded);
          if (first === host && !owned?.has(folded)) (owned ??= new Set()).add(folded);
          else duplicateDomain(sink, d, i, first.vh as JsonObject, first.pos);
        }
      }
      for (const v of host.refs) sink.add(v.rule, v.message, v.path);
      sink.path.length -= 2;
    }
  }
}
