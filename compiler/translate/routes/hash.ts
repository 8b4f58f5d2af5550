/**
 * Route hash policies from DestinationRule consistent hashing (Istio `hashForHTTPDestination`,
 * `consistentHashToHashPolicy`): the DestinationRule that applies from the proxy's namespace
 * (Istio's precedence, first trafficPolicy of the merged rules), the most specific setting
 * winning — subset port-level, subset, port-level, top level. Port-level settings count only
 * for a destination with an explicit port (and for a service's default route, its port).
 *
 * httpHeaderName → header, httpCookie → cookie (name, path, ttl), useSourceIp →
 * connection_properties.source_ip, httpQueryParameterName → query_parameter.
 */
import type { PolicyDocument } from '../../load/types.ts';
import type { DestinationRule, Origin, PolicyModel } from '../../model/index.ts';
import { isRecord } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import type { TranslateContext } from '../types.ts';
import { envoyDuration } from './duration.ts';
import type { NodePath } from './sources.ts';
import { under } from './sources.ts';

export interface HashPolicy {
  policy: JsonObject;
  /** `header` is the only kind proxyless gRPC clients use. */
  kind: 'header' | 'cookie' | 'sourceIp' | 'queryParameter';
  /** The consistentHash node. */
  origin: Origin;
}

function toPolicy(hash: Record<string, unknown>, origin: Origin): HashPolicy | undefined {
  if (typeof hash.httpHeaderName === 'string') return { policy: { header: { headerName: hash.httpHeaderName } }, kind: 'header', origin };
  if (isRecord(hash.httpCookie)) {
    const c = hash.httpCookie;
    const cookie: JsonObject = { name: typeof c.name === 'string' ? c.name : '' };
    const ttl = envoyDuration(c.ttl);
    if (ttl !== undefined) cookie.ttl = ttl;
    if (typeof c.path === 'string' && c.path !== '') cookie.path = c.path;
    return { policy: { cookie }, kind: 'cookie', origin };
  }
  if (hash.useSourceIp === true) return { policy: { connectionProperties: { sourceIp: true } }, kind: 'sourceIp', origin };
  if (typeof hash.httpQueryParameterName === 'string') return { policy: { queryParameter: { name: hash.httpQueryParameterName } }, kind: 'queryParameter', origin };
  return undefined;
}

/** The consistentHash of a trafficPolicy, either top level or in the port-level setting for `port`. */
function consistentHash(tp: unknown, port: number | undefined, doc: PolicyDocument, base: NodePath): HashPolicy | undefined {
  if (!isRecord(tp)) return undefined;
  if (port !== undefined && Array.isArray(tp.portLevelSettings)) {
    for (let i = 0; i < tp.portLevelSettings.length; i++) {
      const pls: unknown = tp.portLevelSettings[i];
      if (!isRecord(pls) || !isRecord(pls.port) || pls.port.number !== port) continue;
      const lb = pls.loadBalancer;
      if (isRecord(lb) && isRecord(lb.consistentHash)) {
        return toPolicy(lb.consistentHash, { doc, path: under(base, 'portLevelSettings', i, 'loadBalancer', 'consistentHash') });
      }
      break;
    }
  }
  const lb = tp.loadBalancer;
  if (isRecord(lb) && isRecord(lb.consistentHash)) return toPolicy(lb.consistentHash, { doc, path: under(base, 'loadBalancer', 'consistentHash') });
  return undefined;
}

function hasConsistentHash(tp: unknown): boolean {
  if (!isRecord(tp)) return false;
  if (isRecord(tp.loadBalancer) && tp.loadBalancer.consistentHash !== undefined) return true;
  if (!Array.isArray(tp.portLevelSettings)) return false;
  return tp.portLevelSettings.some((p: unknown) => isRecord(p) && isRecord(p.loadBalancer) && p.loadBalancer.consistentHash !== undefined);
}

/** The DestinationRules of a model that hash consistently anywhere (most do not: no lookup needed). */
const hashingRules = new WeakMap<PolicyModel, ReadonlySet<DestinationRule>>();
function rulesWithHashing(model: PolicyModel): ReadonlySet<DestinationRule> {
  let set = hashingRules.get(model);
  if (!set) {
    const found = new Set<DestinationRule>();
    for (const rule of model.destinationRules) {
      if (hasConsistentHash(rule.trafficPolicy) || rule.subsets.some((s) => hasConsistentHash(s.trafficPolicy))) found.add(rule);
    }
    hashingRules.set(model, (set = found));
  }
  return set;
}

export class HashPolicies {
  private readonly cache = new Map<string, HashPolicy | null>();
  private readonly hashing: ReadonlySet<DestinationRule>;

  constructor(private readonly ctx: TranslateContext) {
    this.hashing = rulesWithHashing(ctx.model);
  }

  /** The hash policy for traffic to `host` (subset, explicit port) from the proxy's namespace. */
  forDestination(host: string, subset: string | undefined, port: number | undefined): HashPolicy | undefined {
    if (this.hashing.size === 0) return undefined;
    const key = `${host}\u0000${subset ?? ''}\u0000${port ?? ''}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.compute(host, subset, port);
    this.cache.set(key, found ?? null);
    return found;
  }

  private compute(host: string, subset: string | undefined, port: number | undefined): HashPolicy | undefined {
    const from = this.ctx.proxy.namespace;
    const rules = this.ctx.index.destinationRulesFor(from, host);
    if (!rules.some((r) => this.hashing.has(r))) return undefined;
    if (subset !== undefined) {
      const found = this.ctx.index.findSubset(from, host, subset);
      if (found) {
        const fromSubset = consistentHash(found.subset.trafficPolicy, port, found.rule.doc, under(found.subset.path, 'trafficPolicy'));
        if (fromSubset) return fromSubset;
      }
    }
    for (const rule of rules) {
      if (rule.trafficPolicy === undefined) continue;
      return consistentHash(rule.trafficPolicy, port, rule.doc, ['spec', 'trafficPolicy']);
    }
    return undefined;
  }
}

/** SLU7001 message for a consistent hash gRPC clients do not apply. */
export function unsupportedHashMessage(hash: HashPolicy): string {
  const on = hash.kind === 'sourceIp' ? 'the source IP' : hash.kind === 'cookie' ? 'a cookie' : 'a query parameter';
  return `consistent hashing on ${on} is not supported by proxyless gRPC clients (only httpHeaderName): their requests are not hashed`;
}
