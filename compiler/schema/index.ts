/**
 * compiler/schema — validates every input document against the schema of its kind:
 * JSON Schemas generated from the upstream CRDs (plus a few hand-written ones), checked
 * with ajv, and the CRDs' CEL rules (x-kubernetes-validations).
 */
import { diagnostic, toPointer } from '../diagnostics/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import type { PolicyDocument } from '../load/types.ts';
import { MISSING_REQUIRED, RULE_ERROR, RULE_VIOLATED, UNKNOWN_KIND, UNKNOWN_VERSION } from './codes.ts';
import type { JsonSchema } from './convert.ts';
import { closest, displayPath, mapErrors, typeErrorPointers } from './errors.ts';
import type { PathSegment } from './errors.ts';
import { compiledSchema, findKind, registry } from './registry.ts';
import type { KindVersion, VersionEntry } from './registry.ts';
import { evaluateRules } from './rules.ts';
import type { RuleFinding } from './rules.ts';

export * as schemaCodes from './codes.ts';
export type { KindVersion } from './registry.ts';
export type { JsonSchema, CelRule } from './convert.ts';
export { parseGoDuration, durationNanos } from './duration.ts';
export { displayPath } from './errors.ts';

/** Every kind and version sluice validates, sorted by group, kind, version. */
export function knownKinds(): KindVersion[] {
  const out: KindVersion[] = [];
  for (const kind of registry().values()) {
    for (const version of kind.versions.keys()) out.push({ group: kind.group, version, kind: kind.kind });
  }
  return out.sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind) || a.version.localeCompare(b.version));
}

/** True when sluice has a schema for this kind in this API group (in any version). */
export function isKnownKind(group: string, kind: string): boolean {
  return findKind(group, kind) !== undefined;
}

/** True when sluice has a schema for exactly this group, version and kind. */
export function isKnownVersion(group: string, version: string, kind: string): boolean {
  return findKind(group, kind)?.versions.has(version) ?? false;
}

/** The JSON Schema sluice validates a kind version with (the object envelope included). */
export function schemaFor(group: string, version: string, kind: string): JsonSchema | undefined {
  return findKind(group, kind)?.versions.get(version)?.load();
}

/** Compiles the validators of the given kinds (all when omitted) now rather than on first use. */
export function warmUp(kinds: readonly KindVersion[] = knownKinds()): void {
  for (const k of kinds) {
    const entry = findKind(k.group, k.kind)?.versions.get(k.version);
    if (entry) compiledSchema(entry);
  }
}

function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function unknownKind(doc: PolicyDocument): Diagnostic {
  const all = [...registry().values()];
  const at = doc.locate(['kind'], 'value');
  const sameGroup = all.filter((k) => k.group === doc.group).map((k) => k.kind);
  const kindTypo = closest(doc.kind, sameGroup);
  if (kindTypo && kindTypo !== doc.kind) {
    return diagnostic(UNKNOWN_KIND, at, `unknown kind ${doc.kind} in ${doc.apiVersion}; did you mean ${kindTypo}?`, { hint: `Write \`kind: ${kindTypo}\`; kinds are case-sensitive.` });
  }
  // The kind exists, but under an API group that looks like a typo of its real group.
  const elsewhere = all.filter((k) => k.kind === doc.kind && k.group !== doc.group);
  const groupTypo = closest(
    doc.group,
    elsewhere.map((k) => k.group),
  );
  if (groupTypo !== undefined) {
    const entry = elsewhere.find((k) => k.group === groupTypo)!;
    const version = entry.versions.has(doc.version) ? doc.version : [...entry.versions.keys()][0]!;
    const suggestion = apiVersionOf(groupTypo, version);
    return diagnostic(UNKNOWN_KIND, doc.locate(['apiVersion'], 'value'), `unknown API group ${doc.group} for ${doc.kind}; did you mean apiVersion ${suggestion}?`, {
      hint: `Write \`apiVersion: ${suggestion}\`.`,
    });
  }
  return diagnostic(UNKNOWN_KIND, at, `sluice does not read ${doc.kind} (${doc.apiVersion}); the document is ignored`);
}

function lookup(doc: PolicyDocument): VersionEntry | Diagnostic {
  // The loader reports documents without apiVersion or kind (SLU1008) and does not pass
  // them on; a document built some other way still gets a finding, not a crash.
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof doc.data[field] !== 'string' || doc.data[field] === '' || doc[field] === '') {
      return diagnostic(MISSING_REQUIRED, doc.locate([], 'value'), `${doc.kind || 'document'} is missing required property \`${field}\``);
    }
  }
  const kind = findKind(doc.group, doc.kind);
  if (!kind) return unknownKind(doc);
  const entry = kind.versions.get(doc.version);
  if (entry) return entry;
  const versions = [...kind.versions.keys()];
  const preferred = [...kind.versions.values()].find((v) => v.storage)?.version ?? versions[0]!;
  return diagnostic(
    UNKNOWN_VERSION,
    doc.locate(['apiVersion'], 'value'),
    `${doc.kind} has no version ${doc.version} in ${doc.group || 'the core API group'}; known: ${versions.map((v) => apiVersionOf(doc.group, v)).join(', ')}`,
    { hint: `Write \`apiVersion: ${apiVersionOf(doc.group, preferred)}\`.` },
  );
}

function isUnder(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(`${base}/`) || base === '';
}

function ruleDiagnostic(doc: PolicyDocument, finding: RuleFinding): Diagnostic {
  const path: PathSegment[] = finding.fieldPath ?? finding.path;
  const value = path.reduce<unknown>((node, segment) => (node as Record<string | number, unknown> | undefined)?.[segment], doc.data);
  const last = path[path.length - 1];
  const target = typeof value === 'object' && value !== null && typeof last === 'string' ? 'key' : 'value';
  const at = doc.locate(path, target);
  const where = path.length === 0 ? doc.kind : displayPath(path);
  const rule = finding.rule.rule.length > 240 ? `${finding.rule.rule.slice(0, 239)}…` : finding.rule.rule;
  if (finding.outcome === 'violated') {
    return diagnostic(RULE_VIOLATED, at, `${where}: ${finding.message}`, { hint: `The ${doc.kind} schema requires this (CEL rule: ${rule}).` });
  }
  return diagnostic(RULE_ERROR, at, `${where}: validation rule failed to evaluate: ${finding.message}`, { hint: `${RULE_ERROR.hint} CEL rule: ${rule}` });
}

/**
 * Validates one document against the schema of its kind and version. Never throws:
 * an unknown kind is a warning (SLU2001), everything else an error diagnostic.
 */
export function validateDocument(doc: PolicyDocument): Diagnostic[] {
  const found = lookup(doc);
  if (!('load' in found)) return [found];
  const { schema, validate } = compiledSchema(found);
  const errors = validate(doc.data) ? [] : [...(validate.errors ?? [])];
  const diagnostics = mapErrors(errors, doc, schema);

  const typeErrors = typeErrorPointers(errors);
  const blocked = typeErrors.length === 0 ? undefined : (path: readonly PathSegment[]) => {
    const pointer = toPointer(path);
    return typeErrors.some((t) => isUnder(t, pointer));
  };
  const prune = errors.some((e) => e.keyword === 'additionalProperties');
  for (const finding of evaluateRules(schema, doc.data, blocked ? { blocked, prune } : { prune })) {
    // A rule about a node that already has a schema error at or under it restates that
    // error (or cannot run on it); one cause, one finding.
    const pointer = toPointer(finding.path);
    if (diagnostics.some((d) => isUnder(d.path, pointer))) continue;
    diagnostics.push(ruleDiagnostic(doc, finding));
  }
  return diagnostics;
}

/** Validates many documents; the diagnostics come in document order. */
export function validateDocuments(docs: readonly PolicyDocument[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const doc of docs) out.push(...validateDocument(doc));
  return out;
}
