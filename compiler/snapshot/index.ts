import { hash } from 'node:crypto';
import { inOrder, resourceChangesOf, TranslationMemo } from '../translate/index.ts';
import type { ResourceWalks, SnapshotChecker } from '../verify/index.ts';
import type { ProxyClass, Resource } from '../translate/index.ts';
import { encodeResource } from '../xds/index.ts';
import { contentVersion } from '../verify/index.ts';
import type { JsonObject, ResourceTypeUrl } from '../xds/index.ts';

/** One resource of a snapshot: immutable, versioned by its content. */
export interface SnapshotEntry {
  readonly typeUrl: ResourceTypeUrl;
  readonly name: string;
  /** Content hash of the resource: equal content, equal version, across snapshots and classes. */
  readonly version: string;
  readonly json: JsonObject;
  /** Protobuf bytes, encoded on first use and kept: every stream shares them. */
  bytes(): Uint8Array;
}

export interface Snapshot {
  /** `revision/hash`: the source revision plus a hash of every resource version. */
  readonly version: string;
  readonly revision: string;
  readonly proxy: ProxyClass;
  /** Resources by type URL, then by name (names sorted). */
  readonly resources: ReadonlyMap<ResourceTypeUrl, ReadonlyMap<string, SnapshotEntry>>;
}

/** A class rather than an object with a closure: 60,000 entries, each one object less. */
class Entry implements SnapshotEntry {
  #bytes: Uint8Array | undefined;
  constructor(
    readonly typeUrl: ResourceTypeUrl,
    readonly name: string,
    readonly version: string,
    readonly json: JsonObject,
  ) {}

  bytes(): Uint8Array {
    // private fields stay writable on a frozen object
    return (this.#bytes ??= encodeResource(this.typeUrl, this.json));
  }
}

/**
 * Entries are shared between snapshots: a resource whose content did not change keeps its
 * entry (and its encoded bytes) from one compile to the next and across proxy classes.
 */
export class EntryCache {
  /**
   * By version (a content hash, so nearly always one entry per version): a 16-character key
   * hashes faster than type, name and version joined, for each of 60,000 resources.
   */
  private readonly entries = new Map<string, SnapshotEntry | SnapshotEntry[]>();
  private count = 0;
  private readonly byJson = new WeakMap<object, SnapshotEntry>();
  /** What compileModel keeps of each proxy class's last translation (translate/memo.ts). */
  readonly translations = new TranslationMemo();
  /** Each proxy class's last snapshot consistency check (verify). */
  readonly checkers = new Map<string, SnapshotChecker>();
  /** Each proxy class's last snapshot, as built (buildSnapshot). */
  readonly lastBuilt = new Map<string, Built>();

  /** The entry of `resource`; its version from the walk verify recorded in `walks`, if given. */
  entry(resource: Resource, walks?: ResourceWalks): SnapshotEntry {
    // a frozen resource JSON (reused by an incremental compile) finds its entry by identity
    const frozen = Object.isFrozen(resource.json);
    if (frozen) {
      const known = this.byJson.get(resource.json);
      if (known !== undefined && known.typeUrl === resource.typeUrl && known.name === resource.name) return known;
    }
    const version = walks ? walks.versionOf(resource) : contentVersion(resource.typeUrl, resource.json);
    const found = this.entries.get(version);
    let entry: SnapshotEntry | undefined;
    if (found !== undefined && !Array.isArray(found)) {
      if (found.typeUrl === resource.typeUrl && found.name === resource.name) entry = found;
    } else if (found !== undefined) {
      entry = found.find((e) => e.typeUrl === resource.typeUrl && e.name === resource.name);
    }
    if (!entry) {
      entry = Object.freeze(new Entry(resource.typeUrl, resource.name, version, resource.json));
      this.entries.set(version, found === undefined ? entry : Array.isArray(found) ? [...found, entry] : [found, entry]);
      this.count++;
    }
    if (frozen) this.byJson.set(resource.json, entry);
    return entry;
  }

  /** Forgets entries no live snapshot uses any more, and the translations of classes without one. */
  retain(snapshots: Iterable<Snapshot>): void {
    const live = new Set<SnapshotEntry>();
    const classes = new Set<string>();
    for (const snapshot of snapshots) {
      classes.add(snapshot.proxy.key);
      for (const byName of snapshot.resources.values()) for (const e of byName.values()) live.add(e);
    }
    this.translations.retain(classes);
    for (const key of this.checkers.keys()) if (!classes.has(key)) this.checkers.delete(key);
    for (const key of this.lastBuilt.keys()) if (!classes.has(key)) this.lastBuilt.delete(key);
    for (const [version, found] of this.entries) {
      const kept = (Array.isArray(found) ? found : [found]).filter((entry) => {
        if (live.has(entry)) return true;
        this.byJson.delete(entry.json);
        this.count--;
        return false;
      });
      if (kept.length === 0) this.entries.delete(version);
      else if (kept.length === 1) this.entries.set(version, kept[0] as SnapshotEntry);
      else if (Array.isArray(found) && kept.length < found.length) this.entries.set(version, kept);
    }
  }

  /** How many entries are kept. */
  get size(): number {
    return this.count;
  }
}

/** Resources ordered by name (stable); the translator's output usually is already, per type. */
function byName(resources: readonly Resource[]): readonly Resource[] {
  // a translation's list is known to be in resource order (types, then names) already
  if (inOrder(resources)) return resources;
  const last = new Map<string, string>();
  let sorted = true;
  for (const r of resources) {
    const before = last.get(r.typeUrl);
    if (before !== undefined && before > r.name) {
      sorted = false;
      break;
    }
    last.set(r.typeUrl, r.name);
  }
  // only the order within a type matters: each type gets its own map
  return sorted ? resources : [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Entries per part of a large type's digest: a changed entry rehashes its part only. */
const DIGEST_PART = 1024;

/** One type's digest, with what it was computed from (to patch it when a few entries change). */
interface TypeDigest {
  digest: string;
  /** One line per entry, in the type's order. */
  lines: string[];
  /** Digests of each DIGEST_PART lines (types with more entries than that). */
  parts: string[];
  /** Position of each name in `lines`, made when first patched. */
  positions?: Map<string, number>;
}

function entryLine(typeUrl: string, entry: SnapshotEntry): string {
  return `${typeUrl}\n${entry.name}\n${entry.version}\n`;
}

function partDigest(lines: readonly string[], part: number): string {
  return hash('sha256', lines.slice(part * DIGEST_PART, (part + 1) * DIGEST_PART).join(''), 'hex');
}

function digestOfLines(lines: string[], parts: string[]): string {
  // one hash over the joined text: tens of thousands of small update() calls cost more; a large type hashes its parts' digests
  return lines.length <= DIGEST_PART ? hash('sha256', lines.join(''), 'hex') : hash('sha256', parts.join('\n'), 'hex');
}

/** The hash of one type's entries (names in order, with their versions). */
function typeDigest(typeUrl: string, byName: ReadonlyMap<string, SnapshotEntry>): TypeDigest {
  const lines: string[] = [];
  for (const entry of byName.values()) lines.push(entryLine(typeUrl, entry));
  const parts: string[] = [];
  if (lines.length > DIGEST_PART) for (let p = 0; p * DIGEST_PART < lines.length; p++) parts.push(partDigest(lines, p));
  return { digest: digestOfLines(lines, parts), lines, parts };
}

/** `typeDigest` of `byName`, which differs from the entries `last` was computed from only in the entries of `names`. */
function patchedDigest(typeUrl: string, last: TypeDigest, byName: ReadonlyMap<string, SnapshotEntry>, names: readonly string[]): TypeDigest {
  if (last.lines.length <= DIGEST_PART || last.lines.length !== byName.size) return typeDigest(typeUrl, byName);
  let positions = last.positions;
  if (!positions) {
    positions = new Map();
    let i = 0;
    for (const name of byName.keys()) positions.set(name, i++);
  }
  const lines = last.lines.slice();
  const parts = last.parts.slice();
  const dirty = new Set<number>();
  for (const name of names) {
    const at = positions.get(name);
    const entry = byName.get(name);
    if (at === undefined || entry === undefined) return typeDigest(typeUrl, byName);
    lines[at] = entryLine(typeUrl, entry);
    dirty.add(Math.floor(at / DIGEST_PART));
  }
  for (const p of dirty) parts[p] = partDigest(lines, p);
  return { digest: digestOfLines(lines, parts), lines, parts, positions };
}

function snapshotOf(revision: string, proxy: ProxyClass, byType: Map<ResourceTypeUrl, Map<string, SnapshotEntry>>, digests: ReadonlyMap<string, TypeDigest>): Snapshot {
  const types = [...byType.keys()].sort();
  const version = `${revision}/${hash('sha256', types.map((t) => `${t}\n${digests.get(t)?.digest}\n`).join(''), 'hex').slice(0, 12)}`;
  return Object.freeze({ version, revision, proxy, resources: byType });
}

/** What the last snapshot of a proxy class was built from, to build the next from it. */
interface Built {
  resources: readonly Resource[];
  byType: Map<ResourceTypeUrl, Map<string, SnapshotEntry>>;
  digests: Map<string, TypeDigest>;
}

/**
 * Builds an immutable snapshot of verified resources. The snapshot version hashes each
 * type's entries, then the types. With a cache, a class whose resources are the same types
 * and names in the same order as its last snapshot's (contents changed) is built from that
 * one: only the types with a changed resource get a new map and hash. The versions come
 * from what verify recorded in `walks`, or are computed here.
 */
export function buildSnapshot(revision: string, proxy: ProxyClass, resources: readonly Resource[], cache: EntryCache = new EntryCache(), walks?: ResourceWalks): Snapshot {
  const last = cache.lastBuilt.get(proxy.key);
  // an incremental translation says which resources it replaced: only those are looked at
  const hint = last && last.resources.length === resources.length ? resourceChangesOf(resources, last.resources) : undefined;
  const known = hint !== undefined;
  const ordered = known ? resources : byName(resources);
  if (last && last.resources.length === resources.length && ordered === resources) {
    const changed = new Map<ResourceTypeUrl, Map<string, SnapshotEntry>>();
    const changedNames = new Map<ResourceTypeUrl, string[]>();
    let same = true;
    const look = (i: number) => {
      const before = last.resources[i] as Resource;
      const r = resources[i] as Resource;
      if (before.typeUrl !== r.typeUrl || before.name !== r.name) same = false;
      else if (before.json !== r.json) {
        let byName = changed.get(r.typeUrl);
        if (!byName) {
          changed.set(r.typeUrl, (byName = new Map(last.byType.get(r.typeUrl))));
          changedNames.set(r.typeUrl, []);
        }
        // of resources named alike (an error verify reports) the last one is kept, as below
        const next = resources[i + 1];
        if (next?.typeUrl !== r.typeUrl || next.name !== r.name) {
          byName.set(r.name, cache.entry(r, walks));
          changedNames.get(r.typeUrl)?.push(r.name);
        }
      }
    };
    if (hint) for (const i of hint) look(i);
    else for (let i = 0; i < resources.length && same; i++) look(i);
    if (same) {
      const byType = new Map(last.byType);
      const digests = new Map(last.digests);
      for (const [typeUrl, byName] of changed) {
        byType.set(typeUrl, byName);
        const before = last.digests.get(typeUrl);
        digests.set(typeUrl, before ? patchedDigest(typeUrl, before, byName, changedNames.get(typeUrl) ?? []) : typeDigest(typeUrl, byName));
      }
      cache.lastBuilt.set(proxy.key, { resources, byType, digests });
      return snapshotOf(revision, proxy, byType, digests);
    }
  }
  const byType = new Map<ResourceTypeUrl, Map<string, SnapshotEntry>>();
  for (const resource of ordered) {
    let names = byType.get(resource.typeUrl);
    if (!names) byType.set(resource.typeUrl, (names = new Map()));
    names.set(resource.name, cache.entry(resource, walks));
  }
  const digests = new Map<string, TypeDigest>();
  for (const [typeUrl, names] of byType) digests.set(typeUrl, typeDigest(typeUrl, names));
  cache.lastBuilt.set(proxy.key, { resources, byType, digests });
  return snapshotOf(revision, proxy, byType, digests);
}
