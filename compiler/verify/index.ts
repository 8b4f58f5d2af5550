/**
 * compiler/verify — verify before publish: every xDS resource must encode with the Envoy
 * protos, satisfy the protos' protoc-gen-validate rules and sluice's extra checks, and the
 * snapshot must be consistent (every RDS/EDS/cluster reference resolves, no duplicate
 * domains or names, sane weights).
 */
import { verifyResource } from './resource.ts';
import { SnapshotChecker, verifyWhole } from './snapshot.ts';

export { SnapshotChecker };
import type { SnapshotResource, Violation } from './types.ts';

export type { ResourceRef, SnapshotResource, Violation } from './types.ts';
export { verifyResource } from './resource.ts';
export { Verifier } from './walker.ts';

/** Violations of frozen resources (reused across compiles), by identity and type. */
const verified = new WeakMap<object, Map<string, Violation[]>>();

function verifiedOnce(r: SnapshotResource): Violation[] {
  const json = r.json;
  if (typeof json !== 'object' || json === null || !Object.isFrozen(json)) return verifyResource(r.typeUrl, json);
  let byType = verified.get(json);
  if (!byType) verified.set(json, (byType = new Map()));
  let found = byType.get(r.typeUrl);
  if (!found) byType.set(r.typeUrl, (found = verifyResource(r.typeUrl, json)));
  return found;
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
