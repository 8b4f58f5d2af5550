/**
 * Diagnostics of route translation (SLU7001–SLU7019). Route translation reports only what
 * it decides itself: a setting a flavor cannot carry, a delegation it cannot resolve, an
 * overlay that does not apply. Invalid values (regexes, weights, durations) are translated
 * as written and caught by verify, which points at the policy node through the source map.
 */
import { defineCode } from '../../diagnostics/index.ts';

export const GRPC_UNSUPPORTED_SETTING = defineCode({
  code: 'SLU7001',
  stage: 'translate',
  severity: 'warning',
  title: 'Feature not supported by proxyless gRPC clients',
  hint: 'Proxyless gRPC clients (gRPC xDS) route, split traffic, retry, time out and inject faults, but do not rewrite, redirect, mirror, change headers, apply CORS or hash on anything but a header. The setting is left out of the configuration sent to gRPC clients; Envoy sidecars still apply it. Move the behaviour into the service, or accept that gRPC callers skip it.',
});

export const GRPC_ROUTE_LEFT_OUT = defineCode({
  code: 'SLU7002',
  stage: 'translate',
  severity: 'warning',
  title: 'Route left out for proxyless gRPC clients',
  hint: 'gRPC clients reject routes that redirect or answer directly (NACK) and cannot match on query parameters, :method, :authority, :scheme or JWT claims (such a route would match more requests than written). The route is left out for gRPC clients, so their requests fall through to the next route. Match on the path (/package.Service/Method) or on request headers instead.',
});

export const GRPC_RETRY_NARROWED = defineCode({
  code: 'SLU7003',
  stage: 'translate',
  severity: 'warning',
  title: 'Retry policy narrowed for proxyless gRPC clients',
  hint: 'gRPC clients retry only on the status conditions cancelled, deadline-exceeded, internal, resource-exhausted and unavailable, make at most 5 attempts (4 retries), and misread backoff intervals of a second or more. Conditions they do not know are dropped, attempts are capped, and such a backoff is left out (the client default, 25 ms, applies).',
});

export const DELEGATE_NOT_FOUND = defineCode({
  code: 'SLU7004',
  stage: 'translate',
  severity: 'error',
  title: 'Delegate VirtualService not found',
  hint: 'The rule delegates to a VirtualService that does not exist in that namespace (namespace defaults to the root VirtualService\'s), so it contributes no routes. Check name and namespace of `delegate`.',
  istio: 'IST0101 (ReferencedResourceNotFound)',
});

export const DELEGATE_IGNORED = defineCode({
  code: 'SLU7005',
  stage: 'translate',
  severity: 'warning',
  title: 'Delegate VirtualService cannot be used',
  hint: 'A delegate VirtualService must have no hosts, must be exported to the root VirtualService\'s namespace, and must not delegate again (Istio supports one level). Its routes are left out; fix the delegate or route directly.',
});

export const DELEGATE_MATCH_CONFLICT = defineCode({
  code: 'SLU7006',
  stage: 'translate',
  severity: 'warning',
  title: 'Delegate route conflicts with the root match',
  hint: 'A delegate route\'s match is combined with the root rule\'s match; when they contradict each other (a uri outside the root prefix, a different value for the same header, method or port) the combination can never match and Istio drops it. Make the delegate\'s match a refinement of the root\'s.',
});

export const OVERLAY_NOT_APPLIED = defineCode({
  code: 'SLU7007',
  stage: 'translate',
  severity: 'warning',
  title: 'Weight overlay does not apply to the route',
  hint: 'The rollout weight overlay names an HTTP route (by name or index) or subsets that this VirtualService does not have, so the weights written in the policy are used. Check the rollout\'s target route and its stable and canary subsets.',
});

export const ROUTE_WITHOUT_BACKEND = defineCode({
  code: 'SLU7008',
  stage: 'translate',
  severity: 'warning',
  title: 'Gateway API rule has no backend with weight above 0',
  hint: 'Every backendRef of the rule has weight 0 (or the rule has none), so, as the Gateway API requires, its requests get HTTP 500. Give a backend a positive weight.',
});

export const NO_ENVOY_EQUIVALENT = defineCode({
  code: 'SLU7009',
  stage: 'translate',
  severity: 'warning',
  title: 'Setting has no Envoy equivalent',
  hint: 'Istio accepts this setting but never configures it (exponential fault delays, HTTP/2 error aborts): it is left out. Use a fixed delay or an HTTP or gRPC status abort.',
});
