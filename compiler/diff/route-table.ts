/**
 * The routing each service port sees: for mesh traffic (sidecars) per service host and
 * port, and for each gateway per host a VirtualService binds to it. Istio's choices are
 * followed: one VirtualService per host for sidecars (an exact host before a wildcard,
 * then the first by namespace/name, as Istio orders by creation time), Gateway API routes
 * for one host merged, gateway routes of every VirtualService for a host merged; matches
 * for another port or another gateway dropped; HTTP routes on HTTP ports, TCP/TLS on the rest.
 */
import { DEFAULT_DOMAIN_SUFFIX, hostMatches, isWildcardHost, resolveGatewayReference } from '../model/hosts.ts';
import { num } from '../model/json.ts';
import { isHttpProtocol } from '../model/protocol.ts';
import type { HttpRoute, PolicyModel, Protocol, TcpTlsRoute, VirtualService } from '../model/types.ts';
import { byNamespaceName, compareText } from './canonical.ts';
import { conditionsKey, conditionsOf, conditionsText } from './conditions.ts';
import type { Condition, Conditions } from './conditions.ts';
import type { NodeRef } from './location.ts';
import { routeSplit } from './split.ts';
import type { LabelContext } from './split.ts';
import type { RouteView } from './types.ts';
import { compact, renderFault, renderMirror, renderRetries, renderTimeout } from './values.ts';

export const MESH = 'mesh';

export interface RouteInfo {
  view: RouteView;
  /** Match alternatives that apply here (OR); `[[]]` for a route that takes every request. */
  alternatives: Conditions[];
  catchAll: boolean;
  /** Pairs a route with its counterpart on the other side: its name, else its conditions. */
  key: string;
  title: string;
  node: NodeRef;
}

export interface RouteEntry {
  key: string;
  host: string;
  port?: number;
  /** `mesh`, or the gateway `namespace/name`. */
  context: string;
  labels: LabelContext;
  /** The VirtualService (or route) that decides, for locations; undefined when none applies. */
  source?: NodeRef;
  /** The Service (or the VirtualService naming the host), the location of last resort. */
  origin: NodeRef;
  /**
   * Everything the routes depend on (context, host, port, protocol, namespace, the deciding
   * routes as resolved). Equal fingerprints on both sides mean equal routing; unequal ones
   * are compared route by route.
   */
  fingerprint: string;
  /** Routes in the order they are tried; empty = no routes: everything goes to the service. Built on first use. */
  readonly routes: RouteInfo[];
}

export function entryKey(context: string, host: string, port: number | undefined): string {
  return `${context}\u0000${host}\u0000${port ?? ''}`;
}

interface HostInfo {
  namespace: string;
  origin: NodeRef;
  ports: Map<number, Protocol>;
}

type Section = 'http' | 'tcp' | 'tls';

function sectionsFor(protocol: Protocol | undefined): Section[] {
  if (protocol === undefined || protocol === 'UNKNOWN') return ['http', 'tcp', 'tls'];
  if (isHttpProtocol(protocol)) return ['http'];
  if (protocol === 'TLS' || protocol === 'HTTPS') return ['tls', 'tcp'];
  return ['tcp'];
}

function gatewaysOf(vs: VirtualService): string[] {
  return vs.gateways.map((g) => (g === MESH ? MESH : gatewayKey(g, vs.namespace)));
}

function gatewayKey(written: string, namespace: string): string {
  const ref = resolveGatewayReference(written, namespace);
  return ref ? `${ref.namespace}/${ref.name}` : MESH;
}

/** Applicable alternatives of a route's matches in a context and on a port; undefined when none applies. */
function alternativesOf(route: HttpRoute | TcpTlsRoute, vs: VirtualService, context: string, port: number | undefined): Conditions[] | undefined {
  const vsApplies = gatewaysOf(vs).includes(context);
  if (route.matches.length === 0) return vsApplies ? [[]] : undefined;
  const out: Conditions[] = [];
  for (const match of route.matches) {
    const gateways = Array.isArray(match.gateways) ? match.gateways.filter((g): g is string => typeof g === 'string') : undefined;
    const applies = gateways ? gateways.some((g) => (g === MESH ? MESH : gatewayKey(g, vs.namespace)) === context) : vsApplies;
    if (!applies) continue;
    const matchPort = num(match.port);
    if (port !== undefined && matchPort !== undefined && matchPort !== port) continue;
    out.push(cachedConditions(match).filter((c) => c.field !== 'gateways' && !(c.field === 'port' && port !== undefined)));
  }
  return out.length > 0 ? out : undefined;
}

const SETTINGS: readonly [string, (raw: Readonly<Record<string, unknown>>) => string | undefined][] = [
  ['timeout', (raw) => (raw.timeout === undefined ? undefined : renderTimeout(raw.timeout))],
  ['retries', (raw) => (raw.retries === undefined ? undefined : renderRetries(raw.retries))],
  ['fault', (raw) => (raw.fault === undefined ? undefined : renderFault(raw.fault))],
  ['mirror', renderMirror],
  ['rewrite', (raw) => (raw.rewrite === undefined ? undefined : compact(raw.rewrite))],
  ['headers', (raw) => (raw.headers === undefined ? undefined : compact(raw.headers))],
  ['corsPolicy', (raw) => (raw.corsPolicy === undefined ? undefined : compact(raw.corsPolicy))],
];

/** A route's settings do not depend on the port it is listed under: rendered once per route. */
const settingsCache = new WeakMap<object, Readonly<Record<string, string>>>();

function settingsOf(raw: Readonly<Record<string, unknown>>): Record<string, string> {
  let settings = settingsCache.get(raw);
  if (!settings) {
    const out: Record<string, string> = {};
    for (const [name, render] of SETTINGS) {
      const value = render(raw);
      if (value !== undefined) out[name] = value;
    }
    settingsCache.set(raw, (settings = out));
  }
  return { ...settings };
}

/** Conditions of a match object, computed once (a route is listed under every port of its host). */
const conditionsCache = new WeakMap<object, readonly Condition[]>();

function cachedConditions(match: Readonly<Record<string, unknown>>): readonly Condition[] {
  let conditions = conditionsCache.get(match);
  if (!conditions) conditionsCache.set(match, (conditions = conditionsOf(match)));
  return conditions;
}

function routeInfo(vs: VirtualService, route: HttpRoute | TcpTlsRoute, alternatives: Conditions[], labels: LabelContext): RouteInfo {
  const settings = settingsOf(route.raw);
  const catchAll = alternatives.some((a) => a.length === 0);
  const match = catchAll ? [] : alternatives.map(conditionsText);
  const name = 'name' in route && typeof route.name === 'string' ? route.name : undefined;
  const view: RouteView = { match, destinations: routeSplit(vs, route, labels), settings };
  if (name !== undefined) view.name = name;
  const matchKey = catchAll ? '' : alternatives.map(conditionsKey).sort().join('\u0001');
  const matchTitle = catchAll ? 'all requests' : match.join(' or ');
  return {
    view,
    alternatives: catchAll ? [[]] : alternatives,
    catchAll,
    key: name !== undefined ? `name\u0000${name}` : `match\u0000${matchKey}`,
    title: name !== undefined ? `"${name}" (${matchTitle})` : matchTitle,
    node: { doc: vs.doc, path: route.path },
  };
}

/** Gateway API precedence between rules of merged routes: exact path, longer prefix, method, more headers, more query params. */
function specificity(route: RouteInfo): number[] {
  let best = [0, 0, 0, 0, 0];
  for (const alt of route.alternatives) {
    const uri = alt.find((c) => c.field === 'uri');
    const score = [
      uri?.op === 'exact' ? 1 : 0,
      uri?.op === 'prefix' ? uri.value.length : 0,
      alt.some((c) => c.field === 'method') ? 1 : 0,
      alt.filter((c) => c.field.startsWith('headers ')).length,
      alt.filter((c) => c.field.startsWith('query ')).length,
    ];
    for (let i = 0; i < score.length; i++) {
      const d = (score[i] ?? 0) - (best[i] ?? 0);
      if (d > 0) best = score;
      if (d !== 0) break;
    }
  }
  return best;
}

function compareSpecificity(a: RouteInfo, b: RouteInfo): number {
  const sa = specificity(a);
  const sb = specificity(b);
  for (let i = 0; i < sa.length; i++) {
    const d = (sb[i] ?? 0) - (sa[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function routesOf(chosen: readonly VirtualService[], context: string, port: number | undefined, protocol: Protocol | undefined, labels: LabelContext): RouteInfo[] {
  const sections = sectionsFor(protocol);
  // the first section any chosen route set has routes for (TLS ports fall back to TCP routes)
  const section = sections.find((s) => chosen.some((vs) => vs[s].length > 0));
  if (section === undefined) return [];
  const out: RouteInfo[] = [];
  for (const vs of chosen) {
    const routes: readonly (HttpRoute | TcpTlsRoute)[] = vs[section];
    for (const route of routes) {
      const alternatives = alternativesOf(route, vs, context, port);
      if (alternatives) out.push(routeInfo(vs, route, alternatives, labels));
    }
  }
  // Gateway API orders rules by precedence, across every route merged for the host
  const gatewayApi = chosen.every((vs) => vs.sourceKind !== 'VirtualService');
  return gatewayApi ? out.sort(compareSpecificity) : out;
}

const fingerprints = new WeakMap<VirtualService, string>();

/** A VirtualService's routing as resolved (written hosts qualified), once per object. */
function vsFingerprint(vs: VirtualService): string {
  let fp = fingerprints.get(vs);
  if (!fp) {
    const routes = (list: readonly (HttpRoute | TcpTlsRoute)[]) =>
      list.map((r) => [r.raw, r.matches, r.destinations.map((d) => [d.host.fqdn, d.subset ?? null, d.port ?? null, d.weight ?? null])]);
    fp = JSON.stringify([vs.sourceKind, vs.namespace, vs.gateways, routes(vs.http), routes(vs.tcp), routes(vs.tls)]);
    fingerprints.set(vs, fp);
  }
  return fp;
}

/** The VirtualServices that decide a mesh host: the exact-host tier before wildcards, first VirtualService wins, Gateway API routes merge. */
function chooseForMesh(candidates: readonly { vs: VirtualService; pattern: string }[], host: string): VirtualService[] {
  if (candidates.length === 0) return [];
  const rank = (pattern: string) => (pattern === host ? Number.MAX_SAFE_INTEGER : pattern.length);
  const top = Math.max(...candidates.map((c) => rank(c.pattern)));
  const tier = candidates.filter((c) => rank(c.pattern) === top).map((c) => c.vs);
  const virtualServices = tier.filter((vs) => vs.sourceKind === 'VirtualService').sort(byNamespaceName);
  if (virtualServices[0]) return [virtualServices[0]];
  return tier.sort(byNamespaceName);
}

function registryHosts(model: PolicyModel): Map<string, HostInfo> {
  const hosts = new Map<string, HostInfo>();
  const services = [...model.services].sort((a, b) => (a.source === b.source ? byNamespaceName(a, b) : a.source === 'kubernetes' ? -1 : 1));
  for (const s of services) {
    let info = hosts.get(s.hostname);
    if (!info) hosts.set(s.hostname, (info = { namespace: s.namespace, origin: { doc: s.doc, path: s.path }, ports: new Map() }));
    for (const p of s.ports) if (!info.ports.has(p.number)) info.ports.set(p.number, p.protocol);
  }
  return hosts;
}

/** Every service port's (and gateway host's) routing in a model, by entry key. */
export function routeTable(model: PolicyModel): Map<string, RouteEntry> {
  const domainSuffix = model.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  const hosts = registryHosts(model);
  const meshExact = new Map<string, { vs: VirtualService; pattern: string }[]>();
  const meshWildcards: { vs: VirtualService; pattern: string }[] = [];
  const gatewayHosts = new Map<string, { context: string; host: string; namespace: string; origin: NodeRef; list: VirtualService[] }>();

  for (const vs of model.virtualServices) {
    const contexts = gatewaysOf(vs);
    for (const h of vs.hosts) {
      if (h.fqdn === '') continue;
      for (const context of contexts) {
        if (context === MESH) {
          if (isWildcardHost(h.fqdn)) meshWildcards.push({ vs, pattern: h.fqdn });
          else {
            let list = meshExact.get(h.fqdn);
            if (!list) meshExact.set(h.fqdn, (list = []));
            list.push({ vs, pattern: h.fqdn });
            if (!hosts.has(h.fqdn)) hosts.set(h.fqdn, { namespace: vs.namespace, origin: { doc: vs.doc, path: h.path }, ports: new Map() });
          }
        } else {
          const key = `${context}\u0000${h.fqdn}`;
          let g = gatewayHosts.get(key);
          if (!g) gatewayHosts.set(key, (g = { context, host: h.fqdn, namespace: vs.namespace, origin: { doc: vs.doc, path: h.path }, list: [] }));
          if (!g.list.includes(vs)) g.list.push(vs);
        }
      }
    }
  }

  const table = new Map<string, RouteEntry>();
  const add = (context: string, host: string, info: { namespace: string; origin: NodeRef }, port: number | undefined, protocol: Protocol | undefined, chosen: VirtualService[]) => {
    const labels: LabelContext = { host, namespace: info.namespace, domainSuffix };
    if (port !== undefined) labels.port = port;
    let routes: RouteInfo[] | undefined;
    const fingerprint = JSON.stringify([context, host, port ?? null, protocol ?? null, info.namespace, domainSuffix, chosen.map(vsFingerprint)]);
    const entry: RouteEntry = {
      key: entryKey(context, host, port),
      host,
      context,
      labels,
      origin: info.origin,
      fingerprint,
      get routes() {
        return (routes ??= routesOf(chosen, context, port, protocol, labels));
      },
    };
    if (port !== undefined) entry.port = port;
    const first = chosen[0];
    if (first) entry.source = { doc: first.doc, path: first.path };
    table.set(entry.key, entry);
  };

  for (const [host, info] of hosts) {
    const candidates = [...(meshExact.get(host) ?? []), ...meshWildcards.filter((w) => hostMatches(w.pattern, host))];
    const chosen = chooseForMesh(candidates, host);
    if (info.ports.size === 0) add(MESH, host, info, undefined, undefined, chosen);
    for (const [port, protocol] of info.ports) add(MESH, host, info, port, protocol, chosen);
  }
  for (const g of gatewayHosts.values()) {
    g.list.sort(byNamespaceName);
    add(g.context, g.host, { namespace: g.list[0]?.namespace ?? g.namespace, origin: g.origin }, undefined, undefined, g.list);
  }
  return table;
}

export function entryTitle(entry: { host: string; port?: number; context: string }): string {
  const base = entry.port === undefined ? entry.host : `${entry.host}:${entry.port}`;
  return entry.context === MESH ? base : `${base} (gateway ${entry.context})`;
}

export function compareEntries(a: { host: string; port?: number; context: string }, b: { host: string; port?: number; context: string }): number {
  return (
    compareText(a.host, b.host) ||
    (a.port ?? 0) - (b.port ?? 0) ||
    (a.context === MESH ? -1 : 0) - (b.context === MESH ? -1 : 0) ||
    compareText(a.context, b.context)
  );
}

