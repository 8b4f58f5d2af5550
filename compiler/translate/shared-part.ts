/**
 * Shared parts: pieces of output that many resources carry identically (Istio's default
 * retry policy, the SDS config of the workload certificate, a DestinationRule's circuit
 * breakers) are built once, deeply frozen, and put in every resource that needs them.
 *
 * Frozen, so that a consumer that tried to modify one fails loudly instead of changing every
 * resource at once. Marked, so that what depends on content only (the snapshot's content
 * versions) can treat a part once instead of once per resource. The mark is given where the
 * part is made, never afterwards: a resource frozen later because it is reused
 * (translate/memo.ts) keeps exactly the marks it was built with, so equal translations carry
 * equal marks.
 */
import type { JsonValue } from '../xds/index.ts';

const parts = new WeakSet<object>();

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

/** `value`, deeply frozen and marked as a shared part. */
export function sharedPart<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    deepFreeze(value as JsonValue);
    parts.add(value);
  }
  return value;
}

export function isSharedPart(value: object): boolean {
  return parts.has(value);
}
