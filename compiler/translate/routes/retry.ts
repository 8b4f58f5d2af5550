/**
 * Retry policies (Istio `retry.ConvertPolicy`).
 *
 * Envoy: without `retries`, Istio's default — 2 retries on
 * connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (503),
 * prefer other hosts, 5 host selection attempts. `attempts: 0` (or absent) removes the
 * policy. Numbers in retryOn become retriable status codes (and `retriable-status-codes`
 * is added to retryOn). perTryTimeout, retryIgnorePreviousHosts, retryRemoteLocalities and
 * backoff map to their Envoy fields. With consistent hashing the default policy does not
 * prefer other hosts.
 *
 * gRPC clients read only retry_on (cancelled, deadline-exceeded, internal,
 * resource-exhausted, unavailable), num_retries (at most 4: 5 attempts in all) and
 * retry_back_off (misread from 1 s up); everything else is reported and left out.
 */
import type { JsonObject } from '../../xds/index.ts';
import { isRecord } from '../../model/index.ts';
import { durationNanos, envoyDuration, formatNanos } from './duration.ts';
import { sharedPart } from '../shared-part.ts';

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
const TYPED_STRUCT = 'type.googleapis.com/xds.type.v3.TypedStruct';

/**
 * Retry extensions whose config types are not in sluice's descriptor set: carried in a
 * TypedStruct, which Envoy resolves by the inner type URL.
 */
const PREVIOUS_HOSTS: readonly JsonObject[] = Object.freeze([
  sharedPart({
    name: 'envoy.retry_host_predicates.previous_hosts',
    typedConfig: { '@type': TYPED_STRUCT, typeUrl: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate', value: {} },
  }),
]);

const PREVIOUS_PRIORITIES = sharedPart({
  name: 'envoy.retry_priorities.previous_priorities',
  typedConfig: {
    '@type': TYPED_STRUCT,
    typeUrl: 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
    value: { update_frequency: 2 },
  },
});

const RETRY_503: readonly number[] = Object.freeze([503]);

/** Go's `http.StatusText(code) != ""`: the status codes Istio accepts as numeric retryOn tokens. */
const HTTP_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409,
  410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

export function parseRetryOn(retryOn: string): { conditions: string[]; codes: number[] } {
  const conditions: string[] = [];
  const codes: number[] = [];
  for (const part of retryOn.split(',')) {
    const token = part.trim();
    if (token === '') continue;
    if (/^\d+$/.test(token) && HTTP_STATUS.has(Number(token))) codes.push(Number(token));
    else conditions.push(token);
  }
  return { conditions, codes };
}

function defaultEnvoyPolicy(consistentHash: boolean): JsonObject {
  const out: JsonObject = {
    retryOn: DEFAULT_RETRY_ON,
    numRetries: 2,
    retriableStatusCodes: RETRY_503 as number[],
    hostSelectionRetryMaxAttempts: '5',
  };
  if (!consistentHash) out.retryHostPredicate = PREVIOUS_HOSTS as JsonObject[];
  return out;
}

const DEFAULT_POLICY = sharedPart(defaultEnvoyPolicy(false));
const DEFAULT_HASH_POLICY = sharedPart(defaultEnvoyPolicy(true));
const GRPC_DEFAULT_POLICY = sharedPart({ retryOn: 'unavailable,cancelled', numRetries: 2 });

function attemptsOf(retries: Record<string, unknown>): number {
  return typeof retries.attempts === 'number' && Number.isFinite(retries.attempts) ? Math.trunc(retries.attempts) : 0;
}

/**
 * Policies by their settings (a tree of maps, one level per setting: no key to build):
 * meshes repeat a handful of retry settings on thousands of routes.
 */
const KEY_FIELDS = ['attempts', 'retryOn', 'perTryTimeout', 'retryIgnorePreviousHosts', 'retryRemoteLocalities', 'backoff'] as const;
const policies = new Map<unknown, unknown>();
let cachedPolicies = 0;

/** Envoy RetryPolicy for a rule's `retries` (undefined: the default), or undefined for none. Shared and frozen. */
export function envoyRetryPolicy(retries: unknown, consistentHash: boolean): JsonObject | undefined {
  if (retries === undefined || !isRecord(retries)) return consistentHash ? DEFAULT_HASH_POLICY : DEFAULT_POLICY;
  const attempts = attemptsOf(retries);
  if (attempts <= 0) return undefined;
  let level: Map<unknown, unknown> | undefined = policies;
  for (const field of KEY_FIELDS) {
    const v = retries[field];
    if (v !== null && typeof v === 'object') {
      level = undefined; // not a scalar setting (a schema error): not cached
      break;
    }
    let next = level.get(v) as Map<unknown, unknown> | undefined;
    if (!next) level.set(v, (next = new Map()));
    level = next;
  }
  const cached = level?.get(consistentHash) as JsonObject | undefined;
  if (cached) return cached;
  const policy = sharedPart(buildEnvoyPolicy(retries, attempts, consistentHash));
  if (level && cachedPolicies < 10_000) {
    level.set(consistentHash, policy);
    cachedPolicies++;
  }
  return policy;
}

function buildEnvoyPolicy(retries: Record<string, unknown>, attempts: number, consistentHash: boolean): JsonObject {
  const out = defaultEnvoyPolicy(consistentHash);
  out.numRetries = attempts;
  if (typeof retries.retryOn === 'string' && retries.retryOn.trim() !== '') {
    const { conditions, codes } = parseRetryOn(retries.retryOn);
    let retryOn = conditions.join(',');
    if (codes.length > 0 && !retryOn.includes('retriable-status-codes')) retryOn = retryOn === '' ? 'retriable-status-codes' : `${retryOn},retriable-status-codes`;
    out.retryOn = retryOn;
    if (codes.length > 0) out.retriableStatusCodes = codes;
    else delete out.retriableStatusCodes;
  }
  const perTry = envoyDuration(retries.perTryTimeout);
  if (perTry !== undefined) out.perTryTimeout = perTry;
  if (typeof retries.retryIgnorePreviousHosts === 'boolean') {
    if (retries.retryIgnorePreviousHosts) out.retryHostPredicate = PREVIOUS_HOSTS as JsonObject[];
    else delete out.retryHostPredicate;
  }
  if (retries.retryRemoteLocalities === true) out.retryPriority = PREVIOUS_PRIORITIES;
  const backoff = envoyDuration(retries.backoff);
  if (backoff !== undefined) out.retryBackOff = { baseInterval: backoff };
  return out;
}

export const GRPC_RETRY_CONDITIONS: ReadonlySet<string> = new Set(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);
export const GRPC_MAX_RETRIES = 4;

export interface GrpcRetry {
  policy?: JsonObject;
  /** What was narrowed (retryOn conditions, attempts, backoff): SLU7003. */
  narrowed: string[];
  /** Settings gRPC clients do not read at all: SLU7001. */
  unsupported: string[];
}

/** The retry policy a gRPC client honours for a rule's `retries` (undefined: Istio's default). */
export function grpcRetryPolicy(retries: unknown): GrpcRetry {
  const narrowed: string[] = [];
  const unsupported: string[] = [];
  if (retries === undefined || !isRecord(retries)) {
    return { policy: GRPC_DEFAULT_POLICY, narrowed, unsupported };
  }
  const attempts = attemptsOf(retries);
  if (attempts <= 0) return { narrowed, unsupported };
  const written = typeof retries.retryOn === 'string' && retries.retryOn.trim() !== '' ? retries.retryOn : undefined;
  const { kept, dropped } = grpcConditions(written ?? DEFAULT_RETRY_ON);
  const list = dropped.map((d) => `"${d}"`).join(', ');
  if (kept.length === 0) {
    narrowed.push(`retryOn ${list} has no gRPC retry condition, so gRPC clients do not retry`);
    return { narrowed, unsupported };
  }
  if (written !== undefined && dropped.length > 0) narrowed.push(`retryOn ${list} ${dropped.length === 1 ? 'is' : 'are'} not a gRPC retry condition`);
  const policy: JsonObject = { retryOn: kept.join(','), numRetries: Math.min(attempts, GRPC_MAX_RETRIES) };
  if (attempts > GRPC_MAX_RETRIES) narrowed.push(`attempts ${attempts} capped at ${GRPC_MAX_RETRIES} (gRPC makes at most 5 attempts in all)`);
  const backoff = durationNanos(retries.backoff);
  if (backoff !== undefined && backoff > 0) {
    if (backoff >= 1e9) narrowed.push(`backoff ${String(retries.backoff)} left out (gRPC clients misread intervals of 1 s or more)`);
    else policy.retryBackOff = { baseInterval: formatNanos(backoff) };
  }
  if (retries.perTryTimeout !== undefined) unsupported.push('retries.perTryTimeout');
  if (retries.retryRemoteLocalities === true) unsupported.push('retries.retryRemoteLocalities');
  return { policy, narrowed, unsupported };
}

function grpcConditions(retryOn: string): { kept: string[]; dropped: string[] } {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const part of retryOn.split(',')) {
    const token = part.trim();
    if (token === '') continue;
    if (GRPC_RETRY_CONDITIONS.has(token)) {
      if (!kept.includes(token)) kept.push(token);
    } else dropped.push(token);
  }
  return { kept, dropped };
}
