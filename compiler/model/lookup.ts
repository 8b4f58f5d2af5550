/**
 * Indexes over a built model, for the builder and for analyzers: hosts (exact, wildcard,
 * suffix), DestinationRules by namespace and host with Istio's lookup precedence, and
 * resources by name. Everything is a map lookup; nothing scans all services or routes.
 *
 * `indexOf(model)` returns the index the builder made, or makes one (cached per model
 * object) for models assembled by hand in tests.
 */
import { DEFAULT_DOMAIN_SUFFIX, DEFAULT_ROOT_NAMESPACE, hostMatches, isWildcardHost, wildcardCandidates } from './hosts.ts';
import type { DestinationRule, Gateway, PolicyModel, Service, Subset, VirtualService } from './types.ts';

const EMPTY: readonly never[] = Object.freeze([]);

/** Is a resource with this exportTo in namespace `owner` visible from namespace `from`? Empty exportTo = everywhere. */
export function isVisible(exportTo: readonly string[], owner: string, from: string): boolean {
  if (exportTo.length === 0) return true;
  for (const e of exportTo) {
    if (e === '*' || e === from || (e === '.' && owner === from)) return true;
  }
  return false;
}

function visibleFrom(rules: readonly DestinationRule[], from: string): readonly DestinationRule[] {
  for (const r of rules) {
    if (!isVisible(r.exportTo, r.namespace, from)) return rules.filter((x) => isVisible(x.exportTo, x.namespace, from));
  }
  return rules;
}

export class ModelIndex {
  readonly rootNamespace: string;
  readonly domainSuffix: string;
  readonly servicesByHost: Map<string, Service[]>;
  private readonly wildcardServices = new Map<string, Service[]>();
  private suffixes: Map<string, Service[]> | undefined;
  private readonly drs = new Map<string, Map<string, DestinationRule[]>>();
  private readonly drWildcards = new Map<string, string[]>();
  private readonly vsByName = new Map<string, VirtualService>();
  /** Routes replaced since `vsByName` was made (withVirtualServicesReplaced), looked up first. */
  private readonly vsReplaced: Map<string, VirtualService> | undefined = undefined;
  private readonly gatewaysByName = new Map<string, Gateway[]>();
  private readonly subsetCache = new Map<string, ReadonlyMap<string, { subset: Subset; rule: DestinationRule }>>();

  constructor(
    services: readonly Service[],
    options: { rootNamespace?: string | undefined; domainSuffix?: string | undefined; servicesByHost?: Map<string, Service[]> } = {},
  ) {
    this.rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
    this.domainSuffix = options.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
    if (options.servicesByHost) {
      this.servicesByHost = options.servicesByHost;
    } else {
      this.servicesByHost = new Map();
      for (const s of services) {
        let list = this.servicesByHost.get(s.hostname);
        if (!list) this.servicesByHost.set(s.hostname, (list = []));
        list.push(s);
      }
    }
    for (const [host, list] of this.servicesByHost) {
      if (isWildcardHost(host)) this.wildcardServices.set(host, list);
    }
  }

  /** Services registered under exactly this host. */
  servicesAt(host: string): readonly Service[] {
    return this.servicesByHost.get(host) ?? EMPTY;
  }

  /**
   * Services a concrete host reaches: the services registered under it, else the most
   * specific wildcard ServiceEntry host covering it (`*.example.com` for `api.example.com`).
   */
  servicesFor(host: string): readonly Service[] {
    const exact = this.servicesByHost.get(host);
    if (exact) return exact;
    if (this.wildcardServices.size === 0) return EMPTY;
    for (const candidate of wildcardCandidates(host)) {
      const list = this.wildcardServices.get(candidate);
      if (list) return list;
    }
    return EMPTY;
  }

  private suffixIndex(): Map<string, Service[]> {
    if (this.suffixes) return this.suffixes;
    const index = new Map<string, Service[]>();
    for (const [host, list] of this.servicesByHost) {
      let rest = isWildcardHost(host) ? host.slice(1) : host;
      if (!isWildcardHost(host)) {
        const dot = rest.indexOf('.');
        rest = dot >= 0 ? rest.slice(dot) : '';
      }
      // rest is ".b.example.com": register ".b.example.com", ".example.com", ".com"
      while (rest.length > 0) {
        let bucket = index.get(rest);
        if (!bucket) index.set(rest, (bucket = []));
        for (const s of list) bucket.push(s);
        const next = rest.indexOf('.', 1);
        rest = next >= 0 ? rest.slice(next) : '';
      }
    }
    this.suffixes = index;
    return index;
  }

  /** Every service whose host a wildcard pattern (`*.example.com`, `*`) covers. */
  servicesMatching(pattern: string): readonly Service[] {
    if (!isWildcardHost(pattern)) return this.servicesFor(pattern);
    if (pattern === '*') {
      const all: Service[] = [];
      for (const list of this.servicesByHost.values()) all.push(...list);
      return all;
    }
    const bucket = this.suffixIndex().get(pattern.slice(1)) ?? EMPTY;
    return bucket.filter((s) => hostMatches(pattern, s.hostname));
  }

  /** Is this host (concrete or wildcard) known to the registry at all? */
  isKnownHost(host: string): boolean {
    if (isWildcardHost(host)) {
      if (this.servicesByHost.has(host)) return true;
      if (host === '*') return this.servicesByHost.size > 0;
      if ((this.suffixIndex().get(host.slice(1))?.length ?? 0) > 0) return true;
      // a broader wildcard ServiceEntry covers this narrower pattern
      for (const candidate of wildcardCandidates(host)) if (this.wildcardServices.has(candidate)) return true;
      return false;
    }
    return this.servicesFor(host).length > 0;
  }

  addDestinationRule(rule: DestinationRule): void {
    let byHost = this.drs.get(rule.namespace);
    if (!byHost) this.drs.set(rule.namespace, (byHost = new Map()));
    const host = rule.host.fqdn;
    let list = byHost.get(host);
    if (!list) {
      byHost.set(host, (list = []));
      if (isWildcardHost(host)) {
        let w = this.drWildcards.get(rule.namespace);
        if (!w) this.drWildcards.set(rule.namespace, (w = []));
        w.push(host);
      }
    }
    list.push(rule);
    this.subsetCache.clear();
  }

  /** DestinationRules of one namespace for a host: exact host first, else the most specific wildcard. */
  destinationRulesIn(namespace: string, host: string): readonly DestinationRule[] {
    const byHost = this.drs.get(namespace);
    if (!byHost) return EMPTY;
    const exact = byHost.get(host);
    if (exact) return exact;
    if (!this.drWildcards.has(namespace)) return EMPTY;
    for (const candidate of wildcardCandidates(host)) {
      const list = byHost.get(candidate);
      if (list) return list;
    }
    return EMPTY;
  }

  /** Every DestinationRule naming exactly this host, in every namespace. */
  destinationRulesNaming(host: string): DestinationRule[] {
    const out: DestinationRule[] = [];
    for (const byHost of this.drs.values()) {
      const list = byHost.get(host);
      if (list) out.push(...list);
    }
    return out;
  }

  /**
   * The DestinationRules that apply to traffic from namespace `from` to `host`, by Istio's
   * precedence: the client's namespace, then the service's namespace, then the root
   * namespace (each honouring exportTo). Rules of the chosen namespace for one host are
   * merged by Istio (subsets added, first trafficPolicy wins).
   */
  destinationRulesFor(from: string, host: string): readonly DestinationRule[] {
    const own = this.destinationRulesIn(from, host);
    if (own.length > 0) return own;
    const serviceNs = this.servicesFor(host)[0]?.namespace;
    if (serviceNs !== undefined && serviceNs !== from) {
      const inService = visibleFrom(this.destinationRulesIn(serviceNs, host), from);
      if (inService.length > 0) return inService;
    }
    if (this.rootNamespace !== from && this.rootNamespace !== serviceNs) {
      const inRoot = visibleFrom(this.destinationRulesIn(this.rootNamespace, host), from);
      if (inRoot.length > 0) return inRoot;
    }
    return EMPTY;
  }

  /** Subsets available to `from` for `host`, merged the way Istio merges rules (first definition of a name wins). */
  subsetsFor(from: string, host: string): ReadonlyMap<string, { subset: Subset; rule: DestinationRule }> {
    const key = `${from}\u0000${host}`;
    const cached = this.subsetCache.get(key);
    if (cached) return cached;
    const out = new Map<string, { subset: Subset; rule: DestinationRule }>();
    for (const rule of this.destinationRulesFor(from, host)) {
      for (const subset of rule.subsets) if (!out.has(subset.name)) out.set(subset.name, { subset, rule });
    }
    this.subsetCache.set(key, out);
    return out;
  }

  /** One subset available to `from` for `host` (same precedence and merge as `subsetsFor`, without caching). */
  findSubset(from: string, host: string, name: string): { subset: Subset; rule: DestinationRule } | undefined {
    for (const rule of this.destinationRulesFor(from, host)) {
      for (const subset of rule.subsets) if (subset.name === name) return { subset, rule };
    }
    return undefined;
  }

  /**
   * The index of a model that differs from this one's only in its VirtualServices: services,
   * DestinationRules and gateways (and what is cached about them) are shared.
   */
  withVirtualServices(virtualServices: readonly VirtualService[]): ModelIndex {
    const copy = Object.assign(Object.create(ModelIndex.prototype) as object, this) as ModelIndex;
    (copy as unknown as { vsByName: Map<string, VirtualService> }).vsByName = new Map();
    (copy as unknown as { vsReplaced: undefined }).vsReplaced = undefined;
    for (const vs of virtualServices) copy.addVirtualService(vs);
    return copy;
  }

  /**
   * This index with routes replaced by others of the same kind, namespace and name. The
   * name table is shared: the replacements sit in a small table over it (folded into a new
   * table once they are many), so a route edit does not copy 10,000 names.
   */
  withVirtualServicesReplaced(replaced: readonly (readonly [before: VirtualService, after: VirtualService])[]): ModelIndex {
    const copy = Object.assign(Object.create(ModelIndex.prototype) as object, this) as ModelIndex;
    const self = this as unknown as { vsByName: Map<string, VirtualService>; vsReplaced: Map<string, VirtualService> | undefined };
    const over = new Map(self.vsReplaced);
    for (const [before, after] of replaced) {
      const key = `${after.sourceKind}/${after.namespace}/${after.name}`;
      if ((over.get(key) ?? self.vsByName.get(key)) === before) over.set(key, after);
    }
    const target = copy as unknown as { vsByName: Map<string, VirtualService>; vsReplaced: Map<string, VirtualService> | undefined };
    if (over.size > 256) {
      target.vsByName = new Map(self.vsByName);
      for (const [key, vs] of over) target.vsByName.set(key, vs);
      target.vsReplaced = undefined;
    } else {
      target.vsReplaced = over;
    }
    return copy;
  }

  addVirtualService(vs: VirtualService): void {
    const key = `${vs.sourceKind}/${vs.namespace}/${vs.name}`;
    if (!this.vsByName.has(key)) this.vsByName.set(key, vs);
  }

  virtualService(namespace: string, name: string, kind: VirtualService['sourceKind'] = 'VirtualService'): VirtualService | undefined {
    const key = `${kind}/${namespace}/${name}`;
    return this.vsReplaced?.get(key) ?? this.vsByName.get(key);
  }

  addGateway(gateway: Gateway): void {
    const key = `${gateway.namespace}/${gateway.name}`;
    let list = this.gatewaysByName.get(key);
    if (!list) this.gatewaysByName.set(key, (list = []));
    list.push(gateway);
  }

  gateways(namespace: string, name: string): readonly Gateway[] {
    return this.gatewaysByName.get(`${namespace}/${name}`) ?? EMPTY;
  }
}

const indexes = new WeakMap<PolicyModel, ModelIndex>();

export function registerIndex(model: PolicyModel, index: ModelIndex): void {
  indexes.set(model, index);
}

/** The lookup index of a model (made on first use for models not built by buildModel). */
export function indexOf(model: PolicyModel): ModelIndex {
  let index = indexes.get(model);
  if (!index) {
    index = new ModelIndex(model.services, {
      rootNamespace: model.rootNamespace,
      domainSuffix: model.domainSuffix,
      servicesByHost: new Map([...model.servicesByHost].map(([k, v]) => [k, [...v]])),
    });
    for (const dr of model.destinationRules) index.addDestinationRule(dr);
    for (const vs of model.virtualServices) index.addVirtualService(vs);
    for (const gw of model.gateways) index.addGateway(gw);
    indexes.set(model, index);
  }
  return index;
}
