/**
 * compiler/verify — verify before publish: every xDS resource must encode with the Envoy
 * protos, satisfy the protos' protoc-gen-validate rules and sluice's extra checks, and the
 * snapshot must be consistent (every RDS/EDS/cluster reference resolves, no duplicate
 * domains or names, sane weights). The walk that verifies a resource also fingerprints it:
 * that is its content version (fingerprint.ts).
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

/**
 * What verify found for each resource of one compile (its violations and content version),
 * handed to the snapshot so that it does not pass over the resources again. A plain map,
 * for one compile: a weak one costs the garbage collector for every resource. The translator
 * does not change a resource after it is built; one that were would carry an old version —
 * and unverified content.
 */
export class ResourceWalks {
  private readonly walks = new Map<object, ResourceWalk>();

  /** The walk of `r`: the one recorded here, else a new one, recorded. */
  walkOf(r: SnapshotResource): ResourceWalk {
    const json = r.json;
    if (typeof json !== 'object' || json === null) return walkOnce(r.typeUrl, json);
    let walk = this.walks.get(json);
    if (walk === undefined || walk.typeUrl !== r.typeUrl) this.walks.set(json, (walk = walkOnce(r.typeUrl, json)));
    return walk;
  }

  /** Verifies a resource ahead of verifySnapshot, while the translator's output is in the CPU caches. */
  walkAhead(r: SnapshotResource): void {
    this.walkOf(r);
  }

  /** The content version of `r`, from the walk that verified it. */
  versionOf(r: SnapshotResource): string {
    return this.walkOf(r).version;
  }
}

/**
 * The content version of a resource: 16 hex digits of its fingerprint (fingerprint.ts), equal
 * for equal content. It comes from the same walk as the resource's verification.
 */
export function contentVersion(typeUrl: string, json: SnapshotResource['json']): string {
  return walkOnce(typeUrl, json).version;
}

/**
 * Verifies every resource (violations carry `resource`) and the snapshot's consistency.
 * Returns [] for a snapshot that can be published. A checker kept for one proxy class
 * checks again only what changed since its last snapshot. What was found for each resource
 * walked is recorded in `walks` (the snapshot takes the versions from there).
 */
export function verifySnapshot(resources: readonly SnapshotResource[], checker?: SnapshotChecker, walks?: ResourceWalks): Violation[] {
  const check = (r: SnapshotResource): Violation[] => withResource(r, (walks ? walks.walkOf(r) : walkOnce(r.typeUrl, r.json)).violations);
  if (checker) return checker.check(resources, check);
  return verifyWhole(resources, check);
}

function withResource(r: SnapshotResource, found: Violation[]): Violation[] {
  if (found.length === 0) return found;
  const resource = { typeUrl: r.typeUrl, name: r.name };
  return found.map((v) => ({ ...v, resource }));
}
