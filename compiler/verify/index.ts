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

/**
 * Verifies every resource (violations carry `resource`) and the snapshot's consistency.
 * Returns [] for a snapshot that can be published.
 */
export function verifySnapshot(resources: readonly SnapshotResource[]): Violation[] {
  const out: Violation[] = [];
  for (const r of resources) {
    const resource = { typeUrl: r.typeUrl, name: r.name };
    for (const v of verifyResource(r.typeUrl, r.json)) out.push({ ...v, resource });
  }
  for (const v of checkSnapshot(resources)) out.push(v);
  return out;
}
