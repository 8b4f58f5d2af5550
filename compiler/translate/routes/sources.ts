/**
 * Source-map recording: which policy node produced which part of a RouteConfiguration.
 * Paths are JSON paths inside the resource; origins are (document, node path) pairs.
 */
import type { PathSegment, PolicyDocument } from '../../load/types.ts';
import { childPath } from '../../model/index.ts';
import type { Origin } from '../../model/index.ts';
import type { JsonPathSegment, Resource, SourceMapEntry } from '../types.ts';

export type NodePath = readonly PathSegment[];

/** A source-map entry as recorded, its path relative to where it was recorded. */
export interface RecordedSource {
  /** The path as recorded; the part after `offset` is below the prefix it was recorded under. */
  path: readonly JsonPathSegment[];
  offset: number;
  last: JsonPathSegment | undefined;
  doc: PolicyDocument;
  node: NodePath;
}

/**
 * Records source-map entries in parallel arrays (no object per entry) and turns them into
 * `SourceMapEntry` objects only when they are read: most resources are published without
 * anyone reading their source map, and a 10,000-service mesh has ~150,000 entries.
 */
export class SourceRecorder {
  private readonly paths: (readonly JsonPathSegment[])[] = [];
  /** A last path segment to append to `paths[i]` (saves an array per entry), or undefined. */
  private readonly lasts: (JsonPathSegment | undefined)[] = [];
  private readonly docs: PolicyDocument[] = [];
  private readonly nodes: NodePath[] = [];

  /** `path` (inside the resource) came from `nodePath` of `doc`. */
  add(path: readonly JsonPathSegment[], doc: PolicyDocument, nodePath: NodePath): void {
    this.paths.push(path);
    this.lasts.push(undefined);
    this.docs.push(doc);
    this.nodes.push(nodePath);
  }

  /** `base` + `last` came from `nodePath` of `doc`. */
  addUnder(base: readonly JsonPathSegment[], last: JsonPathSegment, doc: PolicyDocument, nodePath: NodePath): void {
    this.paths.push(base);
    this.lasts.push(last);
    this.docs.push(doc);
    this.nodes.push(nodePath);
  }

  addOrigin(path: readonly JsonPathSegment[], origin: Origin): void {
    this.add(path, origin.doc, origin.path);
  }

  addOriginUnder(base: readonly JsonPathSegment[], last: JsonPathSegment, origin: Origin): void {
    this.addUnder(base, last, origin.doc, origin.path);
  }

  /** How many entries were recorded (a mark to `truncate` to). */
  get size(): number {
    return this.paths.length;
  }

  /** Forgets the entries recorded since `mark` (a route that was left out after all). */
  truncate(mark: number): void {
    this.paths.length = mark;
    this.lasts.length = mark;
    this.docs.length = mark;
    this.nodes.length = mark;
  }

  /**
   * The entries recorded since `mark`, with `prefix` taken off their paths (undefined when
   * one lies outside `prefix`): what a virtual host recorded, to record again under another path.
   */
  since(mark: number, prefix: readonly JsonPathSegment[]): RecordedSource[] | undefined {
    const out: RecordedSource[] = [];
    for (let i = mark; i < this.paths.length; i++) {
      const path = this.paths[i] as readonly JsonPathSegment[];
      if (path.length < prefix.length) return undefined;
      for (let k = 0; k < prefix.length; k++) if (path[k] !== prefix[k]) return undefined;
      out.push({ path, offset: prefix.length, last: this.lasts[i], doc: this.docs[i] as PolicyDocument, node: this.nodes[i] as NodePath });
    }
    return out;
  }

  /** Records entries taken with `since` again, under `prefix` (`previous`: the prefix they were taken under). */
  replay(recorded: readonly RecordedSource[], prefix: readonly JsonPathSegment[], previous: readonly JsonPathSegment[]): void {
    const same = prefix.length === previous.length && prefix.every((s, i) => s === previous[i]);
    for (const r of recorded) {
      this.paths.push(same ? r.path : [...prefix, ...r.path.slice(r.offset)]);
      this.lasts.push(r.last);
      this.docs.push(r.doc);
      this.nodes.push(r.node);
    }
  }

  /** Changes the origin of entry `index` (recorded before its origin was known). */
  setOrigin(index: number, doc: PolicyDocument, nodePath: NodePath): void {
    this.docs[index] = doc;
    this.nodes[index] = nodePath;
  }

  entries(): SourceMapEntry[] {
    const out: SourceMapEntry[] = new Array(this.paths.length);
    for (let i = 0; i < this.paths.length; i++) {
      const last = this.lasts[i];
      const path = last === undefined ? (this.paths[i] as JsonPathSegment[]) : at(this.paths[i] as JsonPathSegment[], last);
      out[i] = { path, origin: { doc: this.docs[i] as PolicyDocument, path: this.nodes[i] as NodePath } };
    }
    return out;
  }
}

/**
 * A Resource whose `sources` are the entries of its recorders, one after the other, made on
 * first read (most never are). A class, so that 10,000 of them share one shape: an accessor
 * defined on each object made each a dictionary, slow to read for every later stage.
 */
class RecordedResource implements Resource {
  #sources: SourceMapEntry[] | undefined;

  constructor(
    public typeUrl: Resource['typeUrl'],
    public name: string,
    public json: Resource['json'],
    private readonly recorders: readonly SourceRecorder[],
  ) {}

  get sources(): SourceMapEntry[] {
    return (this.#sources ??= this.recorders.length === 1 ? (this.recorders[0] as SourceRecorder).entries() : this.recorders.flatMap((r) => r.entries()));
  }

  set sources(value: SourceMapEntry[]) {
    this.#sources = value;
  }
}

/** A Resource whose `sources` are built from the recorder on first read. */
export function resourceWithSources(resource: Omit<Resource, 'sources'>, sources: SourceRecorder): Resource {
  return new RecordedResource(resource.typeUrl, resource.name, resource.json, [sources]);
}

/** A Resource whose `sources` are the entries of `recorders`, one after the other, built on first read. */
export function resourceWithSourceList(resource: Omit<Resource, 'sources'>, recorders: readonly SourceRecorder[]): Resource {
  return new RecordedResource(resource.typeUrl, resource.name, resource.json, recorders);
}

/** `base` + segments, as a new array. */
export function at(base: readonly JsonPathSegment[], ...segments: JsonPathSegment[]): JsonPathSegment[] {
  const n = base.length;
  const out = new Array<JsonPathSegment>(n + segments.length);
  for (let i = 0; i < n; i++) out[i] = base[i] as JsonPathSegment;
  for (let i = 0; i < segments.length; i++) out[n + i] = segments[i] as JsonPathSegment;
  return out;
}

/**
 * A node path extended by segments, interned: every VirtualService has a
 * `spec.http[0].route`; interned in the model's table, so the model and the source maps
 * share one frozen array per distinct path (source maps of large meshes stay light).
 */
export function under(base: NodePath, ...segments: PathSegment[]): NodePath {
  let path = base;
  for (const s of segments) path = childPath(path, s);
  return path;
}
