/**
 * Inline `jwks` of RequestAuthentication JWT rules: it must be a JSON Web Key Set — a JSON
 * object with a non-empty `keys` array, each key with a `kty` and the members its key type
 * needs (RFC 7518 §6): RSA `n` and `e`; EC `crv`, `x`, `y`; oct `k`; OKP `crv` and `x`.
 * Envoy's JWT filter rejects anything else, and every token for that issuer fails.
 *
 * A rule with neither `jwks` nor `jwksUri` is fine: as in Istio, the keys are then fetched
 * from the issuer's OpenID discovery document. A rule with both is rejected by the CRD's
 * own rule, which the schema stage reports.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import { isRecord } from '../../model/index.ts';
import type { Analyzer } from '../types.ts';
import { policyName } from './context.ts';

export const INVALID_JWKS = defineCode({
  code: 'SLU5030',
  stage: 'security',
  severity: 'error',
  title: 'Inline jwks is not a valid JSON Web Key Set',
  hint: 'Set `jwks` to the JSON of a key set: `{"keys": [{"kty": "RSA", "n": "...", "e": "AQAB", ...}]}` (RSA keys need n and e, EC keys crv, x and y, oct keys k, OKP keys crv and x, all base64url). Or drop `jwks` and let the keys come from `jwksUri` or the issuer\'s discovery document.',
});

const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  oct: ['k'],
  OKP: ['crv', 'x'],
};
const BINARY_MEMBERS = new Set(['n', 'e', 'x', 'y', 'k']);
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);
const OKP_CURVES = new Set(['Ed25519', 'Ed448', 'X25519', 'X448']);

/** Why `text` is not a usable JWKS, or undefined when it is. Exported for the translator. */
export function jwksProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `it is not JSON (${(error as Error).message})`;
  }
  if (!isRecord(parsed)) return 'it must be a JSON object with a `keys` array';
  if (!('keys' in parsed)) return 'it has no `keys` array (a single JWK must be wrapped as `{"keys": [...]}`)';
  const keys = parsed.keys;
  if (!Array.isArray(keys)) return '`keys` must be an array';
  if (keys.length === 0) return '`keys` is empty: no token could be verified';
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (!isRecord(key)) return `keys[${i}] is not an object`;
    const kty = key.kty;
    if (typeof kty !== 'string') return `keys[${i}] has no \`kty\``;
    const required = REQUIRED_MEMBERS[kty];
    if (!required) return `keys[${i}] has kty \`${kty}\`; supported key types are RSA, EC, oct and OKP`;
    for (const member of required) {
      const value = key[member];
      if (typeof value !== 'string' || value === '') return `keys[${i}] (kty ${kty}) has no \`${member}\``;
      if (BINARY_MEMBERS.has(member) && !BASE64URL.test(value)) return `keys[${i}].${member} is not base64url`;
    }
    if (kty === 'EC' && !EC_CURVES.has(String(key.crv))) return `keys[${i}] has curve \`${String(key.crv)}\`; EC keys use P-256, P-384 or P-521`;
    if (kty === 'OKP' && !OKP_CURVES.has(String(key.crv))) return `keys[${i}] has curve \`${String(key.crv)}\`; OKP keys use Ed25519, Ed448, X25519 or X448`;
  }
  return undefined;
}

export const requestAuthenticationJwks: Analyzer = {
  name: 'request-authentication-jwks',
  codes: [INVALID_JWKS],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const ra of model.requestAuthentications) {
      ra.jwtRules.forEach((rule, i) => {
        const jwks = rule.jwks;
        if (typeof jwks !== 'string') return;
        const problem = jwksProblem(jwks);
        if (problem) {
          const issuer = typeof rule.issuer === 'string' ? ` for issuer ${rule.issuer}` : '';
          out.push(diagnostic(INVALID_JWKS, ra.doc.locate(['spec', 'jwtRules', i, 'jwks'], 'value'), `the inline jwks${issuer} in ${policyName(ra)} is not a valid JSON Web Key Set: ${problem}`));
        }
      });
    }
    return out;
  },
};
