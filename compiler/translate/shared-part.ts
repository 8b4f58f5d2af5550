/**
 * Shared parts: pieces of output that many resources carry identically (Istio's default
 * retry policy, the SDS config of the workload certificate, a DestinationRule's circuit
 * breakers) are built once, deeply frozen, and put in every resource that needs them.
 *
 * Frozen, so that a consumer that tried to modify one fails loudly instead of changing every
 * resource at once, and so that verify can walk a part once, by identity, instead of once per
 * resource: what a frozen value violates, and its fingerprint (the content versions), cannot
 * change (compiler/verify/fingerprint.ts).
 */
import type { JsonValue } from '../xds/index.ts';

/**
 * Freezes `value` and everything in it. An object found frozen already is taken to be frozen
 * all the way down and is not entered (30,000 clusters share a few parts): so nothing the
 * translator outputs may be frozen shallowly — freeze with this, never with Object.freeze
 * over unfrozen children (compiler/incremental.test.ts checks reused resources).
 */
export function deepFreeze<T extends JsonValue>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const key in value) deepFreeze((value as Record<string, JsonValue>)[key] as JsonValue);
    Object.freeze(value);
  }
  return value;
}

/** `value`, deeply frozen, to be put in many resources. */
export function sharedPart<T>(value: T): T {
  if (value !== null && typeof value === 'object') deepFreeze(value as JsonValue);
  return value;
}
