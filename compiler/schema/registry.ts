/**
 * The kinds sluice knows, their versions and schemas; ajv validators compiled lazily, once
 * per distinct schema (versions that share a schema share the validator).
 */
import { readFileSync } from 'node:fs';
import type { Ajv, ValidateFunction } from 'ajv';
import { createAjv } from './ajv.ts';
import type { JsonSchema } from './convert.ts';
import { HANDWRITTEN } from './handwritten/index.ts';

export interface KindVersion {
  group: string;
  version: string;
  kind: string;
}

export interface VersionEntry extends KindVersion {
  scope: 'Namespaced' | 'Cluster';
  origin: 'generated' | 'handwritten';
  /** Identifies the schema; versions with the same key share one compiled validator. */
  schemaKey: string;
  storage: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
  load(): JsonSchema;
}

export interface KindEntry {
  group: string;
  kind: string;
  versions: Map<string, VersionEntry>;
}

interface Manifest {
  kinds: {
    group: string;
    kind: string;
    scope: 'Namespaced' | 'Cluster';
    versions: Record<string, { schema: string; storage?: boolean; deprecated?: boolean; deprecationWarning?: string }>;
  }[];
}

const GENERATED = new URL('./generated/', import.meta.url);

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, GENERATED), 'utf8'));
}

const loaded = new Map<string, JsonSchema>();
function loadGenerated(file: string): JsonSchema {
  let schema = loaded.get(file);
  if (!schema) {
    schema = readJson(file) as JsonSchema;
    loaded.set(file, schema);
  }
  return schema;
}

const kindKey = (group: string, kind: string) => `${group}\u0000${kind}`;

let kinds: Map<string, KindEntry> | undefined;

function buildRegistry(): Map<string, KindEntry> {
  const out = new Map<string, KindEntry>();
  const add = (entry: VersionEntry) => {
    const key = kindKey(entry.group, entry.kind);
    let kind = out.get(key);
    if (!kind) out.set(key, (kind = { group: entry.group, kind: entry.kind, versions: new Map() }));
    if (kind.versions.has(entry.version)) throw new Error(`schema for ${entry.group}/${entry.version} ${entry.kind} defined twice`);
    kind.versions.set(entry.version, entry);
  };
  const manifest = readJson('manifest.json') as Manifest;
  for (const k of manifest.kinds) {
    for (const [version, v] of Object.entries(k.versions)) {
      const entry: VersionEntry = {
        group: k.group,
        version,
        kind: k.kind,
        scope: k.scope,
        origin: 'generated',
        schemaKey: `generated:${v.schema}`,
        storage: v.storage === true,
        deprecated: v.deprecated === true,
        load: () => loadGenerated(v.schema),
      };
      if (v.deprecationWarning) entry.deprecationWarning = v.deprecationWarning;
      add(entry);
    }
  }
  for (const h of HANDWRITTEN) {
    add({
      group: h.group,
      version: h.version,
      kind: h.kind,
      scope: h.scope,
      origin: 'handwritten',
      schemaKey: `handwritten:${h.group}/${h.version}/${h.kind}`,
      storage: true,
      deprecated: false,
      load: () => h.schema,
    });
  }
  return out;
}

export function registry(): Map<string, KindEntry> {
  kinds ??= buildRegistry();
  return kinds;
}

export function findKind(group: string, kind: string): KindEntry | undefined {
  return registry().get(kindKey(group, kind));
}

// ---------------------------------------------------------------------------------------

let ajvInstance: Ajv | undefined;

/** The shared ajv instance (created on first use). */
export function sharedAjv(): Ajv {
  ajvInstance ??= createAjv();
  return ajvInstance;
}

export interface CompiledSchema {
  schema: JsonSchema;
  validate: ValidateFunction;
}

const compiled = new Map<string, CompiledSchema>();

/** The compiled validator of a kind version (compiled on first use, then cached). */
export function compiledSchema(entry: VersionEntry): CompiledSchema {
  let result = compiled.get(entry.schemaKey);
  if (!result) {
    const schema = entry.load();
    result = { schema, validate: sharedAjv().compile(schema) };
    compiled.set(entry.schemaKey, result);
  }
  return result;
}
