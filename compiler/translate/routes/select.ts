/**
 * Which VirtualService routes a proxy class uses for a service.
 *
 * - Istio VirtualServices that apply to sidecars (`mesh`) and are exported to the proxy's
 *   namespace, looked up by the service's hostname, else by the most specific wildcard host.
 *   When several claim a host the first in document order wins (Istio: the oldest), and
 *   nothing is reported here (the analyzers do).
 * - Gateway API HTTPRoutes/GRPCRoutes attached to the Service (GAMMA) when no VirtualService
 *   claims the host: every route attached to the host (and port, when the parentRef names
 *   one) is merged and ordered by Gateway API precedence, as Istio does. A route in another
 *   namespace than the Service applies only to proxies in the route's namespace.
 * - Delegating rules (`delegate`) are replaced by the delegate VirtualService's rules merged
 *   with the root rule (one level, as Istio supports).
 */
import type { HttpRoute, Service, VirtualService } from '../../model/index.ts';
import { isRecord, isVisible, wildcardCandidates } from '../../model/index.ts';
import type { TranslateContext } from '../types.ts';
import { DELEGATE_IGNORED, DELEGATE_MATCH_CONFLICT, DELEGATE_NOT_FOUND } from './codes.ts';
import type { Reporter } from './report.ts';
import type { RouteEntry, Rule } from './rules.ts';
import { compareGatewayPrecedence, conditionsOf, delegatedRuleName, entriesOfRule, mergeMatches } from './rules.ts';
import type { NodePath } from './sources.ts';
import { under } from './sources.ts';
import type { CodeDefinition } from '../../diagnostics/index.ts';
import type { PolicyDocument } from '../../load/types.ts';

export interface HostRoutes {
  /** The policy the virtual host comes from (the first, when Gateway API routes are merged). */
  policy: VirtualService;
  entries: readonly RouteEntry[];
}

interface GatewayAttachment {
  vs: VirtualService;
  /** The parentRef port, when the route attaches to one port of the Service only. */
  port?: number;
}

interface Problem {
  code: CodeDefinition;
  doc: PolicyDocument;
  path: NodePath;
  message: string;
}

const entryCache = new WeakMap<VirtualService, { entries: readonly RouteEntry[]; problems: readonly Problem[] }>();

export class RouteSelector {
  private readonly istio = new Map<string, VirtualService>();
  private readonly gateway = new Map<string, GatewayAttachment[]>();
  private readonly gatewayCache = new Map<string, HostRoutes | null>();
  private readonly hasWildcards: boolean;

  constructor(
    private ctx: TranslateContext,
    private report: Reporter,
  ) {
    const from = ctx.proxy.namespace;
    let wildcards = false;
    for (const vs of ctx.model.virtualServices) {
      if (!vs.appliesToMesh) continue;
      if (vs.sourceKind === 'VirtualService') {
        if (!isVisible(vs.exportTo, vs.namespace, from)) continue;
        for (const host of vs.hosts) {
          if (!this.istio.has(host.fqdn)) this.istio.set(host.fqdn, vs);
          if (host.fqdn.startsWith('*')) wildcards = true;
        }
      } else {
        for (const host of vs.hosts) {
          if (!host.path.includes('parentRefs')) continue;
          const attachment: GatewayAttachment = { vs };
          const port = parentRefPort(vs, host.path);
          if (port !== undefined) attachment.port = port;
          let list = this.gateway.get(host.fqdn);
          if (!list) this.gateway.set(host.fqdn, (list = []));
          list.push(attachment);
        }
      }
    }
    this.hasWildcards = wildcards;
  }

  /**
   * Makes this selector the one of a later translation (`ctx`, `report`) whose model differs
   * in routes replaced by routes that claim the same hosts the same way (model/update.ts `sameClaims`): each
   * claim moves to the route that replaced it. The selector must not be used for the old
   * translation afterwards.
   */
  rebind(ctx: TranslateContext, report: Reporter, replaced: ReadonlyMap<VirtualService, VirtualService>): void {
    this.ctx = ctx;
    this.report = report;
    this.gatewayCache.clear();
    for (const [before, after] of replaced) {
      for (const host of before.hosts) {
        if (this.istio.get(host.fqdn) === before) this.istio.set(host.fqdn, after);
        const attached = this.gateway.get(host.fqdn);
        if (attached) this.gateway.set(host.fqdn, attached.map((a) => (a.vs === before ? { ...a, vs: after } : a)));
      }
    }
  }

  /** The routes for a service on a port, or undefined when no policy routes it (default route). */
  routesFor(service: Service, port: number): HostRoutes | undefined {
    const vs = this.istioFor(service.hostname);
    if (vs) return { policy: vs, entries: this.entriesOf(vs) };
    if (this.gateway.size === 0) return undefined;
    return this.gatewayRoutes(service, port);
  }

  private istioFor(hostname: string): VirtualService | undefined {
    const exact = this.istio.get(hostname);
    if (exact || !this.hasWildcards) return exact;
    for (const candidate of wildcardCandidates(hostname)) {
      const vs = this.istio.get(candidate);
      if (vs) return vs;
    }
    return undefined;
  }

  private gatewayRoutes(service: Service, port: number): HostRoutes | undefined {
    const key = `${service.hostname}\u0000${port}`;
    const cached = this.gatewayCache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const from = this.ctx.proxy.namespace;
    const attached = (this.gateway.get(service.hostname) ?? []).filter(
      (a) => (a.port === undefined || a.port === port) && (a.vs.namespace === service.namespace || a.vs.namespace === from),
    );
    let result: HostRoutes | null = null;
    if (attached.length > 0) {
      const entries: RouteEntry[] = [];
      const seen = new Set<VirtualService>();
      for (const a of attached) {
        if (seen.has(a.vs)) continue;
        seen.add(a.vs);
        for (const e of this.entriesOf(a.vs)) entries.push(e);
      }
      // Array.prototype.sort is stable: ties keep route (document) and rule order
      entries.sort(compareGatewayPrecedence);
      result = { policy: (attached[0] as GatewayAttachment).vs, entries };
    }
    this.gatewayCache.set(key, result);
    return result ?? undefined;
  }

  /**
   * Every route entry of a VirtualService, delegation resolved. They depend on the model
   * only, so they are kept with the VirtualService for every proxy class; the problems
   * found on the way are reported again for each class.
   */
  entriesOf(vs: VirtualService): readonly RouteEntry[] {
    let cached = entryCache.get(vs);
    if (!cached) {
      const entries: RouteEntry[] = [];
      const problems: Problem[] = [];
      for (const http of vs.http) {
        if (isRecord(http.raw.delegate)) {
          for (const e of this.delegated(vs, http, problems)) entries.push(e);
        } else {
          for (const e of entriesOfRule(vs, http)) entries.push(e);
        }
      }
      entryCache.set(vs, (cached = { entries, problems }));
    }
    for (const p of cached.problems) this.report.once(p.code, p.doc, p.path, p.message);
    return cached.entries;
  }

  private delegated(root: VirtualService, http: HttpRoute, problems: Problem[]): RouteEntry[] {
    const report = { once: (code: CodeDefinition, doc: PolicyDocument, path: NodePath, message: string) => problems.push({ code, doc, path, message }) };
    const ref = http.raw.delegate as Record<string, unknown>;
    const name = typeof ref.name === 'string' ? ref.name : '';
    const namespace = typeof ref.namespace === 'string' && ref.namespace !== '' ? ref.namespace : root.namespace;
    const at = under(http.path, 'delegate');
    const delegate = this.ctx.index.virtualService(namespace, name);
    if (!delegate) {
      report.once(DELEGATE_NOT_FOUND, root.doc, at, `rule delegates to VirtualService ${namespace}/${name}, which does not exist: the rule adds no routes`);
      return [];
    }
    const problem =
      delegate.hosts.length > 0
        ? `it has hosts (a delegate must have none)`
        : !isVisible(delegate.exportTo, delegate.namespace, root.namespace)
          ? `it is not exported to namespace ${root.namespace}`
          : undefined;
    if (problem) {
      report.once(DELEGATE_IGNORED, root.doc, at, `delegate VirtualService ${namespace}/${name} cannot be used: ${problem}; the rule adds no routes`);
      return [];
    }
    const rootConditions = conditionsOf(root, http);
    const out: RouteEntry[] = [];
    for (const leaf of delegate.http) {
      if (isRecord(leaf.raw.delegate)) {
        report.once(DELEGATE_IGNORED, delegate.doc, under(leaf.path, 'delegate'), `delegate VirtualService ${namespace}/${name} delegates again; Istio supports one level, so this rule is left out`);
        continue;
      }
      const merged = mergeMatches(rootConditions, conditionsOf(delegate, leaf));
      if (!merged) {
        report.once(
          DELEGATE_MATCH_CONFLICT,
          delegate.doc,
          under(leaf.path, 'match'),
          `this delegate rule's match contradicts the match of the delegating rule in ${root.doc.kind} ${root.namespace}/${root.name}: the rule is left out`,
        );
        continue;
      }
      const rule: Rule = { own: { vs: delegate, http: leaf }, root: { vs: root, http } };
      const ruleName = delegatedRuleName(http, leaf);
      if (ruleName !== undefined) rule.name = ruleName;
      if (merged.length === 0) out.push({ rule });
      for (const match of merged) out.push({ rule, match });
    }
    return out;
  }
}

/** The `port` of the parentRef a Gateway API host came from (host path `spec.parentRefs[i].name`). */
function parentRefPort(vs: VirtualService, hostPath: readonly (string | number)[]): number | undefined {
  const index = hostPath[2];
  if (typeof index !== 'number') return undefined;
  const spec = vs.doc.data.spec;
  if (!isRecord(spec) || !Array.isArray(spec.parentRefs)) return undefined;
  const ref: unknown = spec.parentRefs[index];
  return isRecord(ref) && typeof ref.port === 'number' ? ref.port : undefined;
}
