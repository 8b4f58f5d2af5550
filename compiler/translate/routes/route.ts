/**
 * One route entry (a rule and one of its match conditions) → one Envoy Route
 * (Istio `translateRoute`), for a listener port and a flavor, with its source map.
 *
 * Match conditions that depend on the caller (`port`, `sourceLabels`, `sourceNamespace`,
 * `gateways`) are decided here against the proxy class: a route that does not apply is left
 * out. In the gRPC flavor, what clients cannot carry is reported: a setting is left out
 * (SLU7001), a route that would be NACKed or match too much is left out (SLU7002).
 */
import type { Labels, VirtualService } from '../../model/index.ts';
import { isRecord, resolveHostName } from '../../model/index.ts';
import type { JsonObject, JsonValue } from '../../xds/index.ts';
import type { Flavor, JsonPathSegment, MirrorOverlay, TranslateContext } from '../types.ts';
import { GRPC_RETRY_NARROWED, GRPC_ROUTE_LEFT_OUT, GRPC_UNSUPPORTED_SETTING, NO_ENVOY_EQUIVALENT, ROUTE_WITHOUT_BACKEND } from './codes.ts';
import { CORS_FILTER, translateCors } from './cors.ts';
import type { OverlayIndex } from './destinations.ts';
import { destinationCluster, overlayFor, targetOf } from './destinations.ts';
import { envoyDuration } from './duration.ts';
import { FAULT_FILTER, perHundred, perMillion, translateFault } from './fault.ts';
import type { HashPolicies, HashPolicy } from './hash.ts';
import { unsupportedHashMessage } from './hash.ts';
import { applyHeaderOperations, headerOperations, isEmpty } from './headers.ts';
import { quoteRegex, translateMatch } from './match.ts';
import { translateDirectResponse, translateRedirect } from './redirect.ts';
import type { Reporter } from './report.ts';
import { envoyRetryPolicy, grpcRetryPolicy } from './retry.ts';
import type { RouteEntry, Rule, Setting } from './rules.ts';
import { ruleOrigin, setting } from './rules.ts';
import type { NodePath, SourceRecorder } from './sources.ts';
import { at, under } from './sources.ts';
import { sharedPart } from '../shared-part.ts';

/** What building routes for one route configuration shares. */
export interface RouteContext {
  ctx: TranslateContext;
  flavor: Flavor;
  listenPort: number;
  sources: SourceRecorder;
  report: Reporter;
  hashes: HashPolicies;
  overlays: OverlayIndex;
  /** Set when a direct response carries a body (the RouteConfiguration then raises Envoy's 4 KiB limit). */
  directResponseBody: boolean;
}

export interface BuiltRoute {
  json: JsonObject;
  /** Matches every request: later routes can never be reached. */
  catchAll: boolean;
}

function labelsMatch(selector: unknown, labels: Labels): boolean {
  if (!isRecord(selector)) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Istio `sourceMatchHTTP` and the port check: does this condition apply to the proxy on this port? */
function appliesTo(match: Record<string, unknown>, rc: RouteContext): boolean {
  if (typeof match.port === 'number' && match.port !== 0 && match.port !== rc.listenPort) return false;
  const gateways = Array.isArray(match.gateways) ? match.gateways : [];
  if (gateways.length > 0) return gateways.includes('mesh');
  if (!labelsMatch(match.sourceLabels, rc.ctx.proxy.labels)) return false;
  const ns = match.sourceNamespace;
  return typeof ns !== 'string' || ns === '' || ns === rc.ctx.proxy.namespace;
}

function routeName(rule: Rule, matchName: unknown): string | undefined {
  const base = rule.name ?? '';
  if (typeof matchName === 'string' && matchName !== '') return `${base}.${matchName}`;
  return base === '' ? undefined : base;
}

function describe(rule: Rule): string {
  const vs = rule.own.vs;
  const http = rule.own.http;
  const section = vs.sourceKind === 'VirtualService' ? `http[${http.index}]` : `rules[${http.index}]`;
  return `${vs.sourceKind} ${vs.namespace}/${vs.name} ${section}${http.name !== undefined ? ` ("${http.name}")` : ''}`;
}

/** Istio's route metadata naming the policy (`/apis/networking.istio.io/v1/namespaces/NS/virtual-service/NAME`), one frozen object per policy. */
const metadataCache = new WeakMap<VirtualService, JsonObject>();
function metadataOf(vs: VirtualService): JsonObject {
  let m = metadataCache.get(vs);
  if (!m) {
    const kind = vs.sourceKind.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    m = sharedPart({ filterMetadata: { istio: { config: `/apis/${vs.doc.apiVersion}/namespaces/${vs.namespace}/${kind}/${vs.name}` } } });
    metadataCache.set(vs, m);
  }
  return m;
}

function unsupported(rc: RouteContext, s: Setting, feature: string, rule: Rule): void {
  rc.report.once(GRPC_UNSUPPORTED_SETTING, s.origin.doc, s.origin.path, `${feature} of ${describe(rule)} is not supported by proxyless gRPC clients and is left out of their configuration`);
}

/** `destination.port` as `{number}` (Istio) or a plain number (converted Gateway API mirrors). */
function portNumber(port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  if (isRecord(port) && typeof port.number === 'number') return port.number;
  return undefined;
}

/** A mirror destination (`{host, subset, port}`) → cluster name, host resolved in the rule's namespace. */
function mirrorCluster(rc: RouteContext, vs: VirtualService, destination: unknown): string | undefined {
  if (!isRecord(destination) || typeof destination.host !== 'string' || destination.host === '') return undefined;
  const host = resolveHostName(destination.host, vs.namespace, rc.ctx.index.domainSuffix);
  const subset = typeof destination.subset === 'string' ? destination.subset : undefined;
  return destinationCluster(rc.ctx, host, portNumber(destination.port), subset, rc.listenPort);
}

function mirrorFraction(percentage: unknown, legacyPercent: unknown): JsonObject | undefined {
  if (isRecord(percentage)) {
    const fraction = perMillion(percentage) as JsonObject;
    return (fraction.numerator as number) > 0 ? fraction : undefined;
  }
  if (typeof legacyPercent === 'number') return legacyPercent > 0 ? perHundred(legacyPercent) : undefined;
  return { numerator: 100, denominator: 'HUNDRED' };
}

function mirrorPolicies(rc: RouteContext, rule: Rule, action: JsonObject, base: readonly JsonPathSegment[]): void {
  const policies: JsonObject[] = [];
  const mirror = setting(rule, 'mirror');
  if (mirror) {
    const fraction = mirrorFraction(setting(rule, 'mirrorPercentage')?.value, (setting(rule, 'mirrorPercent') ?? setting(rule, 'mirror_percent'))?.value);
    const cluster = mirrorCluster(rc, rule.own.vs, mirror.value);
    if (fraction && cluster !== undefined) {
      rc.sources.addOrigin(at(base, 'requestMirrorPolicies', policies.length), mirror.origin);
      policies.push({ cluster, runtimeFraction: { defaultValue: fraction }, traceSampled: false });
    }
  }
  const mirrors = setting(rule, 'mirrors');
  if (mirrors && Array.isArray(mirrors.value)) {
    mirrors.value.forEach((m: unknown, i) => {
      if (!isRecord(m)) return;
      const fraction = mirrorFraction(m.percentage, undefined);
      const cluster = mirrorCluster(rc, rule.own.vs, m.destination);
      if (!fraction || cluster === undefined) return;
      rc.sources.add(at(base, 'requestMirrorPolicies', policies.length), mirrors.origin.doc, under(mirrors.origin.path, i));
      policies.push({ cluster, runtimeFraction: { defaultValue: fraction }, traceSampled: false });
    });
  }
  if (policies.length > 0) action.requestMirrorPolicies = policies;
}

/** The rollout's mirror (setMirrorRoute): to the route's destination in the mirror's subset. */
function overlayMirror(rc: RouteContext, rule: Rule, mirror: MirrorOverlay, action: JsonObject, base: readonly JsonPathSegment[]): void {
  const http = rule.own.http;
  const destination = http.destinations.find((d) => d.subset === mirror.subset);
  if (!destination || !(mirror.percentage > 0)) return;
  if (rc.flavor === 'grpc') {
    rc.report.once(GRPC_UNSUPPORTED_SETTING, rule.own.vs.doc, http.path, `the rollout's mirror route (${mirror.percentage}% to subset ${mirror.subset}) on ${describe(rule)} is not supported by proxyless gRPC clients and is left out of their configuration`);
    return;
  }
  const policies = Array.isArray(action.requestMirrorPolicies) ? (action.requestMirrorPolicies as JsonObject[]) : [];
  rc.sources.add(at(base, 'requestMirrorPolicies', policies.length), rule.own.vs.doc, destination.path);
  const cluster = destinationCluster(rc.ctx, destination.host.fqdn, destination.port, destination.subset, rc.listenPort);
  policies.push({ cluster, runtimeFraction: { defaultValue: perMillion({ value: mirror.percentage }) as JsonObject }, traceSampled: false });
  action.requestMirrorPolicies = policies;
}

/** The original HTTPRoute URLRewrite path modifier (the model keeps only its value). */
function gatewayFullPathRewrite(rule: Rule): boolean {
  const vs = rule.own.vs;
  if (vs.sourceKind !== 'HTTPRoute') return false;
  const spec = vs.doc.data.spec;
  const rules = isRecord(spec) && Array.isArray(spec.rules) ? spec.rules : [];
  const written: unknown = rules[rule.own.http.index];
  const filters = isRecord(written) && Array.isArray(written.filters) ? written.filters : [];
  for (const f of filters) {
    if (isRecord(f) && f.type === 'URLRewrite' && isRecord(f.urlRewrite) && isRecord(f.urlRewrite.path)) return f.urlRewrite.path.type === 'ReplaceFullPath';
  }
  return false;
}

function destinationHeaders(rule: Rule, index: number): { ops: ReturnType<typeof headerOperations>; path: NodePath } | undefined {
  const list = rule.own.http.raw.route;
  if (!Array.isArray(list)) return undefined;
  const item: unknown = list[index];
  if (!isRecord(item) || !isRecord(item.headers)) return undefined;
  const ops = headerOperations(item.headers);
  return { ops, path: under(rule.own.http.path, 'route', index, 'headers') };
}

interface ActionResult {
  action: JsonObject;
  /** Header operations of a lone destination, applied to the route. */
  routeHeaders?: ReturnType<typeof headerOperations>;
  routeHeadersPath?: NodePath;
}

function routeAction(rc: RouteContext, rule: Rule, matchedPrefix: string | undefined, base: readonly JsonPathSegment[]): ActionResult | 'directResponse500' {
  const vs = rule.own.vs;
  const gateway = vs.sourceKind !== 'VirtualService';
  const grpc = rc.flavor === 'grpc';
  const http = rule.own.http;
  const actionPath = at(base, 'route');
  rc.sources.add(actionPath, vs.doc, under(http.path, gateway ? 'backendRefs' : 'route'));
  const overlay = overlayFor(rc.overlays, vs, http);
  const target = targetOf(vs, http.destinations, overlay?.weights);
  if (target.kind === 'none' && gateway) return 'directResponse500';

  const action: JsonObject = {};
  const result: ActionResult = { action };
  let hashes: HashPolicy[] | undefined;
  if (target.kind === 'single') {
    const d = target.destination;
    action.cluster = destinationCluster(rc.ctx, d.host.fqdn, d.port, d.subset, rc.listenPort);
    rc.sources.addUnder(actionPath, 'cluster', vs.doc, d.path);
    const h = rc.hashes.forDestination(d.host.fqdn, d.subset, d.port);
    if (h) hashes = [h];
    const headers = destinationHeaders(rule, target.index);
    if (headers) {
      result.routeHeaders = headers.ops;
      result.routeHeadersPath = headers.path;
    }
  } else {
    const list = target.kind === 'weighted' ? target.destinations : [];
    const clusters: JsonObject[] = new Array(list.length);
    const clustersPath = at(actionPath, 'weightedClusters', 'clusters');
    for (let i = 0; i < list.length; i++) {
      const w = list[i] as (typeof list)[number];
      const d = w.destination;
      const entry: JsonObject = { name: destinationCluster(rc.ctx, d.host.fqdn, d.port, d.subset, rc.listenPort), weight: w.weight };
      rc.sources.addUnder(clustersPath, i, vs.doc, d.path);
      const headers = destinationHeaders(rule, w.index);
      if (headers && !isEmpty(headers.ops)) {
        if (grpc) unsupported(rc, { value: undefined, origin: { doc: vs.doc, path: headers.path } }, 'headers', rule);
        else applyHeaderOperations(entry, headers.ops);
      }
      if (headers?.ops.authority !== undefined && !grpc) entry.hostRewriteLiteral = headers.ops.authority;
      clusters[i] = entry;
      const h = rc.hashes.forDestination(d.host.fqdn, d.subset, d.port);
      if (h) (hashes ??= []).push(h);
    }
    action.weightedClusters = { clusters };
  }
  if (gateway && !grpc) action.clusterNotFoundResponseCode = 'INTERNAL_SERVER_ERROR';

  // timeout
  const timeout = setting(rule, 'timeout');
  const duration = (timeout && envoyDuration(timeout.value)) ?? '0s';
  if (grpc) {
    action.maxStreamDuration = { maxStreamDuration: duration, grpcTimeoutHeaderMax: duration };
    if (timeout) rc.sources.addOriginUnder(actionPath, 'maxStreamDuration', timeout.origin);
  } else {
    action.timeout = duration;
    action.maxGrpcTimeout = duration;
    if (timeout) {
      rc.sources.addOriginUnder(actionPath, 'timeout', timeout.origin);
      rc.sources.addOriginUnder(actionPath, 'maxGrpcTimeout', timeout.origin);
    }
  }

  // retries
  const retries = setting(rule, 'retries');
  if (grpc) {
    const r = grpcRetryPolicy(retries?.value);
    if (retries) {
      for (const n of r.narrowed) rc.report.once(GRPC_RETRY_NARROWED, retries.origin.doc, retries.origin.path, `retries of ${describe(rule)} for gRPC clients: ${n}`);
      for (const u of r.unsupported) unsupported(rc, retries, u, rule);
    }
    if (r.policy) action.retryPolicy = r.policy;
  } else {
    const policy = envoyRetryPolicy(retries?.value, target.kind === 'single' && hashes !== undefined);
    if (policy) action.retryPolicy = policy;
  }
  if (retries && action.retryPolicy) rc.sources.addOriginUnder(actionPath, 'retryPolicy', retries.origin);

  // hash policies (DestinationRule consistent hashing)
  if (hashes) {
    const out: JsonObject[] = [];
    const seen = new Set<string>();
    for (const h of hashes) {
      if (grpc && h.kind !== 'header') {
        rc.report.once(GRPC_UNSUPPORTED_SETTING, h.origin.doc, h.origin.path, unsupportedHashMessage(h));
        continue;
      }
      const key = JSON.stringify(h.policy);
      if (seen.has(key)) continue;
      seen.add(key);
      rc.sources.addOrigin(at(actionPath, 'hashPolicy', out.length), h.origin);
      out.push(h.policy);
    }
    if (out.length > 0) action.hashPolicy = out;
  }

  // mirrors
  const mirror = setting(rule, 'mirror') ?? setting(rule, 'mirrors');
  if (mirror) {
    if (grpc) unsupported(rc, mirror, 'mirroring', rule);
    else mirrorPolicies(rc, rule, action, actionPath);
  }
  if (overlay?.mirror) overlayMirror(rc, rule, overlay.mirror, action, actionPath);

  // rewrite and authority
  const rewrite = setting(rule, 'rewrite');
  let authority: { value: string; origin: Setting['origin'] } | undefined;
  if (rewrite && isRecord(rewrite.value)) {
    if (grpc) unsupported(rc, rewrite, 'rewrite', rule);
    else {
      const r = rewrite.value;
      if (isRecord(r.uriRegexRewrite)) {
        action.regexRewrite = { pattern: { regex: String(r.uriRegexRewrite.match ?? '') }, substitution: String(r.uriRegexRewrite.rewrite ?? '') };
        rc.sources.addOriginUnder(actionPath, 'regexRewrite', rewrite.origin);
      } else if (typeof r.uri === 'string' && r.uri !== '') {
        if (gatewayFullPathRewrite(rule)) {
          action.regexRewrite = { pattern: { regex: '/.*' }, substitution: r.uri };
          rc.sources.addOriginUnder(actionPath, 'regexRewrite', rewrite.origin);
        } else if (gateway && r.uri === '/' && matchedPrefix !== undefined) {
          action.regexRewrite = { pattern: { regex: `^${quoteRegex(matchedPrefix)}(/?)(.*)` }, substitution: '/\\2' };
          rc.sources.addOriginUnder(actionPath, 'regexRewrite', rewrite.origin);
        } else {
          action.prefixRewrite = r.uri;
          rc.sources.addOriginUnder(actionPath, 'prefixRewrite', rewrite.origin);
        }
      }
      if (typeof r.authority === 'string' && r.authority !== '') authority = { value: r.authority, origin: rewrite.origin };
    }
  }
  const headers = setting(rule, 'headers');
  if (!authority && headers && !grpc) {
    const a = headerOperations(headers.value).authority;
    if (a !== undefined) authority = { value: a, origin: headers.origin };
  }
  if (!authority && !grpc && result.routeHeaders?.authority !== undefined && result.routeHeadersPath) {
    authority = { value: result.routeHeaders.authority, origin: { doc: vs.doc, path: result.routeHeadersPath } };
  }
  if (authority) {
    action.hostRewriteLiteral = authority.value;
    rc.sources.addOriginUnder(actionPath, 'hostRewriteLiteral', authority.origin);
  }
  return result;
}

/**
 * Builds the route for one entry at `base` (its JSON path in the resource); undefined when
 * the entry does not apply to this proxy and port, or cannot be sent to this flavor.
 */
export function buildRoute(rc: RouteContext, entry: RouteEntry, base: readonly JsonPathSegment[]): BuiltRoute | undefined {
  const { rule, match } = entry;
  const grpc = rc.flavor === 'grpc';
  if (match && !appliesTo(match.raw, rc)) return undefined;
  const vs = rule.own.vs;
  const gatewaySemantics = vs.sourceKind !== 'VirtualService';

  const start = rc.sources.size;
  const translated = translateMatch(match, { flavor: rc.flavor, gatewaySemantics }, rc.sources, at(base, 'match'));
  const origin = ruleOrigin(rule);
  if (grpc && translated.grpcBlocked.length > 0) {
    rc.sources.truncate(start);
    const where = match ? match.origin : origin;
    rc.report.once(GRPC_ROUTE_LEFT_OUT, where.doc, where.path, `${translated.grpcBlocked.join(', ')} in ${describe(rule)}: proxyless gRPC clients cannot evaluate it, so this route is left out for them`);
    return undefined;
  }

  const json: JsonObject = {};
  const name = routeName(rule, match?.raw.name);
  if (name !== undefined) json.name = name;
  json.match = translated.json;
  rc.sources.addOrigin(base, origin);

  const redirect = setting(rule, 'redirect');
  const direct = setting(rule, 'directResponse');
  if (redirect || direct) {
    const s = (redirect ?? direct) as Setting;
    if (grpc) {
      rc.sources.truncate(start);
      rc.report.once(GRPC_ROUTE_LEFT_OUT, s.origin.doc, s.origin.path, `${redirect ? 'redirect' : 'directResponse'} of ${describe(rule)}: proxyless gRPC clients reject such routes (NACK), so this route is left out for them`);
      return undefined;
    }
    if (redirect) {
      const action = translateRedirect(redirect.value, rc.listenPort);
      if (!action) {
        rc.sources.truncate(start);
        return undefined;
      }
      json.redirect = action;
      rc.sources.addOriginUnder(base, 'redirect', redirect.origin);
    } else {
      const response = translateDirectResponse(direct?.value);
      if (!response) {
        rc.sources.truncate(start);
        return undefined;
      }
      json.directResponse = response.action;
      if (response.hasBody) rc.directResponseBody = true;
      rc.sources.addOriginUnder(base, 'directResponse', s.origin);
    }
  } else {
    const matchedPrefix = typeof translated.json.pathSeparatedPrefix === 'string' ? translated.json.pathSeparatedPrefix : undefined;
    const built = routeAction(rc, rule, matchedPrefix, base);
    if (built === 'directResponse500') {
      const backends = { doc: vs.doc, path: under(rule.own.http.path, 'backendRefs') };
      if (grpc) {
        rc.sources.truncate(start);
        rc.report.once(GRPC_ROUTE_LEFT_OUT, backends.doc, backends.path, `${describe(rule)} has no backend with weight above 0 and answers 500, which proxyless gRPC clients cannot be told: the route is left out for them`);
        return undefined;
      }
      rc.report.once(ROUTE_WITHOUT_BACKEND, backends.doc, backends.path, `${describe(rule)} has no backend with weight above 0: its requests get HTTP 500`);
      json.directResponse = { status: 500 };
      rc.sources.addOriginUnder(base, 'directResponse', backends);
    } else {
      json.route = built.action;
      const ops: { ops: ReturnType<typeof headerOperations>; origin: Setting['origin'] }[] = [];
      const headers = setting(rule, 'headers');
      if (headers) ops.push({ ops: headerOperations(headers.value), origin: headers.origin });
      if (built.routeHeaders && built.routeHeadersPath) ops.push({ ops: built.routeHeaders, origin: { doc: vs.doc, path: built.routeHeadersPath } });
      if (ops.length > 0) for (const o of ops) {
        if (isEmpty(o.ops)) continue;
        if (grpc) {
          unsupported(rc, { value: undefined, origin: o.origin }, 'headers', rule);
          continue;
        }
        applyHeaderOperations(json, o.ops);
        for (const key of ['requestHeadersToAdd', 'requestHeadersToRemove', 'responseHeadersToAdd', 'responseHeadersToRemove'] as const) {
          if (o.ops[key].length > 0) rc.sources.addOriginUnder(base, key, o.origin);
        }
      }
    }
  }

  // per-filter configuration: fault injection and CORS
  let perFilter: Record<string, JsonValue> | undefined;
  const fault = setting(rule, 'fault');
  if (fault) {
    const f = translateFault(fault.value);
    for (const part of f.unsupported) {
      if (grpc && part === 'fault.abort.http2Error') unsupported(rc, fault, part, rule);
      else rc.report.once(NO_ENVOY_EQUIVALENT, fault.origin.doc, fault.origin.path, `${part} of ${describe(rule)} has no Envoy equivalent and is left out`);
    }
    if (f.config) {
      (perFilter ??= {})[FAULT_FILTER] = f.config;
      rc.sources.addOrigin(at(base, 'typedPerFilterConfig', FAULT_FILTER), fault.origin);
    }
  }
  const cors = setting(rule, 'corsPolicy');
  if (cors) {
    if (grpc) unsupported(rc, cors, 'corsPolicy', rule);
    else {
      const policy = translateCors(cors.value);
      if (policy) {
        (perFilter ??= {})[CORS_FILTER] = policy;
        rc.sources.addOrigin(at(base, 'typedPerFilterConfig', CORS_FILTER), cors.origin);
      }
    }
  }
  if (perFilter) json.typedPerFilterConfig = perFilter;

  if (!grpc) {
    json.metadata = metadataOf(vs);
    const statPrefix = match?.raw.statPrefix;
    if (typeof statPrefix === 'string' && statPrefix !== '') json.statPrefix = statPrefix;
  }
  const catchAll = translated.catchAll;
  return { json, catchAll };
}
