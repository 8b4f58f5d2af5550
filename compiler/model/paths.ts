/**
 * Interned JSON paths. Every VirtualService has a `['spec', 'http', 0, 'route', 1]`; the
 * model hands out one shared, frozen array per distinct path instead of allocating one per
 * object, which keeps a 50,000-document model light on the garbage collector.
 * Paths are read-only: copy (`[...path, 'x']`) to extend one outside the model.
 */
import type { PathSegment } from '../load/types.ts';

export type Path = readonly PathSegment[];

const children = new WeakMap<Path, Map<PathSegment, Path>>();

export const ROOT_PATH: Path = Object.freeze([]);

/** `parent` + one segment, interned. */
export function child(parent: Path, segment: PathSegment): Path {
  let map = children.get(parent);
  if (!map) children.set(parent, (map = new Map()));
  let path = map.get(segment);
  if (!path) {
    const created = parent.slice();
    created.push(segment);
    path = Object.freeze(created);
    map.set(segment, path);
  }
  return path;
}

/** Interned path from segments: `path('spec', 'http', 0)`. */
export function pathOf(...segments: PathSegment[]): Path {
  let p = ROOT_PATH;
  for (const s of segments) p = child(p, s);
  return p;
}
