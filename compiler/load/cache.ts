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
  path: string;
  content: string | Uint8Array;
  parsed: ParsedFile;
  /** The update that last saw this path (to find removed paths, and paths given twice). */
  seen: number;
}

/** What changed since the previous load through the same cache. */
export interface LoadUpdate {
  /** Paths added, removed, or whose content changed. */
  changedFiles: ReadonlySet<string>;
  /** Documents no longer loaded, and documents loaded for the first time (by identity). */
  removed: readonly PolicyDocument[];
  added: readonly PolicyDocument[];
  /**
   * When the change only replaced documents in place (no file added, removed or moved, and
   * each changed file has documents of the same kinds in the same order as before): each
   * replaced document → the document now at its place, so everything after it keeps its
   * position. Undefined for any other change.
   */
  replaced?: ReadonlyMap<PolicyDocument, PolicyDocument>;
  /** Every document of the changed files (new or kept), when `replaced` is defined. */
  inChangedFiles?: readonly PolicyDocument[];
  /** False for the first load through the cache (everything is new). */
  incremental: boolean;
  /**
   * Documents kept from before (same objects) stand in another order than before within
   * their file: a model built from the old order is not the model of the new one.
   */
  reordered: boolean;
}

/** Every file's documents, diagnostics and text, joined in source order. */
interface JoinedFiles {
  documents: PolicyDocument[];
  diagnostics: Diagnostic[];
  files: Map<string, LoadedFile>;
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

/** The files' parts in order, as one list each. */
export function joinParsed(parsedFiles: readonly ParsedFile[]): JoinedFiles {
  const documents: PolicyDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, LoadedFile>();
  for (const parsed of parsedFiles) {
    if (parsed.file) files.set(parsed.file.path, parsed.file);
    for (const doc of parsed.documents) documents.push(doc);
    for (const d of parsed.diagnostics) diagnostics.push(d);
  }
  return { documents, diagnostics, files };
}

/** Documents of the same kinds in the same order: the new ones take the old ones' places. */
function sameShape(before: readonly PolicyDocument[], after: readonly PolicyDocument[]): boolean {
  if (before.length !== after.length) return false;
  for (let i = 0; i < before.length; i++) {
    const a = before[i] as PolicyDocument;
    const b = after[i] as PolicyDocument;
    if (a.group !== b.group || a.kind !== b.kind) return false;
  }
  return true;
}

export class ParseCache {
  private entries = new Map<string, Entry>();
  /** The entries of the last update in source order, and where each file's documents start in `joined.documents`. */
  private order: Entry[] = [];
  private offsets: number[] = [];
  private joined: JoinedFiles | undefined;
  private generation = 0;
  private limitsKey: string | undefined;
  /** Documents per identity over all files, to tell cheaply whether any is defined twice. */
  private readonly identities = new Map<string, number>();
  private repeated = 0;

  /** True when some identity is loaded more than once (the duplicate check must run). */
  get hasRepeats(): boolean {
    return this.repeated > 0;
  }

  /**
   * Parses what changed and returns every file's documents, diagnostics and text joined in
   * source order, reusing the rest (the diagnostics are the caller's to change, the
   * documents and file map are not).
   * `parse` is the loader's
   * own per-file parse (decode, size limit, YAML).
   */
  update(sources: readonly SourceFile[], limitsKey: string, parse: (source: SourceFile) => ParsedFile): { joined: JoinedFiles; update: LoadUpdate } {
    const incremental = this.limitsKey === limitsKey && this.entries.size > 0;
    if (this.limitsKey !== limitsKey) this.reset(limitsKey);
    const generation = ++this.generation;
    const previousOrder = this.order;
    // the same paths in the same order as last time (the usual reload): no map lookups, and the joined lists can be patched
    let inPlace = incremental && previousOrder.length === sources.length;
    const order: Entry[] = new Array(sources.length);
    const changedFiles = new Set<string>();
    const changedAt: number[] = [];
    const removed: PolicyDocument[] = [];
    const added: PolicyDocument[] = [];
    const replaced = new Map<PolicyDocument, PolicyDocument>();
    const inChangedFiles: PolicyDocument[] = [];
    let shapeKept = true;
    let reordered = false;
    let twice = false;
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i] as SourceFile;
      let old = inPlace ? previousOrder[i] : undefined;
      if (old !== undefined && old.path !== source.path) {
        inPlace = false;
        old = undefined;
      }
      old ??= this.entries.get(source.path);
      if (old !== undefined && old.seen === generation) {
        twice = true;
        break;
      }
      if (old !== undefined && sameContent(old.content, source.content)) {
        old.seen = generation;
        order[i] = old;
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
      // kept documents in another order than before: whatever was built from their order is stale
      let at = 0;
      for (const doc of parsed.documents) {
        if (!had.has(doc)) continue;
        while (at < before.length && before[at] !== doc) at++;
        if (at === before.length) reordered = true;
      }
      // in place: each changed position holds a new document where a removed one was
      let inPlaceFile = old !== undefined && sameShape(before, parsed.documents);
      for (let k = 0; inPlaceFile && k < before.length; k++) {
        const was = before[k] as PolicyDocument;
        const is = parsed.documents[k] as PolicyDocument;
        if (was !== is && (kept.has(was) || had.has(is))) inPlaceFile = false;
      }
      if (inPlaceFile) {
        for (let k = 0; k < before.length; k++) if (before[k] !== parsed.documents[k]) replaced.set(before[k] as PolicyDocument, parsed.documents[k] as PolicyDocument);
        for (const doc of parsed.documents) inChangedFiles.push(doc);
      } else {
        shapeKept = false;
      }
      changedFiles.add(source.path);
      changedAt.push(i);
      const entry: Entry = { path: source.path, content: source.content, parsed, seen: generation };
      this.entries.set(source.path, entry);
      order[i] = entry;
    }
    if (twice) {
      // the same path twice (callers do not do this): no reuse, and nothing kept for next time
      this.reset(undefined);
      const files = sources.map(parse);
      return { joined: joinParsed(files), update: { changedFiles: new Set(sources.map((s) => s.path)), removed: [], added: files.flatMap((f) => f.documents), incremental: false, reordered: false } };
    }
    if (!inPlace || this.entries.size !== sources.length) {
      inPlace = false;
      for (const [path, old] of this.entries) {
        if (old.seen === generation) continue;
        this.entries.delete(path);
        changedFiles.add(path);
        for (const doc of old.parsed.documents) {
          removed.push(doc);
          this.count(doc, -1);
        }
      }
    }
    // files kept from last time in another order than before: their documents moved too
    if (!inPlace && !reordered) reordered = filesMoved(previousOrder, order);
    const joined = inPlace && shapeKept && this.joined ? this.patch(this.joined, previousOrder, order, changedAt) : undefined;
    this.order = order;
    if (joined) {
      this.joined = joined;
    } else {
      const files = order.map((e) => e.parsed);
      this.joined = joinParsed(files);
      this.offsets = new Array(files.length);
      let at = 0;
      for (let i = 0; i < files.length; i++) {
        this.offsets[i] = at;
        at += (files[i] as ParsedFile).documents.length;
      }
    }
    const update: LoadUpdate = { changedFiles, removed, added, incremental, reordered, ...(inPlace && shapeKept && incremental ? { replaced, inChangedFiles } : {}) };
    const out = this.joined;
    // the documents and the file map are never changed once returned (a patch makes new ones)
    return { joined: { documents: out.documents, diagnostics: out.diagnostics.slice(), files: out.files }, update };
  }

  /** The last joined lists with the files at `changedAt` (same number of documents as before) put in. */
  private patch(last: JoinedFiles, previousOrder: readonly Entry[], order: readonly Entry[], changedAt: readonly number[]): JoinedFiles {
    const documents = last.documents.slice();
    let files = last.files;
    let diagnosticsChanged = false;
    for (const i of changedAt) {
      const before = (previousOrder[i] as Entry).parsed;
      const after = (order[i] as Entry).parsed;
      const at = this.offsets[i] as number;
      for (let k = 0; k < after.documents.length; k++) documents[at + k] = after.documents[k] as PolicyDocument;
      if (before.diagnostics.length > 0 || after.diagnostics.length > 0) diagnosticsChanged = true;
      if (before.file !== after.file) {
        if (files === last.files) files = new Map(files);
        if (after.file) files.set(after.file.path, after.file);
        else files.delete((order[i] as Entry).path);
      }
    }
    if (!diagnosticsChanged) return { documents, diagnostics: last.diagnostics, files };
    const diagnostics: Diagnostic[] = [];
    for (const e of order) for (const d of e.parsed.diagnostics) diagnostics.push(d);
    return { documents, diagnostics, files };
  }

  private reset(limitsKey: string | undefined): void {
    this.entries = new Map();
    this.order = [];
    this.offsets = [];
    this.joined = undefined;
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

/** Whether files present in both lists come in another relative order in `after`. */
function filesMoved(before: readonly Entry[], after: readonly Entry[]): boolean {
  const position = new Map<string, number>();
  for (let i = 0; i < before.length; i++) position.set((before[i] as Entry).path, i);
  let last = -1;
  for (const entry of after) {
    const at = position.get(entry.path);
    if (at === undefined) continue;
    if (at < last) return true;
    last = at;
  }
  return false;
}
