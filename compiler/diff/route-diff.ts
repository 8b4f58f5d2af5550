/**
 * Routing of one service port, base → head: the default split, routes added, removed and
 * changed, and which requests now go elsewhere.
 *
 * Routes are paired by name, else by their match conditions, so a reordered or renamed
 * VirtualService is no change. "Which requests go elsewhere" is judged per class of
 * requests: each distinct match alternative of either side, plus the requests no explicit
 * alternative matches; each class is sent through both route lists (first match wins).
 */
import { compareText } from './canonical.ts';
import type { Conditions } from './conditions.ts';
import { conditionsKey, conditionsText, implies, mayOverlap } from './conditions.ts';
import { locate } from './location.ts';
import type { NodeRef } from './location.ts';
import type { RouteEntry, RouteInfo } from './route-table.ts';
import { noRouteSplit, sameSplit, serviceSplit, shareChanges, splitText } from './split.ts';
import type { DiffLocation, FieldChange, Reroute, RouteChange, RouteView, Side, Split, TrafficChange } from './types.ts';
import { UNSET } from './values.ts';

interface Resolution {
  split: Split;
  route?: RouteInfo;
  partial: boolean;
}

/** Where a class of requests goes; `undefined` conditions = the requests no explicit alternative matches. */
export function resolve(entry: RouteEntry, conditions: Conditions | undefined): Resolution {
  if (entry.routes.length === 0) return { split: serviceSplit(entry.labels), partial: false };
  let partial = false;
  for (const route of entry.routes) {
    if (conditions === undefined) {
      if (route.catchAll) return { split: route.view.destinations, route, partial };
      continue;
    }
    if (route.alternatives.some((alt) => implies(conditions, alt))) return { split: route.view.destinations, route, partial };
    if (route.alternatives.some((alt) => mayOverlap(conditions, alt))) partial = true;
  }
  return { split: noRouteSplit(entry.labels), partial };
}

function at(side: Side, node: NodeRef): DiffLocation {
  return locate(side, node, node.path);
}

/** Head's node when there is one, else base's. */
function where(head: NodeRef | undefined, base: NodeRef | undefined, fallback: { side: Side; node: NodeRef }): DiffLocation {
  if (head) return at('head', head);
  if (base) return at('base', base);
  return at(fallback.side, fallback.node);
}

function keyed(routes: readonly RouteInfo[]): Map<string, RouteInfo> {
  const out = new Map<string, RouteInfo>();
  const seen = new Map<string, number>();
  for (const r of routes) {
    const n = (seen.get(r.key) ?? 0) + 1;
    seen.set(r.key, n);
    out.set(n === 1 ? r.key : `${r.key}\u0000#${n}`, r);
  }
  return out;
}

function routeFields(before: RouteView, after: RouteView): FieldChange[] {
  const fields: FieldChange[] = [];
  const beforeMatch = before.match.length === 0 ? 'all requests' : before.match.join(' or ');
  const afterMatch = after.match.length === 0 ? 'all requests' : after.match.join(' or ');
  if (beforeMatch !== afterMatch) fields.push({ field: 'match', before: beforeMatch, after: afterMatch });
  if (!sameSplit(before.destinations, after.destinations)) {
    fields.push({ field: 'destinations', before: splitText(before.destinations), after: splitText(after.destinations) });
  }
  const names = new Set([...Object.keys(before.settings), ...Object.keys(after.settings)]);
  for (const name of names) {
    const b = before.settings[name] ?? UNSET;
    const a = after.settings[name] ?? UNSET;
    if (a !== b) fields.push({ field: name, before: b, after: a });
  }
  return fields;
}

export function diffRouteLists(base: RouteEntry | undefined, head: RouteEntry | undefined): RouteChange[] {
  const before = keyed(base?.routes ?? []);
  const after = keyed(head?.routes ?? []);
  const changes: RouteChange[] = [];
  for (const [key, route] of after) {
    const old = before.get(key);
    if (!old) {
      changes.push({ change: 'added', title: route.title, after: route.view, fields: [], location: at('head', route.node) });
      continue;
    }
    const fields = routeFields(old.view, route.view);
    if (fields.length > 0) changes.push({ change: 'changed', title: route.title, before: old.view, after: route.view, fields, location: at('head', route.node) });
  }
  for (const [key, route] of before) {
    if (!after.has(key)) changes.push({ change: 'removed', title: route.title, before: route.view, fields: [], location: at('base', route.node) });
  }
  return changes;
}

function fallbackOf(base: RouteEntry, head: RouteEntry): { side: Side; node: NodeRef } {
  return { side: 'head', node: head.source ?? head.origin };
}

export function diffTraffic(base: RouteEntry, head: RouteEntry): TrafficChange | undefined {
  const b = resolve(base, undefined);
  const h = resolve(head, undefined);
  if (sameSplit(b.split, h.split)) return undefined;
  return {
    before: b.split,
    after: h.split,
    shares: shareChanges(b.split, h.split),
    location: where(h.route?.node ?? head.source, b.route?.node ?? base.source, fallbackOf(base, head)),
  };
}

/** At most this many pairwise intersections are judged (routes are usually a handful). */
const MAX_INTERSECTIONS = 400;

/**
 * The classes of requests to follow: each explicit alternative of either side, and the
 * intersection of two alternatives that may overlap without one covering the other (the
 * requests both match: `jason` and `/api` when the routes for them swap places).
 */
function requestClasses(base: RouteEntry, head: RouteEntry): Map<string, Conditions> {
  const classes = new Map<string, Conditions>();
  for (const entry of [head, base]) {
    for (const route of entry.routes) {
      if (route.catchAll) continue;
      for (const alt of route.alternatives) {
        const key = conditionsKey(alt);
        if (!classes.has(key)) classes.set(key, alt);
      }
    }
  }
  const singles = [...classes.values()];
  let budget = MAX_INTERSECTIONS;
  for (let i = 0; i < singles.length && budget > 0; i++) {
    for (let j = i + 1; j < singles.length && budget > 0; j++, budget--) {
      const a = singles[i] as Conditions;
      const b = singles[j] as Conditions;
      if (implies(a, b) || implies(b, a) || !mayOverlap(a, b)) continue;
      const both = [...a, ...b.filter((c) => !a.some((x) => x.text === c.text))].sort((x, y) => compareText(x.text, y.text));
      const key = conditionsKey(both);
      if (!classes.has(key)) classes.set(key, both);
    }
  }
  return classes;
}

export function diffReroutes(base: RouteEntry, head: RouteEntry): Reroute[] {
  const classes = requestClasses(base, head);
  if (classes.size === 0) return [];
  const otherBase = resolve(base, undefined);
  const otherHead = resolve(head, undefined);
  const out: Reroute[] = [];
  for (const conditions of classes.values()) {
    const b = resolve(base, conditions);
    const h = resolve(head, conditions);
    if (sameSplit(b.split, h.split)) continue;
    // the class falls through to the default route on both sides: the line for other requests says it
    if (b.route === otherBase.route && h.route === otherHead.route && !b.partial && !h.partial) continue;
    const text = conditionsText(conditions);
    const reroute: Reroute = {
      requests: `requests matching ${text}`,
      match: text,
      before: b.split,
      after: h.split,
      location: where(h.route?.node ?? head.source, b.route?.node ?? base.source, fallbackOf(base, head)),
    };
    if (b.partial || h.partial) reroute.partial = true;
    out.push(reroute);
  }
  if (!sameSplit(otherBase.split, otherHead.split)) {
    out.push({
      requests: 'all other requests',
      before: otherBase.split,
      after: otherHead.split,
      location: where(otherHead.route?.node ?? head.source, otherBase.route?.node ?? base.source, fallbackOf(base, head)),
    });
  }
  return out;
}
