/**
 * Shared, deeply frozen JSON: parts every route carries identically (Istio's default retry
 * policy, the catch-all match) are one object in every resource instead of one per route.
 * Frozen, so a consumer that tried to modify one would fail loudly instead of changing
 * every route at once.
 */
import type { JsonObject, JsonValue } from '../../xds/index.ts';

export function deepFreeze<T extends JsonValue>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v as JsonValue);
    Object.freeze(value);
  }
  return value;
}

export function frozen(value: JsonObject): JsonObject {
  return deepFreeze(value);
}
