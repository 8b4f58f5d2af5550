import type { Analyzer } from '../types.ts';
import { authorizationActions } from './authz-actions.ts';
import { authorizationConditions } from './authz-conditions.ts';
import { jwtWithoutRequestAuthentication } from './authz-jwt-without-requestauthn.ts';
import { httpFieldsOnTcp } from './authz-l7-on-tcp.ts';
import { identityWithoutMtls } from './authz-mtls-identity.ts';
import { authorizationPathTemplates } from './authz-path-templates.ts';
import { peerAuthenticationConflicts } from './peerauth-conflicts.ts';
import { peerAuthenticationPortLevel } from './peerauth-port-level.ts';
import { requestAuthenticationDuplicateIssuer } from './requestauth-duplicate-issuer.ts';
import { requestAuthenticationJwks } from './requestauth-jwks.ts';
import { selectorMatchesNothing } from './selector-matches-nothing.ts';

/** Security checks (SLU5xxx): AuthorizationPolicy, PeerAuthentication, RequestAuthentication. */
export const securityAnalyzers: readonly Analyzer[] = [
  authorizationActions,
  selectorMatchesNothing,
  httpFieldsOnTcp,
  identityWithoutMtls,
  authorizationConditions,
  jwtWithoutRequestAuthentication,
  authorizationPathTemplates,
  peerAuthenticationConflicts,
  peerAuthenticationPortLevel,
  requestAuthenticationJwks,
  requestAuthenticationDuplicateIssuer,
];
