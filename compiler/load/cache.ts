/**
 * The loader's part of incremental validation: files whose content did not change keep
 * their parsed documents (the same objects), and a changed file keeps the document objects
 * whose data did not change, so that everything built from them downstream can be reused
 * by identity.
 *
 * A kept document of a changed file may sit at other lines now: its `locate` (and `index`)
 * are replaced by the new parse's, so positions asked for from now on are right. Positions
 * already computed from it (diagnostics) are stale, which is why whoever caches diagnostics
 * recomputes those in changed files (`LoadUpdate.changedFiles`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Diagnostic } from '../diagnostics/index.ts';
import { identityOf } from './identity.ts';
import type { LoadedFile, PolicyDocument, SourceFile } from './types.ts';

export interface ParsedFile {
  file: LoadedFile | undefined;
  documents: PolicyDocument[];
  diagnostics: Diagnostic[];
}

interface Entry {
  content: string | Uint8Array;
  parsed: ParsedFile;
}

/** What changed since the previous load through the same cache. */
export interface LoadUpdate {
  /** Paths added, removed, or whose content changed. */
  changedFiles: ReadonlySet<string>;
  /** Documents no longer loaded, and documents loaded for the first time (by identity). */
  removed: readonly PolicyDocument[];
  added: readonly PolicyDocument[];
  /** False for the first load through the cache (everything is new). */
  incremental: boolean;
}

function sameContent(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (a === b) return true;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Keeps the old object of a document whose data is unchanged, with the new position information. */
function keepUnchanged(before: readonly PolicyDocument[], after: PolicyDocument[]): PolicyDocument[] {
  if (before.length === 0) return after;
  const byIdentity = new Map<string, PolicyDocument>();
  for (const doc of before) byIdentity.set(`${doc.apiVersion}/${identityOf(doc)}`, doc);
  return after.map((doc) => {
    const key = `${doc.apiVersion}/${identityOf(doc)}`;
    const old = byIdentity.get(key);
    if (old === undefined || !isDeepStrictEqual(old.data, doc.data)) return doc;
    byIdentity.delete(key);
    old.locate = doc.locate;
    old.index = doc.index;
    return old;
  });
}

export class ParseCache {
  private entries = new Map<string, Entry>();
  private limitsKey: string | undefined;
  /** Documents per identity over all files, to tell cheaply whether any is defined twice. */
  private readonly identities = new Map<string, number>();
  private repeated = 0;

  /** True when some identity is loaded more than once (the duplicate check must run). */
  get hasRepeats(): boolean {
    return this.repeated > 0;
  }

  /**
   * Parses what changed and returns every file's documents in source order, reusing the
   * rest. `parse` is the loader's own per-file parse (decode, size limit, YAML).
   */
  update(sources: readonly SourceFile[], limitsKey: string, parse: (source: SourceFile) => ParsedFile): { files: ParsedFile[]; update: LoadUpdate } {
    const paths = new Set<string>();
    for (const source of sources) paths.add(source.path);
    if (paths.size !== sources.length) {
      // the same path twice (callers do not do this): no reuse, and nothing kept for next time
      this.reset(undefined);
      const files = sources.map(parse);
      return { files, update: { changedFiles: paths, removed: [], added: files.flatMap((f) => f.documents), incremental: false } };
    }
    const incremental = this.limitsKey === limitsKey && this.entries.size > 0;
    if (this.limitsKey !== limitsKey) this.reset(limitsKey);
    const previous = this.entries;
    const next = new Map<string, Entry>();
    const changedFiles = new Set<string>();
    const removed: PolicyDocument[] = [];
    const added: PolicyDocument[] = [];
    const files: ParsedFile[] = [];
    for (const source of sources) {
      const old = previous.get(source.path);
      if (old !== undefined && sameContent(old.content, source.content)) {
        next.set(source.path, old);
        files.push(old.parsed);
        continue;
      }
      const parsed = parse(source);
      const before = old?.parsed.documents ?? [];
      parsed.documents = keepUnchanged(before, parsed.documents);
      const kept = new Set(parsed.documents);
      for (const doc of before) {
        if (kept.has(doc)) continue;
        removed.push(doc);
        this.count(doc, -1);
      }
      const had = new Set(before);
      for (const doc of parsed.documents) {
        if (had.has(doc)) continue;
        added.push(doc);
        this.count(doc, +1);
      }
      changedFiles.add(source.path);
      next.set(source.path, { content: source.content, parsed });
      files.push(parsed);
    }
    for (const [path, old] of previous) {
      if (next.has(path)) continue;
      changedFiles.add(path);
      for (const doc of old.parsed.documents) {
        removed.push(doc);
        this.count(doc, -1);
      }
    }
    this.entries = next;
    return { files, update: { changedFiles, removed, added, incremental } };
  }

  private reset(limitsKey: string | undefined): void {
    this.entries = new Map();
    this.identities.clear();
    this.repeated = 0;
    this.limitsKey = limitsKey;
  }

  private count(doc: PolicyDocument, delta: number): void {
    const id = identityOf(doc);
    const before = this.identities.get(id) ?? 0;
    const after = before + delta;
    if (after === 0) this.identities.delete(id);
    else this.identities.set(id, after);
    if (before <= 1 && after > 1) this.repeated++;
    else if (before > 1 && after <= 1) this.repeated--;
  }
}
