import { hash } from 'node:crypto';
import { TranslationMemo } from '../translate/index.ts';
import type { ProxyClass, Resource } from '../translate/index.ts';
import { encodeResource } from '../xds/index.ts';
import { contentVersion } from './content-hash.ts';
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

/**
 * Entries are shared between snapshots: a resource whose content did not change keeps its
 * entry (and its encoded bytes) from one compile to the next and across proxy classes.
 */
export class EntryCache {
  private readonly entries = new Map<string, SnapshotEntry>();
  private readonly byJson = new WeakMap<object, SnapshotEntry>();
  /** What compileModel keeps of each proxy class's last translation (translate/memo.ts). */
  readonly translations = new TranslationMemo();

  entry(resource: Resource): SnapshotEntry {
    // a frozen resource JSON (reused by an incremental compile) finds its entry by identity
    const frozen = Object.isFrozen(resource.json);
    if (frozen) {
      const known = this.byJson.get(resource.json);
      if (known !== undefined && known.typeUrl === resource.typeUrl && known.name === resource.name) return known;
    }
    const version = contentVersion(resource.typeUrl, resource.json);
    const key = `${resource.typeUrl}\n${resource.name}\n${version}`;
    let entry = this.entries.get(key);
    if (!entry) {
      let bytes: Uint8Array | undefined;
      const { typeUrl, name, json } = resource;
      entry = Object.freeze({
        typeUrl,
        name,
        version,
        json,
        bytes: () => (bytes ??= encodeResource(typeUrl, json)),
      });
      this.entries.set(key, entry);
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
    for (const [key, entry] of this.entries) {
      if (live.has(entry)) continue;
      this.entries.delete(key);
      this.byJson.delete(entry.json);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Resources ordered by name (stable); the translator's output usually is already, per type. */
function byName(resources: readonly Resource[]): readonly Resource[] {
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

/** Builds an immutable snapshot of verified resources. */
export function buildSnapshot(revision: string, proxy: ProxyClass, resources: readonly Resource[], cache: EntryCache = new EntryCache()): Snapshot {
  const byType = new Map<ResourceTypeUrl, Map<string, SnapshotEntry>>();
  for (const resource of byName(resources)) {
    let byName = byType.get(resource.typeUrl);
    if (!byName) byType.set(resource.typeUrl, (byName = new Map()));
    byName.set(resource.name, cache.entry(resource));
  }
  const lines: string[] = [];
  for (const [typeUrl, byName] of [...byType].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const entry of byName.values()) lines.push(`${typeUrl}\n${entry.name}\n${entry.version}\n`);
  }
  // One hash over the joined text: tens of thousands of small update() calls cost more.
  const version = `${revision}/${hash('sha256', lines.join(''), 'hex').slice(0, 12)}`;
  return Object.freeze({ version, revision, proxy, resources: byType });
}
