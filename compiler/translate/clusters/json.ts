/**
 * Small readers and writers shared by the cluster mappers: typed reads of DestinationRule
 * JSON (which reached the model schema-checked, but the translator never assumes more than
 * the reader checks), Envoy duration strings, and policy parts with their origin.
 */
import { parseDurationMs } from '../../analyze/shared/duration.ts';
import type { PathSegment } from '../../load/types.ts';
import type { Origin } from '../../model/index.ts';

export type JsonRecord = Readonly<Record<string, unknown>>;

/** A piece of a DestinationRule traffic policy (connectionPool, tls, ...) and the node it came from. */
export interface Part extends Origin {
  value: JsonRecord;
}

/** Pieces of output many clusters carry identically are shared parts (../shared-part.ts). */
export { sharedPart } from '../shared-part.ts';

/**
 * `make()` once per (object, key): pieces of output computed from one policy node are the
 * same for every cluster and proxy class that uses the node, so they are computed once and
 * shared (frozen by the caller). Keyed weakly: a new model starts afresh.
 */
export function memo<R>(cache: WeakMap<object, Map<string, R>>, node: object, key: string, make: () => R): R {
  let byKey = cache.get(node);
  if (!byKey) cache.set(node, (byKey = new Map()));
  let value = byKey.get(key);
  if (value === undefined) {
    value = make();
    byKey.set(key, value);
  }
  return value;
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown): JsonRecord | undefined {
  return isRecord(value) ? value : undefined;
}

/** A sub-part of a part: `part.value[key]` when it is an object, with its origin extended. */
export function subPart(part: Part | undefined, key: string): Part | undefined {
  if (!part) return undefined;
  const value = part.value[key];
  return isRecord(value) ? { doc: part.doc, path: [...part.path, key], value } : undefined;
}

/** A non-negative integer (Istio's int32/uint32 fields and UInt32Value wrappers), else undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return undefined;
}

/** Istio duration ("10s", "1m30s", "500ms") → protobuf JSON duration ("10s", "0.500s"); undefined when unreadable or negative. */
export function duration(value: unknown): string | undefined {
  const ms = parseDurationMs(value);
  if (ms === undefined || ms < 0 || !Number.isFinite(ms)) return undefined;
  return msToDuration(ms);
}

export function msToDuration(ms: number): string {
  const nanos = Math.round(ms * 1e6);
  const seconds = Math.floor(nanos / 1e9);
  const rest = nanos - seconds * 1e9;
  if (rest === 0) return `${seconds}s`;
  return `${seconds}.${String(rest).padStart(9, '0').replace(/0+$/, '')}s`;
}

/** Whole seconds of an Istio duration (Envoy's keepalive fields are seconds). */
export function seconds(value: unknown): number | undefined {
  const ms = parseDurationMs(value);
  if (ms === undefined || ms < 0) return undefined;
  return Math.floor(ms / 1000);
}

export function path(origin: Origin, ...rest: PathSegment[]): readonly PathSegment[] {
  return [...origin.path, ...rest];
}
