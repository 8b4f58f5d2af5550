/**
 * compiler/verify — verify before publish: every xDS resource must encode with the Envoy
 * protos, satisfy the protos' protoc-gen-validate rules and sluice's extra checks, and the
 * snapshot must be consistent (every RDS/EDS/cluster reference resolves, no duplicate
 * domains or names, sane weights).
 */
import { verifyResource } from './resource.ts';
import { checkSnapshot } from './snapshot.ts';
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
 * Returns [] for a snapshot that can be published.
 */
export function verifySnapshot(resources: readonly SnapshotResource[]): Violation[] {
  const out: Violation[] = [];
  for (const r of resources) {
    const found = verifiedOnce(r);
    if (found.length === 0) continue;
    const resource = { typeUrl: r.typeUrl, name: r.name };
    for (const v of found) out.push({ ...v, resource });
  }
  for (const v of checkSnapshot(resources)) out.push(v);
  return out;
}
