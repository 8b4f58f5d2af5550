/**
 * The order of a translation's resources: by type (clusters, endpoints, listeners, routes,
 * secrets), then by name. Whether a list is in that order is remembered per list, and a list
 * patched from another with the same names at the same places inherits it, so that an
 * incremental translation does not compare 100,000 names again.
 */
import type { Resource } from './types.ts';

const ORDER = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration', 'Secret'];
const ranks = new Map<string, number>();

function rank(typeUrl: string): number {
  let r = ranks.get(typeUrl);
  if (r === undefined) ranks.set(typeUrl, (r = ORDER.findIndex((t) => typeUrl.endsWith(`.${t}`))));
  return r;
}

export function compareResources(a: Resource, b: Resource): number {
  return rank(a.typeUrl) - rank(b.typeUrl) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

const sortedLists = new WeakMap<readonly Resource[], boolean>();

/** Whether `list` is in resource order (remembered: lists are not changed once returned). */
export function inOrder(list: readonly Resource[]): boolean {
  let sorted = sortedLists.get(list);
  if (sorted === undefined) {
    sorted = true;
    for (let i = 1; i < list.length && sorted; i++) if (compareResources(list[i - 1] as Resource, list[i] as Resource) > 0) sorted = false;
    sortedLists.set(list, sorted);
  }
  return sorted;
}

/** `next` has the same types and names at the same places as `previous`. */
export function sameOrderAs(next: readonly Resource[], previous: readonly Resource[]): void {
  const sorted = sortedLists.get(previous);
  if (sorted !== undefined) sortedLists.set(next, sorted);
}

/** Which positions of a list were replaced since the list it was patched from, known by a number (no chain of old lists stays alive). */
const changes = new WeakMap<readonly Resource[], { from: number; changed: readonly number[] }>();
const listIds = new WeakMap<readonly Resource[], number>();
let lastListId = 0;

/** Records that `next` is `previous` with the resources at `changed` (ascending) replaced by others of the same type and name. */
export function registerChanges(next: readonly Resource[], previous: readonly Resource[], changed: readonly number[]): void {
  let from = listIds.get(previous);
  if (from === undefined) listIds.set(previous, (from = ++lastListId));
  changes.set(next, { from, changed });
}

/**
 * The positions at which `resources` differ from `previous` (the resources of the last
 * translation of the same proxy class), when an incremental translation knows: the snapshot
 * builder (and the verifier) then look at those only. Undefined otherwise.
 */
export function resourceChangesOf(resources: readonly Resource[], previous: readonly Resource[]): readonly number[] | undefined {
  const known = changes.get(resources);
  return known && known.from === listIds.get(previous) ? known.changed : undefined;
}

/** The stages' resources as one list in resource order (they nearly always are already). */
export function combine(stages: readonly Resource[][]): Resource[] {
  return combineStages(stages).resources;
}

/** `combine`, and whether the stages were in order already (the list is their concatenation). */
export function combineStages(stages: readonly Resource[][]): { resources: Resource[]; concatenated: boolean } {
  const [first = [], ...rest] = stages;
  const resources = first.concat(...rest);
  let sorted = stages.every((list) => inOrder(list));
  let offset = 0;
  for (const list of stages) {
    const before = resources[offset - 1];
    if (offset > 0 && list.length > 0 && before && compareResources(before, list[0] as Resource) > 0) sorted = false;
    offset += list.length;
  }
  if (!sorted) resources.sort(compareResources);
  else sortedLists.set(resources, true);
  return { resources, concatenated: sorted };
}
