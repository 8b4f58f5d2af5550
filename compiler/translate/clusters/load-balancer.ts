/**
 * DestinationRule `loadBalancer` → the cluster's lbPolicy and its config.
 *
 * Envoy (Istio's applyLoadBalancer): default LEAST_REQUEST; ROUND_ROBIN, RANDOM,
 * LEAST_REQUEST (LEAST_CONN is its old name); PASSTHROUGH → ORIGINAL_DST with
 * CLUSTER_PROVIDED; consistentHash → RING_HASH (`ringHashLbConfig`, minimum ring size 1024
 * unless set, XX_HASH) or MAGLEV (`maglevLbConfig.tableSize`); warmup (warmupDurationSecs or
 * `warmup`) → slow start on ROUND_ROBIN / LEAST_REQUEST. ORIGINAL_DST clusters always use
 * CLUSTER_PROVIDED. The consistent-hash key is the route's hash_policy (routes).
 *
 * gRPC (what @grpc/grpc-js-xds accepts): ROUND_ROBIN (also the default: gRPC has no
 * LEAST_REQUEST) or RING_HASH with XX_HASH. RANDOM, LEAST_REQUEST, PASSTHROUGH and warmup are
 * diagnosed and sent as ROUND_ROBIN; MAGLEV is diagnosed and sent as RING_HASH (both are
 * consistent hashing on the same key).
 */
import { LB_UNSUPPORTED, LB_VALUE_ADJUSTED } from './codes.ts';
import { mapSource, type ClusterDraft } from './draft.ts';
import { count, duration, isRecord, record, subPart, type Part } from './json.ts';

const MAX_RING_SIZE = 8_388_608;
const DEFAULT_RING_SIZE = 1024;

function uint64(value: unknown): number | undefined {
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return count(value);
}

function isPrime(n: number): boolean {
  if (n < 2 || !Number.isSafeInteger(n)) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

function ringHash(draft: ClusterDraft, lb: Part, hash: Part): void {
  const ring = record(hash.value.ringHash);
  const written = uint64(ring ? ring.minimumRingSize : hash.value.minimumRingSize);
  let size = written !== undefined && written > 0 ? written : DEFAULT_RING_SIZE;
  const where = ring ? ['ringHash', 'minimumRingSize'] : ['minimumRingSize'];
  if (size > MAX_RING_SIZE) {
    draft.findings.at(LB_VALUE_ADJUSTED, hash, `minimum ring size ${size} is more than ${MAX_RING_SIZE.toLocaleString('en-US')}, the most Envoy and gRPC accept; ${MAX_RING_SIZE} is sent`, where);
    size = MAX_RING_SIZE;
  }
  draft.json.lbPolicy = 'RING_HASH';
  draft.json.ringHashLbConfig = { minimumRingSize: String(size), hashFunction: 'XX_HASH' };
  mapSource(draft, ['lbPolicy'], lb);
  mapSource(draft, ['ringHashLbConfig'], written !== undefined ? { doc: hash.doc, path: [...hash.path, ...where] } : hash);
}

function maglev(draft: ClusterDraft, lb: Part, hash: Part, table: Part): void {
  if (draft.flavor === 'grpc') {
    draft.findings.at(LB_UNSUPPORTED, table, `gRPC clients cannot balance with MAGLEV; ${draft.host} is sent to them as RING_HASH on the same hash key`);
    ringHash(draft, lb, hash);
    return;
  }
  draft.json.lbPolicy = 'MAGLEV';
  mapSource(draft, ['lbPolicy'], lb);
  const size = uint64(table.value.tableSize);
  if (size === undefined || size === 0) return;
  if (!isPrime(size)) {
    draft.findings.at(LB_VALUE_ADJUSTED, table, `MAGLEV table size ${size} is not a prime number, which Envoy rejects; the default size 65537 is used`, ['tableSize']);
    return;
  }
  draft.json.maglevLbConfig = { tableSize: String(size) };
  mapSource(draft, ['maglevLbConfig'], { doc: table.doc, path: [...table.path, 'tableSize'] });
}

/** warmupDurationSecs / warmup → Envoy slow start config, or undefined. */
function slowStart(lb: Part): { config: Record<string, unknown>; origin: Part } | undefined {
  const warmup = subPart(lb, 'warmup');
  const window = warmup ? duration(warmup.value.duration) : duration(lb.value.warmupDurationSecs);
  if (window === undefined) return undefined;
  const config: Record<string, unknown> = { slowStartWindow: window };
  if (warmup) {
    const aggression = warmup.value.aggression;
    if (typeof aggression === 'number' && aggression > 0) config.aggression = { defaultValue: aggression, runtimeKey: 'upstream.slow_start.aggression' };
    const minimum = warmup.value.minimumPercent;
    if (typeof minimum === 'number' && minimum >= 0 && minimum <= 100) config.minWeightPercent = { value: minimum };
  }
  return { config, origin: warmup ?? { doc: lb.doc, path: [...lb.path, 'warmupDurationSecs'], value: lb.value } };
}

/**
 * Applies the load balancer part. Returns true when the cluster became ORIGINAL_DST
 * (PASSTHROUGH on Envoy): it then has no endpoints of its own.
 */
export function applyLoadBalancer(draft: ClusterDraft, lb: Part | undefined): boolean {
  const grpc = draft.flavor === 'grpc';
  if (!grpc && draft.json.type === 'ORIGINAL_DST') {
    draft.json.lbPolicy = 'CLUSTER_PROVIDED';
    return false;
  }
  const hash = subPart(lb, 'consistentHash');
  if (lb && hash) {
    const table = subPart(hash, 'maglev');
    if (table) maglev(draft, lb, hash, table);
    else ringHash(draft, lb, hash);
    return false;
  }
  const simple = lb && typeof lb.value.simple === 'string' ? lb.value.simple : 'UNSPECIFIED';
  const warm = lb ? slowStart(lb) : undefined;
  if (grpc) {
    draft.json.lbPolicy = 'ROUND_ROBIN';
    if (lb && simple !== 'UNSPECIFIED') mapSource(draft, ['lbPolicy'], lb);
    if (lb && simple !== 'ROUND_ROBIN' && simple !== 'UNSPECIFIED') {
      draft.findings.at(LB_UNSUPPORTED, lb, `gRPC clients cannot balance with ${simple}; ${draft.host} is sent to them as ROUND_ROBIN`, ['simple']);
    }
    if (warm) draft.findings.at(LB_UNSUPPORTED, warm.origin, `gRPC clients have no slow start; the warmup of ${draft.host} is not sent to them`);
    return false;
  }
  switch (simple) {
    case 'ROUND_ROBIN':
      draft.json.lbPolicy = 'ROUND_ROBIN';
      if (warm) draft.json.roundRobinLbConfig = { slowStartConfig: warm.config };
      break;
    case 'RANDOM':
      draft.json.lbPolicy = 'RANDOM';
      if (warm) draft.findings.at(LB_UNSUPPORTED, warm.origin, `warmup applies to ROUND_ROBIN and LEAST_REQUEST only; ${draft.host} balances with RANDOM and has no slow start`);
      break;
    case 'PASSTHROUGH':
      draft.json.type = 'ORIGINAL_DST';
      draft.json.lbPolicy = 'CLUSTER_PROVIDED';
      delete draft.json.edsClusterConfig;
      delete draft.json.loadAssignment;
      mapSource(draft, ['type'], lb);
      break;
    default:
      // LEAST_REQUEST, LEAST_CONN (its deprecated name) and the default
      draft.json.lbPolicy = 'LEAST_REQUEST';
      if (warm) draft.json.leastRequestLbConfig = { slowStartConfig: warm.config };
  }
  if (lb && simple !== 'UNSPECIFIED') mapSource(draft, ['lbPolicy'], lb);
  if (warm && isRecord(draft.json.roundRobinLbConfig)) mapSource(draft, ['roundRobinLbConfig'], warm.origin);
  if (warm && isRecord(draft.json.leastRequestLbConfig)) mapSource(draft, ['leastRequestLbConfig'], warm.origin);
  return simple === 'PASSTHROUGH';
}
