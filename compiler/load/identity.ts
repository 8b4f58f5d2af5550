import { diagnostic } from '../diagnostics/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { DUPLICATE_RESOURCE } from './codes.ts';
import type { PolicyDocument } from './types.ts';

/** The identity a cluster gives a resource: API group, kind, namespace, name (the version does not matter). */
export function identityOf(doc: PolicyDocument): string {
  return `${doc.group}/${doc.kind}/${doc.namespace}/${doc.name}`;
}

function where(doc: PolicyDocument): string {
  const at = doc.locate(['metadata', 'name']);
  return `${at.file}:${at.line}:${at.col}`;
}

/**
 * Keeps the first definition of each identity and reports every later one, naming both places.
 * The later copies are dropped so that downstream stages see each resource once.
 */
export function dropDuplicates(documents: readonly PolicyDocument[]): { documents: PolicyDocument[]; diagnostics: Diagnostic[] } {
  const first = new Map<string, PolicyDocument>();
  const kept: PolicyDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of documents) {
    const id = identityOf(doc);
    const original = first.get(id);
    if (!original) {
      first.set(id, doc);
      kept.push(doc);
      continue;
    }
    const scope = doc.namespace === '' ? '' : ` in namespace ${doc.namespace}`;
    diagnostics.push(
      diagnostic(DUPLICATE_RESOURCE, doc.locate(['metadata', 'name']), `${doc.kind} ${doc.name}${scope} is defined twice: here and at ${where(original)}`, {
        related: [{ ...original.locate(['metadata', 'name']), message: 'first defined here' }],
      }),
    );
  }
  return { documents: kept, diagnostics };
}
