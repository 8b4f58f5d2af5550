/**
 * Request attributes from a validated JWT, as RBAC principals. The jwt_authn filter writes
 * the payload of the token it accepted to its dynamic metadata under `JWT_PAYLOAD_KEY`
 * (`payload_in_metadata`, the same key for every provider); these matchers read it. Istio
 * reads the same facts from its own `istio_authn` filter, which stock Envoy does not have.
 *
 * `request.auth.principal` is `iss/sub`: it is split at the last `/` (issuers are URLs,
 * subjects seldom contain a `/`) into an issuer and a subject match.
 */
import type { JsonObject } from '../../../xds/index.ts';
import { JWT_FILTER } from '../filters.ts';
import { stringMatcher, wildcard } from './matchers.ts';

export const JWT_PAYLOAD_KEY = 'jwt_payload';

function metadata(claim: readonly string[], value: JsonObject): JsonObject {
  const path = [{ key: JWT_PAYLOAD_KEY }];
  for (const key of claim) path.push({ key });
  return { metadata: { filter: JWT_FILTER, path, value } };
}

/** A string claim: exact/prefix/suffix, or present when `text` is empty. */
function stringClaim(claim: string, kind: 'exact' | 'prefix' | 'suffix', text: string): JsonObject {
  if (text === '' && kind !== 'exact') return metadata([claim], { presentMatch: true });
  return metadata([claim], { stringMatch: { [kind]: text } });
}

/** A claim that may be a string or a list of strings (`aud`, `groups`): either form matches. */
export function claimPrincipal(claim: readonly string[], value: string): JsonObject {
  if (value === '*') return metadata(claim, { presentMatch: true });
  const match = stringMatcher(value);
  return { orIds: { ids: [metadata(claim, { stringMatch: match }), metadata(claim, { listMatch: { oneOf: { stringMatch: match } } })] } };
}

const NEVER: JsonObject = { notId: { any: true } };

/** `iss/sub` with Istio's wildcards → issuer and subject matches. */
export function requestPrincipal(value: string): JsonObject {
  const w = wildcard(value);
  if (w.kind === 'any') return metadata(['iss'], { presentMatch: true });
  const text = w.text;
  if (w.kind === 'exact') {
    const slash = text.lastIndexOf('/');
    if (slash < 0) return NEVER;
    return { andIds: { ids: [stringClaim('iss', 'exact', text.slice(0, slash)), stringClaim('sub', 'exact', text.slice(slash + 1))] } };
  }
  if (w.kind === 'prefix') {
    const slash = text.lastIndexOf('/');
    if (slash < 0) return stringClaim('iss', 'prefix', text);
    return { andIds: { ids: [stringClaim('iss', 'exact', text.slice(0, slash)), stringClaim('sub', 'prefix', text.slice(slash + 1))] } };
  }
  const slash = text.indexOf('/');
  if (slash < 0) return stringClaim('sub', 'suffix', text);
  return { andIds: { ids: [stringClaim('iss', 'suffix', text.slice(0, slash)), stringClaim('sub', 'exact', text.slice(slash + 1))] } };
}
