/**
 * compiler/verify — verify before publish: every xDS resource must encode with the Envoy
 * protos, satisfy the protos' protoc-gen-validate rules and sluice's extra checks, and the
 * snapshot must be consistent (every RDS/EDS/cluster reference resolves, no duplicate
 * domains or names, sane weights). The walk that verifies a resource also fingerprints it:
 * that is its content version (fingerprint.ts).
 */
import { walkResource } from './resource.ts';
import { SnapshotChecker, verifyWhole } from './snapshot.ts';
import type { ResourceWalk, SnapshotResource, Violation } from './types.ts';

export { SnapshotChecker };
export type { ResourceRef, ResourceWalk, SnapshotResource, Violation } from './types.ts';
export { verifyResource } from './resource.ts';
export { Verifier } from './walker.ts';

/**
 * The walk of each frozen resource JSON (reused across compiles): its violations and content
 * version do not change, so it is walked once.
 */
const frozenWalks = new WeakMap<object, ResourceWalk>();

function walkOnce(typeUrl: string, json: SnapshotResource['json']): ResourceWalk {
  if (typeof json !== 'object' || json === null || !Object.isFrozen(json)) return walkResource(typeUrl, json);
  let walk = frozenWalks.get(json);
  if (walk === undefined || walk.typeUrl !== typeUrl) frozenWalks.set(json, (walk = walkResource(typeUrl, json)));
  return walk;
}

/** The walk of `r`: the one it keeps when that walked its present JSON, else a new one, kept. */
function walkOf(r: SnapshotResource): ResourceWalk {
  const kept = r.walk;
  if (kept !== undefined && kept.json === r.json && kept.typeUrl === r.typeUrl) return kept;
  return (r.walk = walkOnce(r.typeUrl, r.json));
}

/**
 * Verifies a resource ahead of verifySnapshot, which then uses this walk: the translator calls
 * it as each resource of the large kinds is built, while its objects are in the CPU caches.
 */
export function walkAhead(r: SnapshotResource): void {
  walkOf(r);
}

/**
 * The content version of a resource: 16 hex digits of its fingerprint (fingerprint.ts), equal
 * for equal content; from the walk that verified it.
 */
export function contentVersion(r: SnapshotResource): string {
  return walkOf(r).version;
}

/**
 * Verifies every resource (violations carry `resource`) and the snapshot's consistency.
 * Returns [] for a snapshot that can be published. A checker kept for one proxy class
 * checks again only what changed since its last snapshot.
 */
export function verifySnapshot(resources: readonly SnapshotResource[], checker?: SnapshotChecker): Violation[] {
  const check = (r: SnapshotResource): Violation[] => withResource(r, walkOf(r).violations);
  if (checker) return checker.check(resources, check);
  return verifyWhole(resources, check);
}

function withResource(r: SnapshotResource, found: Violation[]): Violation[] {
  if (found.length === 0) return found;
  const resource = { typeUrl: r.typeUrl, name: r.name };
  return found.map((v) => ({ ...v, resource }));
}
