/**
 * Generates sluice's JSON Schemas from the upstream CustomResourceDefinitions.
 *
 *   npm run gen:schemas            # writes compiler/schema/generated/
 *
 * Reads `../shared/upstream-crds/*.yaml` (relative to the repository root), converts the
 * OpenAPI schema of each selected kind/version with `compiler/schema/convert.ts`, wraps it
 * in the object envelope, and writes one JSON file per distinct schema plus a manifest.
 * Versions (and kinds) with identical schemas share one file. The output is committed:
 * sluice never reads `../shared` at run time. `generateSchemaFiles` is also what the test
 * that checks the committed output is up to date runs, in memory.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { canonicalJson, convertSchema, sortKeys } from '../compiler/schema/convert.ts';
import type { JsonSchema } from '../compiler/schema/convert.ts';
import { envelope } from '../compiler/schema/envelope.ts';

interface Selection {
  file: string;
  group: string;
  kinds: string[];
  /** Versions to emit; 'served' takes every served version in the CRD. */
  versions: string[] | 'served';
}

export const SELECTION: readonly Selection[] = [
  {
    file: 'istio-crd-all.gen.yaml',
    group: 'networking.istio.io',
    kinds: ['VirtualService', 'DestinationRule', 'ServiceEntry', 'WorkloadEntry', 'Gateway', 'Sidecar'],
    versions: ['v1', 'v1beta1', 'v1alpha3'],
  },
  {
    file: 'istio-crd-all.gen.yaml',
    group: 'security.istio.io',
    kinds: ['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'],
    versions: ['v1', 'v1beta1'],
  },
  { file: 'gateway-api-crd.yaml', group: 'gateway.networking.k8s.io', kinds: ['HTTPRoute', 'GRPCRoute', 'Gateway'], versions: 'served' },
  { file: 'analysis-template-crd.yaml', group: 'argoproj.io', kinds: ['AnalysisTemplate'], versions: ['v1alpha1'] },
  { file: 'cluster-analysis-template-crd.yaml', group: 'argoproj.io', kinds: ['ClusterAnalysisTemplate'], versions: ['v1alpha1'] },
];

export interface ManifestVersion {
  /** Schema file, relative to the generated folder. */
  schema: string;
  storage?: true;
  deprecated?: true;
  deprecationWarning?: string;
}

export interface ManifestKind {
  group: string;
  kind: string;
  scope: 'Namespaced' | 'Cluster';
  source: string;
  versions: Record<string, ManifestVersion>;
}

export interface Manifest {
  note: string;
  sources: Record<string, string>;
  kinds: ManifestKind[];
}

type Json = { [key: string]: unknown };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: Json;
}

interface Crd {
  group: string;
  kind: string;
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
}

function readCrds(text: string, file: string): Crd[] {
  const crds: Crd[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    const data: unknown = doc.toJS({ maxAliasCount: -1 });
    if (!isObject(data) || data.kind !== 'CustomResourceDefinition' || !isObject(data.spec)) continue;
    const spec = data.spec;
    const names = spec.names as Json;
    const versions = (spec.versions as Json[]).map((v): CrdVersion => {
      const schema = (v.schema as Json | undefined)?.openAPIV3Schema;
      if (!isObject(schema)) throw new Error(`${file}: ${String(names.kind)} ${String(v.name)} has no openAPIV3Schema`);
      const version: CrdVersion = { name: String(v.name), served: v.served === true, storage: v.storage === true, schema };
      if (v.deprecated === true) version.deprecated = true;
      if (typeof v.deprecationWarning === 'string') version.deprecationWarning = v.deprecationWarning;
      return version;
    });
    crds.push({ group: String(spec.group), kind: String(names.kind), scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced', versions });
  }
  return crds;
}

/** Converts a CRD version's root schema into a full object schema (envelope + spec). */
export function kindSchema(root: Json, where: string): JsonSchema {
  for (const key of Object.keys(root)) {
    if (!['type', 'description', 'properties', 'required'].includes(key)) throw new Error(`${where}: unsupported keyword ${key} at the schema root`);
  }
  const properties = isObject(root.properties) ? root.properties : {};
  for (const key of Object.keys(properties)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key)) throw new Error(`${where}: unexpected top-level property ${key}`);
  }
  const spec = properties.spec === undefined ? undefined : convertSchema(properties.spec, `${where}/spec`);
  const required = Array.isArray(root.required) ? root.required.map(String) : [];
  return envelope(spec, required);
}

/** Subtrees at least this long (canonical JSON) that occur twice or more are shared. */
const SHARE_MIN_CHARS = 2000;

/**
 * Moves repeated large subtrees (DestinationRule's traffic policy at three levels, the
 * three container lists of a pod template) into `definitions` and points at them with
 * `$ref`. Smaller files, and ajv compiles each shared subtree once.
 */
export function shareRepeatedSubtrees(schema: JsonSchema): JsonSchema {
  const definitions: Record<string, JsonSchema> = {};
  for (;;) {
    const seen = new Map<string, { count: number; name: string; node: JsonSchema }>();
    const visit = (node: unknown, name: string, root: boolean): void => {
      if (typeof node !== 'object' || node === null) return;
      if (Array.isArray(node)) {
        node.forEach((item) => visit(item, name, false));
        return;
      }
      const record = node as JsonSchema;
      if (!root && record.$ref === undefined) {
        const text = canonicalJson(record);
        if (text.length >= SHARE_MIN_CHARS) {
          const entry = seen.get(text);
          if (entry) entry.count++;
          else seen.set(text, { count: 1, name, node: record });
        }
      }
      for (const [key, value] of Object.entries(record)) {
        if (key === 'properties' && typeof value === 'object' && value !== null) {
          for (const [prop, child] of Object.entries(value)) visit(child, prop, false);
        } else if (key === 'items') visit(value, `${name}Item`, false);
        else if (key === 'additionalProperties') visit(value, `${name}Value`, false);
        else if (key !== 'definitions') visit(value, name, false);
      }
    };
    visit(schema, 'root', true);
    for (const def of Object.values(definitions)) visit(def, 'def', true);
    // The largest repeated subtree first; its own repeated parts are found on the next pass.
    const best = [...seen.entries()].filter(([, e]) => e.count > 1).sort((a, b) => b[0].length - a[0].length || a[1].name.localeCompare(b[1].name))[0];
    if (!best) break;
    const [text, entry] = best;
    let name = entry.name;
    for (let i = 2; definitions[name] !== undefined; i++) name = `${entry.name}${i}`;
    definitions[name] = structuredClone(entry.node);
    const ref = `#/definitions/${name}`;
    const replace = (node: unknown): unknown => {
      if (typeof node !== 'object' || node === null) return node;
      if (Array.isArray(node)) return node.map(replace);
      if (canonicalJson(node) === text) return { $ref: ref };
      const out: JsonSchema = {};
      for (const [key, value] of Object.entries(node)) out[key] = replace(value);
      return out;
    };
    schema = replace(schema) as JsonSchema;
    for (const key of Object.keys(definitions)) {
      if (key === name) continue;
      definitions[key] = replace(definitions[key]) as JsonSchema;
    }
  }
  return Object.keys(definitions).length === 0 ? schema : { ...schema, definitions };
}

const NOTE = 'Generated by scripts/gen-schemas.ts (npm run gen:schemas) from ../shared/upstream-crds. Do not edit by hand.';

/**
 * Generates every output file in memory: path relative to the generated folder → content.
 */
export function generateSchemaFiles(crdDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const sources: Record<string, string> = {};
  const byCanonical = new Map<string, string>();
  const kinds: ManifestKind[] = [];
  const cache = new Map<string, Crd[]>();

  for (const selection of SELECTION) {
    let crds = cache.get(selection.file);
    if (!crds) {
      const text = readFileSync(join(crdDir, selection.file), 'utf8');
      sources[selection.file] = 'sha256:' + createHash('sha256').update(text).digest('hex');
      crds = readCrds(text, selection.file);
      cache.set(selection.file, crds);
    }
    for (const kindName of selection.kinds) {
      const crd = crds.find((c) => c.group === selection.group && c.kind === kindName);
      if (!crd) throw new Error(`${selection.file} has no CRD for ${selection.group} ${kindName}`);
      const wanted = selection.versions === 'served' ? crd.versions.filter((v) => v.served).map((v) => v.name) : selection.versions;
      const entry: ManifestKind = { group: crd.group, kind: crd.kind, scope: crd.scope, source: selection.file, versions: {} };
      for (const versionName of wanted) {
        const version = crd.versions.find((v) => v.name === versionName);
        if (!version) throw new Error(`${selection.file}: ${crd.kind} has no version ${versionName}`);
        if (!version.served) throw new Error(`${selection.file}: ${crd.kind} ${versionName} is not served`);
        const schema = shareRepeatedSubtrees(kindSchema(version.schema, `${crd.group}/${versionName} ${crd.kind}`));
        const canonical = canonicalJson(schema);
        let path = byCanonical.get(canonical);
        if (!path) {
          const base = `${crd.group}/${crd.kind}`;
          path = files.has(`${base}.json`) ? `${base}.${versionName}.json` : `${base}.json`;
          files.set(path, JSON.stringify(sortKeys(schema), null, 1) + '\n');
          byCanonical.set(canonical, path);
        }
        const mv: ManifestVersion = { schema: path };
        if (version.storage) mv.storage = true;
        if (version.deprecated) mv.deprecated = true;
        if (version.deprecationWarning) mv.deprecationWarning = version.deprecationWarning;
        entry.versions[versionName] = mv;
      }
      kinds.push(entry);
    }
  }
  const manifest: Manifest = { note: NOTE, sources, kinds };
  files.set('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  return files;
}

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CRD_DIR = join(ROOT, '..', 'shared', 'upstream-crds');
export const GENERATED_DIR = join(ROOT, 'compiler', 'schema', 'generated');

function listJson(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listJson(path));
    else if (entry.name.endsWith('.json')) out.push(path);
  }
  return out;
}

function main(): void {
  const crdDir = process.argv[2] ?? DEFAULT_CRD_DIR;
  const files = generateSchemaFiles(crdDir);
  for (const stale of listJson(GENERATED_DIR)) {
    if (!files.has(relative(GENERATED_DIR, stale).split('\\').join('/'))) rmSync(stale);
  }
  let bytes = 0;
  for (const [path, content] of files) {
    const target = join(GENERATED_DIR, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    bytes += Buffer.byteLength(content);
  }
  console.log(`wrote ${files.size} files (${Math.round(bytes / 1024)} KiB) to ${relative(process.cwd(), GENERATED_DIR) || '.'}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
