/** What the snapshot consistency checks share: where violations go, and reading JSON keys. */
import type { JsonObject, JsonPath, JsonValue } from '../xds/index.ts';
import type { SnapshotResource, Violation } from './types.ts';

/** Names the snapshot holds, for the references that need one. */
export interface NameIndex {
  routes: ReadonlySet<string>;
  clusters: ReadonlySet<string>;
  assignments: ReadonlySet<string>;
}

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The key a field is written under: its JSON name when that is set, else its proto name. */
export function keyOf(o: JsonObject, camel: string, snake: string): string {
  return o[camel] !== undefined ? camel : snake;
}

/**
 * Collects violations while a check keeps the current path on a stack: a path and a message
 * are only built for a violation, never for a reference that resolves.
 */
export class Sink {
  readonly path: JsonPath = [];
  /** The resource the violations are about; without one they are relative (kept to be placed later). */
  resource: SnapshotResource | undefined;

  constructor(readonly out: Violation[]) {}

  add(rule: string, message: string, rest: JsonPath): void {
    const path = this.path.concat(rest);
    const r = this.resource;
    this.out.push(r ? { resource: { typeUrl: r.typeUrl, name: r.name }, path, rule, message } : { path, rule, message });
  }
}
