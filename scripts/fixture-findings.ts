// What sluice reports for one bad-input fixture: validation, and, when the fixture says
// `# compile: FLAVOR NAMESPACE [k=v,...]`, compilation for that proxy class too.
// Shared by the fixture table test and the README generator.
import { readFileSync } from 'node:fs';
import { compileModel, compareDiagnostics, proxyClass, validatePaths } from '../compiler/index.ts';
import type { Diagnostic, Flavor, LoadedFile } from '../compiler/index.ts';

export interface Expectation {
  code: string;
  line: number;
}

export function expectationsOf(file: string): Expectation[] {
  const head = readFileSync(file).toString('latin1');
  return [...head.matchAll(/^# expect: (SLU\d{4}) line (\d+)\s*$/gm)].map((m) => ({ code: m[1] as string, line: Number(m[2]) }));
}

function compileTargetOf(file: string): { flavor: Flavor; namespace: string; labels: Record<string, string> } | undefined {
  const match = /^# compile: (envoy|grpc) (\S+)(?: (\S+))?\s*$/m.exec(readFileSync(file).toString('latin1'));
  if (!match) return undefined;
  const labels = Object.fromEntries((match[3] ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
  return { flavor: match[1] as Flavor, namespace: match[2] as string, labels };
}

export async function fixtureFindings(file: string): Promise<{ diagnostics: Diagnostic[]; files: Map<string, LoadedFile> }> {
  const validation = await validatePaths([file]);
  const diagnostics = [...validation.diagnostics];
  const target = compileTargetOf(file);
  if (target) diagnostics.push(...compileModel(validation.model, proxyClass(target.flavor, target.namespace, target.labels)).diagnostics);
  return { diagnostics: diagnostics.sort(compareDiagnostics), files: validation.files };
}
