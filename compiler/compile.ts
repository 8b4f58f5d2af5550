import { compareDiagnostics, defineCode, diagnostic } from './diagnostics/index.ts';
import type { CodeDefinition, Diagnostic, Located } from './diagnostics/index.ts';
import type { PolicyModel } from './model/index.ts';
import { buildSnapshot, EntryCache } from './snapshot/index.ts';
import type { Snapshot } from './snapshot/index.ts';
import { translate } from './translate/index.ts';
import type { ProxyClass, Resource, SourceMapEntry, TranslateOptions } from './translate/index.ts';
import { ResourceWalks, SnapshotChecker, verifySnapshot } from './verify/index.ts';
import type { Violation } from './verify/index.ts';

export const RESOURCE_DOES_NOT_ENCODE = defineCode({
  code: 'SLU7100',
  stage: 'verify',
  severity: 'error',
  title: 'Compiled resource does not encode with the Envoy protos',
  hint: 'The policy value here cannot be carried by the Envoy API (a negative weight, say), so the snapshot is not published. Fix the value; the finding next to it usually says how.',
});
export const RESOURCE_BREAKS_RULE = defineCode({
  code: 'SLU7101',
  stage: 'verify',
  severity: 'error',
  title: 'Compiled resource breaks a validation rule of the Envoy API',
  hint: 'Envoy (and gRPC clients) would reject this configuration with a NACK, so it is not published. Change the policy value this points at.',
});
export const SNAPSHOT_INCONSISTENT = defineCode({
  code: 'SLU7102',
  stage: 'verify',
  severity: 'error',
  title: 'Compiled snapshot refers to something it does not contain',
  hint: 'A route, listener or cluster names a resource that is not in the snapshot (a proxy would return 503 or never warm); fix the reference in the policy.',
});

function codeFor(rule: string): CodeDefinition {
  if (rule.startsWith('encode.')) return RESOURCE_DOES_NOT_ENCODE;
  if (rule.startsWith('snapshot.')) return SNAPSHOT_INCONSISTENT;
  return RESOURCE_BREAKS_RULE;
}

/** The source-map entry whose path is the longest prefix of `path`. */
export function originOf(sources: readonly SourceMapEntry[], path: readonly (string | number)[]): SourceMapEntry | undefined {
  let best: SourceMapEntry | undefined;
  for (const entry of sources) {
    if (entry.path.length > path.length || (best && entry.path.length <= best.path.length)) continue;
    if (entry.path.every((segment, i) => segment === path[i])) best = entry;
  }
  return best;
}

function displayPath(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

/** Turns a verify violation into a diagnostic at the policy node that produced the offending part. */
function toDiagnostic(violation: Violation, byKey: ReadonlyMap<string, Resource>, model: PolicyModel): Diagnostic {
  const resource = violation.resource ? byKey.get(`${violation.resource.typeUrl}\n${violation.resource.name}`) : undefined;
  const entry = resource ? originOf(resource.sources, violation.path) : undefined;
  const first = model.documents[0];
  const at: Located = entry
    ? entry.origin.doc.locate(entry.origin.path)
    : first
      ? first.locate([])
      : { file: '<policy>', line: 1, col: 1, endLine: 1, endCol: 1, path: '' };
  const where = resource ? `${shortType(resource.typeUrl)} ${resource.name}${violation.path.length > 0 ? ` at ${displayPath(violation.path)}` : ''}` : 'snapshot';
  return diagnostic(codeFor(violation.rule), at, `${where}: ${violation.message} (${violation.rule})`);
}

/**
 * Verifies translated resources; each violation is reported at the policy node behind it.
 * What was found for each resource walked is recorded in `walks` (for buildSnapshot).
 */
export function verifyTranslated(resources: readonly Resource[], model: PolicyModel, checker?: SnapshotChecker, walks?: ResourceWalks): Diagnostic[] {
  const violations = verifySnapshot(resources, checker, walks);
  if (violations.length === 0) return [];
  const byKey = new Map(resources.map((r) => [`${r.typeUrl}\n${r.name}`, r]));
  return violations.map((v) => toDiagnostic(v, byKey, model));
}

export interface CompileOptions extends TranslateOptions {
  /** The source revision (a commit, or `local`) the snapshot version starts with. */
  revision?: string;
  /**
   * Kept across compiles (of every proxy class): unchanged resources keep their entries and
   * bytes, and translation stages whose inputs did not change are not run again.
   */
  cache?: EntryCache;
}



export interface CompileResult {
  snapshot: Snapshot;
  resources: Resource[];
  /** Translation findings and verify violations; a snapshot with an error must not be published. */
  diagnostics: Diagnostic[];
}

/**
 * Model → verified snapshot for one proxy class. Every verify violation becomes a
 * diagnostic pointing at the policy node it came from, through the translator's source maps.
 */
export function compileModel(model: PolicyModel, proxy: ProxyClass, options: CompileOptions = {}): CompileResult {
  const { cache } = options;
  // the large kinds are verified as they are built (TranslateOptions.built), the rest after
  const walks = new ResourceWalks();
  const translated = translate(model, proxy, { ...options, built: (r) => walks.walkAhead(r) }, cache?.translations);
  let checker = cache?.checkers.get(proxy.key);
  if (cache && !checker) cache.checkers.set(proxy.key, (checker = new SnapshotChecker()));
  const diagnostics = [...translated.diagnostics, ...verifyTranslated(translated.resources, model, checker, walks)].sort(compareDiagnostics);
  const snapshot = buildSnapshot(options.revision ?? 'local', proxy, translated.resources, options.cache, walks);
  return { snapshot, resources: translated.resources, diagnostics };
}

export { buildSnapshot, EntryCache };
export type { Snapshot };
