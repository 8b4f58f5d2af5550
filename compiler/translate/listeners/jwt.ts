/**
 * RequestAuthentication → the jwt_authn HTTP filter, as Istio builds it: one provider per
 * jwtRule (`origins-N`), and one rule for every path that requires any provider or no token
 * at all (`allow_missing`): a request without a token passes (authorization decides), a
 * request with an invalid token is rejected with 401.
 *
 * Keys: `jwks` inline, or `jwksUri` fetched by Envoy through the cluster
 * `outbound|PORT||HOST` of the URI (a ServiceEntry for that host must exist). A rule with
 * neither gets an empty key set: Istio would discover keys over the network at compile
 * time, which sluice never does, so tokens of that issuer are rejected (fail closed).
 */
import { parseDurationMs } from '../../analyze/shared/duration.ts';
import type { ModelIndex, RequestAuthentication } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { EXTENSION_TYPE_URLS as X } from '../../xds/index.ts';
import { clusterName } from '../naming.ts';
import { JWKS_HOST_UNKNOWN, JWKS_MISSING } from './codes.ts';
import { JWT_FILTER } from './filters.ts';
import { JWT_PAYLOAD_KEY } from './rbac/jwt-claims.ts';
import type { Reporter, RelativeSource } from './sources.ts';

export interface JwtFilter {
  filter: JsonObject;
  /** Where its parts came from (paths relative to the filter). */
  sources: RelativeSource[];
}

const EMPTY_JWKS = '{"keys":[]}';
const DEFAULT_FETCH_TIMEOUT = '5s';

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)) : [];
}

function seconds(value: unknown): string {
  const ms = parseDurationMs(value);
  if (ms === undefined || ms < 0) return DEFAULT_FETCH_TIMEOUT;
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

function describe(policy: RequestAuthentication): string {
  return `RequestAuthentication ${policy.namespace}/${policy.name}`;
}

function keys(rule: Record<string, unknown>, policy: RequestAuthentication, rulePath: readonly (string | number)[], index: ModelIndex, reporter: Reporter): JsonObject {
  const inline = str(rule.jwks);
  if (inline !== undefined) return { localJwks: { inlineString: inline } };
  const uri = str(rule.jwksUri);
  const issuer = str(rule.issuer) ?? '(no issuer)';
  if (uri === undefined) {
    reporter.at(JWKS_MISSING, { doc: policy.doc, path: rulePath }, `the JWT rule for issuer ${issuer} in ${describe(policy)} has neither jwksUri nor jwks: every token of that issuer is rejected`);
    return { localJwks: { inlineString: EMPTY_JWKS } };
  }
  let url: URL | undefined;
  try {
    url = new URL(uri);
  } catch {
    url = undefined;
  }
  const uriOrigin = { doc: policy.doc, path: [...rulePath, 'jwksUri'] };
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
    reporter.at(JWKS_HOST_UNKNOWN, uriOrigin, `jwksUri ${JSON.stringify(uri)} is not an http(s) URL with a host: every token of issuer ${issuer} is rejected`);
    return { localJwks: { inlineString: EMPTY_JWKS } };
  }
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const known = index.servicesFor(host).some((s) => s.ports.some((p) => p.number === port));
  if (!known) {
    reporter.at(JWKS_HOST_UNKNOWN, uriOrigin, `no service in the registry serves ${host}:${port}, so Envoy cannot fetch the keys of issuer ${issuer}: every token of that issuer is rejected`);
  }
  return {
    remoteJwks: {
      httpUri: { uri, cluster: clusterName('outbound', port, undefined, host), timeout: seconds(rule.timeout) },
      cacheDuration: '300s',
    },
  };
}

function provider(rule: Record<string, unknown>, policy: RequestAuthentication, rulePath: readonly (string | number)[], index: ModelIndex, reporter: Reporter): JsonObject {
  const out: JsonObject = {};
  const issuer = str(rule.issuer);
  if (issuer !== undefined) out.issuer = issuer;
  const audiences = strings(rule.audiences);
  if (audiences.length > 0) out.audiences = audiences;
  Object.assign(out, keys(rule, policy, rulePath, index, reporter));
  if (rule.forwardOriginalToken === true) out.forward = true;
  const fromHeaders = records(rule.fromHeaders)
    .filter((h) => str(h.name) !== undefined)
    .map((h) => {
      const header: JsonObject = { name: h.name as string };
      const prefix = str(h.prefix);
      if (prefix !== undefined) header.valuePrefix = prefix;
      return header;
    });
  if (fromHeaders.length > 0) out.fromHeaders = fromHeaders;
  const fromParams = strings(rule.fromParams);
  if (fromParams.length > 0) out.fromParams = fromParams;
  const fromCookies = strings(rule.fromCookies);
  if (fromCookies.length > 0) out.fromCookies = fromCookies;
  const payloadHeader = str(rule.outputPayloadToHeader);
  if (payloadHeader !== undefined) out.forwardPayloadHeader = payloadHeader;
  out.payloadInMetadata = JWT_PAYLOAD_KEY;
  const claimToHeaders = records(rule.outputClaimToHeaders)
    .filter((c) => str(c.header) !== undefined && str(c.claim) !== undefined)
    .map((c) => ({ headerName: c.header as string, claimName: c.claim as string }));
  if (claimToHeaders.length > 0) out.claimToHeaders = claimToHeaders;
  return out;
}

/** The jwt_authn filter for the RequestAuthentications of a workload; undefined when none has a rule. */
export function buildJwtFilter(policies: readonly RequestAuthentication[], index: ModelIndex, reporter: Reporter): JwtFilter | undefined {
  const providers: JsonObject = {};
  const names: string[] = [];
  const sources: RelativeSource[] = [];
  for (const policy of policies) {
    policy.jwtRules.forEach((rule, i) => {
      const name = `origins-${names.length}`;
      const rulePath = ['spec', 'jwtRules', i];
      providers[name] = provider(rule, policy, rulePath, index, reporter);
      names.push(name);
      if (sources.length === 0) sources.push({ path: [], origin: { doc: policy.doc, path: [] } });
      sources.push({ path: ['typedConfig', 'providers', name], origin: { doc: policy.doc, path: rulePath } });
    });
  }
  if (names.length === 0) return undefined;
  const requirements = [...names.map((providerName) => ({ providerName })), { allowMissing: {} }];
  return {
    filter: {
      name: JWT_FILTER,
      typedConfig: {
        '@type': X.jwtAuthentication,
        providers,
        rules: [{ match: { prefix: '/' }, requires: { requiresAny: { requirements } } }],
        bypassCorsPreflight: true,
      },
    },
    sources,
  };
}
