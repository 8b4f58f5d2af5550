/**
 * Gateway API routes (HTTPRoute, GRPCRoute) converted into the VirtualService form, as
 * Istio does for mesh (GAMMA) attachment: a route whose parentRef is a Service
 * (`kind: Service`, group `""` or `core`) applies to sidecars calling that Service.
 * Routes attached to Gateways are kept too, with `appliesToMesh: false`.
 *
 * Paths keep pointing at the original route's nodes (`spec.rules[i]`, `.backendRefs[j]`),
 * so findings land on what the user wrote. `HttpRoute.raw` is the converted, Istio-like
 * view of the rule (`match`, `route`, `timeout`, `retries`, `redirect`, `rewrite`,
 * `mirrors`, `headers`), not the original text; its `matches` are Istio HTTPMatchRequest
 * objects converted from Gateway API matches.
 */
import type { PathSegment, PolicyDocument } from '../load/types.ts';
import { isRecord, num, numStrict, rec, records, str } from './json.ts';
import type { JsonRecord } from './json.ts';
import { kubernetesHostname } from './hosts.ts';
import type { HostReference, HttpRoute, RouteDestination, Service, VirtualService } from './types.ts';

export interface RouteContext {
  domainSuffix: string;
  /** The service a FQDN names, if any. */
  serviceFor(fqdn: string): Service | undefined;
  /** First host of the ServiceEntry `namespace/name`, for backendRefs of kind ServiceEntry. */
  serviceEntryHost(namespace: string, name: string): string | undefined;
}

function isCoreGroup(group: unknown): boolean {
  return group === '' || group === 'core';
}

function isServiceRef(ref: JsonRecord): boolean {
  return ref.kind === 'Service' && (ref.group === undefined || isCoreGroup(ref.group));
}

function stringMatch(type: unknown, value: unknown, defaultType: string): JsonRecord | undefined {
  if (typeof value !== 'string') return undefined;
  const t = typeof type === 'string' ? type : defaultType;
  if (t === 'Exact') return { exact: value };
  if (t === 'PathPrefix') return { prefix: value };
  if (t === 'RegularExpression') return { regex: value };
  return undefined;
}

function convertHeaderList(value: unknown): JsonRecord | undefined {
  const out: JsonRecord = {};
  let any = false;
  for (const { item } of records(value)) {
    const name = str(item.name);
    const m = stringMatch(item.type, item.value, 'Exact');
    if (name === undefined || !m) continue;
    out[name.toLowerCase()] = m;
    any = true;
  }
  return any ? out : undefined;
}

/** HTTPRouteMatch → Istio HTTPMatchRequest. */
export function convertHttpMatch(match: JsonRecord): JsonRecord {
  const out: JsonRecord = {};
  const path = rec(match.path);
  if (path) {
    const uri = stringMatch(path.type, path.value ?? '/', 'PathPrefix');
    if (uri) out.uri = uri;
  }
  const headers = convertHeaderList(match.headers);
  if (headers) out.headers = headers;
  const queryParams = convertHeaderList(match.queryParams);
  if (queryParams) {
    // query parameter names are case-sensitive: redo without lower-casing
    const qp: JsonRecord = {};
    for (const { item } of records(match.queryParams)) {
      const name = str(item.name);
      const m = stringMatch(item.type, item.value, 'Exact');
      if (name !== undefined && m) qp[name] = m;
    }
    out.queryParams = qp;
  }
  const method = str(match.method);
  if (method !== undefined) out.method = { exact: method };
  return out;
}

/** GRPCRouteMatch → Istio HTTPMatchRequest (gRPC methods are HTTP/2 paths `/service/method`). */
export function convertGrpcMatch(match: JsonRecord): JsonRecord {
  const out: JsonRecord = {};
  const method = rec(match.method);
  if (method) {
    const service = str(method.service);
    const name = str(method.method);
    const type = str(method.type) ?? 'Exact';
    if (type === 'RegularExpression') out.uri = { regex: `/${service ?? '[^/]+'}/${name ?? '.+'}` };
    else if (service !== undefined && name !== undefined) out.uri = { exact: `/${service}/${name}` };
    else if (service !== undefined) out.uri = { prefix: `/${service}/` };
    else if (name !== undefined) out.uri = { regex: `/[^/]+/${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` };
  }
  const headers = convertHeaderList(match.headers);
  if (headers) out.headers = headers;
  return out;
}

function convertFilters(filters: unknown, into: JsonRecord): void {
  const mirrors: JsonRecord[] = [];
  for (const { item } of records(filters)) {
    switch (item.type) {
      case 'RequestRedirect': {
        const r = rec(item.requestRedirect) ?? {};
        const redirect: JsonRecord = {};
        if (typeof r.hostname === 'string') redirect.authority = r.hostname;
        if (typeof r.scheme === 'string') redirect.scheme = r.scheme;
        if (num(r.port) !== undefined) redirect.port = num(r.port);
        if (num(r.statusCode) !== undefined) redirect.redirectCode = num(r.statusCode);
        const p = rec(r.path);
        if (p && typeof p.replaceFullPath === 'string') redirect.uri = p.replaceFullPath;
        into.redirect = redirect;
        break;
      }
      case 'URLRewrite': {
        const r = rec(item.urlRewrite) ?? {};
        const rewrite: JsonRecord = {};
        if (typeof r.hostname === 'string') rewrite.authority = r.hostname;
        const p = rec(r.path);
        if (p && typeof p.replacePrefixMatch === 'string') rewrite.uri = p.replacePrefixMatch;
        if (p && typeof p.replaceFullPath === 'string') rewrite.uri = p.replaceFullPath;
        into.rewrite = rewrite;
        break;
      }
      case 'RequestMirror': {
        const m = rec(item.requestMirror);
        const backend = rec(m?.backendRef);
        if (backend && typeof backend.name === 'string') mirrors.push({ destination: { host: backend.name, port: num(backend.port) } });
        break;
      }
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier': {
        const mod = rec(item.requestHeaderModifier ?? item.responseHeaderModifier) ?? {};
        const headers = rec(into.headers) ?? {};
        headers[item.type === 'RequestHeaderModifier' ? 'request' : 'response'] = mod;
        into.headers = headers;
        break;
      }
      default:
        break;
    }
  }
  if (mirrors.length > 0) into.mirrors = mirrors;
}

export function convertGatewayRoute(doc: PolicyDocument, ctx: RouteContext): VirtualService | undefined {
  const kind = doc.kind === 'GRPCRoute' ? 'GRPCRoute' : doc.kind === 'HTTPRoute' ? 'HTTPRoute' : undefined;
  if (!kind) return undefined;
  const spec = rec(doc.data.spec) ?? {};
  const ns = doc.namespace;

  const hosts: HostReference[] = [];
  const gateways: string[] = [];
  let mesh = false;
  for (const { item: ref, index } of records(spec.parentRefs)) {
    const name = str(ref.name);
    if (name === undefined) continue;
    const refNs = str(ref.namespace) ?? ns;
    if (isServiceRef(ref)) {
      mesh = true;
      const fqdn = kubernetesHostname(name, refNs, ctx.domainSuffix);
      hosts.push({ written: name, fqdn, service: ctx.serviceFor(fqdn), path: ['spec', 'parentRefs', index, 'name'] });
    } else if ((ref.kind === undefined || ref.kind === 'Gateway') && (ref.group === undefined || ref.group === 'gateway.networking.k8s.io')) {
      gateways.push(`${refNs}/${name}`);
    }
  }
  if (gateways.length > 0) {
    const hostnames = Array.isArray(spec.hostnames) ? spec.hostnames : [];
    hostnames.forEach((h, i) => {
      if (typeof h === 'string') hosts.push({ written: h, fqdn: h, service: ctx.serviceFor(h), path: ['spec', 'hostnames', i] });
    });
    if (hostnames.length === 0) hosts.push({ written: '*', fqdn: '*', path: ['spec', 'parentRefs'] });
  }
  if (mesh) gateways.unshift('mesh');

  const http: HttpRoute[] = [];
  for (const { item: rule, index } of records(spec.rules)) {
    const rulePath: PathSegment[] = ['spec', 'rules', index];
    const matches: JsonRecord[] = [];
    for (const { item: m } of records(rule.matches)) {
      matches.push(kind === 'GRPCRoute' ? convertGrpcMatch(m) : convertHttpMatch(m));
    }
    const destinations: RouteDestination[] = [];
    const route: JsonRecord[] = [];
    for (const { item: ref, index: j } of records(rule.backendRefs)) {
      const name = str(ref.name);
      if (name === undefined) continue;
      const refKind = str(ref.kind) ?? 'Service';
      const group = str(ref.group) ?? '';
      const refNs = str(ref.namespace) ?? ns;
      let fqdn: string;
      if (refKind === 'Service' && isCoreGroup(group)) fqdn = kubernetesHostname(name, refNs, ctx.domainSuffix);
      else if (refKind === 'Hostname' && group === 'networking.istio.io') fqdn = name;
      else if (refKind === 'ServiceEntry' && group === 'networking.istio.io') fqdn = ctx.serviceEntryHost(refNs, name) ?? name;
      else fqdn = name;
      const weight = numStrict(ref.weight) ?? 1;
      const port = num(ref.port);
      const path: PathSegment[] = [...rulePath, 'backendRefs', j];
      const destination: RouteDestination = {
        host: { written: name, fqdn, service: ctx.serviceFor(fqdn), path: [...path, 'name'] },
        weight,
        path,
      };
      if (port !== undefined) destination.port = port;
      destinations.push(destination);
      route.push({ destination: { host: fqdn, ...(port !== undefined ? { port: { number: port } } : {}) }, weight });
    }
    const raw: JsonRecord = { route };
    if (matches.length > 0) raw.match = matches;
    const timeouts = rec(rule.timeouts);
    if (timeouts && typeof timeouts.request === 'string') raw.timeout = timeouts.request;
    const retry = rec(rule.retry);
    if (retry) {
      const retries: JsonRecord = {};
      if (num(retry.attempts) !== undefined) retries.attempts = num(retry.attempts);
      if (Array.isArray(retry.codes)) retries.retryOn = retry.codes.filter((c) => typeof c === 'number').join(',');
      raw.retries = retries;
    }
    convertFilters(rule.filters, raw);
    const converted: HttpRoute = { index, path: rulePath, matches, destinations, raw };
    const ruleName = str(rule.name);
    if (ruleName !== undefined) converted.name = ruleName;
    http.push(converted);
  }

  return {
    doc,
    path: [],
    sourceKind: kind,
    name: doc.name,
    namespace: ns,
    hosts,
    gateways,
    appliesToMesh: mesh,
    exportTo: [],
    http,
    tcp: [],
    tls: [],
  };
}

export function isGatewayApiRoute(doc: PolicyDocument): boolean {
  return doc.group === 'gateway.networking.k8s.io' && (doc.kind === 'HTTPRoute' || doc.kind === 'GRPCRoute') && isRecord(doc.data);
}
