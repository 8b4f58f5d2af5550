/**
 * Routes that answer without an upstream (Istio `ApplyRedirect`, `ApplyDirectResponse`).
 *
 * redirect: uri → path_redirect (or prefixRewrite → prefix_rewrite), authority →
 * host_redirect, scheme, port (or derivePort FROM_REQUEST_PORT: the listener port; :80 for
 * http and :443 for https are left out), redirectCode 301/302/303/307/308 (default 301).
 * Another code has no Envoy equivalent: the route is left out (the analyzers report the code).
 *
 * directResponse: status and an inline string or base64 bytes body.
 */
import type { JsonObject } from '../../xds/index.ts';
import { isRecord } from '../../model/index.ts';

const RESPONSE_CODES: Readonly<Record<number, string>> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** RedirectAction, or undefined when the redirect code has no Envoy equivalent. */
export function translateRedirect(redirect: unknown, listenPort: number): JsonObject | undefined {
  if (!isRecord(redirect)) return undefined;
  const out: JsonObject = {};
  if (typeof redirect.authority === 'string' && redirect.authority !== '') out.hostRedirect = redirect.authority;
  if (typeof redirect.uri === 'string' && redirect.uri !== '') out.pathRedirect = redirect.uri;
  else if (typeof redirect.prefixRewrite === 'string') out.prefixRewrite = redirect.prefixRewrite;
  const scheme = typeof redirect.scheme === 'string' && redirect.scheme !== '' ? redirect.scheme : undefined;
  if (scheme !== undefined) out.schemeRedirect = scheme;
  let port: number | undefined;
  if (typeof redirect.port === 'number') port = redirect.port;
  else if (redirect.derivePort === 'FROM_REQUEST_PORT') port = listenPort;
  if (port !== undefined) {
    const effectiveScheme = scheme ?? 'http';
    if (!((port === 80 && effectiveScheme === 'http') || (port === 443 && effectiveScheme === 'https'))) out.portRedirect = port;
  }
  const code = typeof redirect.redirectCode === 'number' ? redirect.redirectCode : 301;
  const name = RESPONSE_CODES[code];
  if (name === undefined) return undefined;
  if (name !== 'MOVED_PERMANENTLY') out.responseCode = name;
  return out;
}

export interface TranslatedDirectResponse {
  action: JsonObject;
  hasBody: boolean;
}

export function translateDirectResponse(response: unknown): TranslatedDirectResponse | undefined {
  if (!isRecord(response)) return undefined;
  const action: JsonObject = { status: typeof response.status === 'number' ? response.status : 0 };
  const body = response.body;
  let hasBody = false;
  if (isRecord(body)) {
    if (typeof body.string === 'string') {
      action.body = { inlineString: body.string };
      hasBody = true;
    } else if (typeof body.bytes === 'string') {
      action.body = { inlineBytes: body.bytes };
      hasBody = true;
    }
  }
  return { action, hasBody };
}
