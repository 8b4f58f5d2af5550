/**
 * compiler/verify — verify before publish: every xDS resource must encode with the Envoy
 * protos, satisfy the protos' protoc-gen-validate rules and sluice's extra checks, and the
 * snapshot must be consistent (every RDS/EDS/cluster reference resolves, no duplicate
 * domains or names, sane weights).
 */
import { walkResource } from './resource.ts';
import type { ResourceWalk } from './resource.ts';
import { SnapshotChecker, verifyWhole } from './snapshot.ts';

export { SnapshotChecker };
import type { SnapshotResource, Violation } from './types.ts';

export type { ResourceRef, SnapshotResource, Violation } from './types.ts';
export { verifyResource } from './resource.ts';
export { Verifier } from './walker.ts';

/**
 * The last walk of each resource JSON: its violations and its content version. A frozen
 * resource (reused across compiles) is walked once; any resource's version is taken from the
 * walk that verified it, so the snapshot does not pass over the resources again. (A resource
 * changed after it was verified would carry an old version — and unverified content: the
 * translator's output is not changed after translation.)
 */
const walks = new WeakMap<object, ResourceWalk>();

function walkOnce(typeUrl: string, json: SnapshotResource['json'], reuse: boolean): ResourceWalk {
  if (typeof json !== 'object' || json === null) return walkResource(typeUrl, json);
  let walk = reuse ? walks.get(json) : undefined;
  if (walk === undefined || walk.typeUrl !== typeUrl) walks.set(json, (walk = walkResource(typeUrl, json)));
  return walk;
}

function verifiedOnce(r: SnapshotResource): Violation[] {
  return walkOnce(r.typeUrl, r.json, typeof r.json === 'object' && r.json !== null && Object.isFrozen(r.json)).violations;
}

/**
 * The content version of a resource: 16 hex digits of its fingerprint (fingerprint.ts), equal
 * for equal content, from the walk that verified it when there was one.
 */
export function contentVersion(typeUrl: string, json: SnapshotResource['json']): string {
  return walkOnce(typeUrl, json, true).version;
}

/**
 * Verifies every resource (violations carry `resource`) and the snapshot's consistency.
 * Returns [] for a snapshot that can be published. A checker kept for one proxy class
 * checks again only what changed since its last snapshot.
 */
export function verifySnapshot(resources: readonly SnapshotResource[], checker?: SnapshotChecker): Violation[] {
  if (checker) return checker.check(resources, withResource);
  return verifyWhole(resources, withResource);
}

function withResource(r: SnapshotResource): Violation[] {
  const found = verifiedOnce(r);
  if (found.length === 0) return found;
  const resource = { typeUrl: r.typeUrl, name: r.name };
  return found.map((v) => ({ ...v, resource }));
}
