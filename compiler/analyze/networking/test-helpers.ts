/** Test helpers for analyzer tests: inline YAML → model → one analyzer's findings. */
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { modelFrom } from '../../model/test-helpers.ts';
import type { Analyzer } from '../types.ts';

export function findings(analyzer: Analyzer, files: Record<string, string> | string): Diagnostic[] {
  const { model } = modelFrom(files);
  return analyzer.run(model);
}

/** Compact form for assertions: `CODE severity line:col`. */
export function brief(d: Diagnostic): string {
  return `${d.code} ${d.severity} ${d.line}:${d.col}`;
}

export function expectFindings(actual: readonly Diagnostic[], expected: readonly string[]): void {
  assert.deepEqual(
    actual.map(brief).sort(),
    [...expected].sort(),
    `findings:\n${actual.map((d) => `  ${brief(d)} ${d.message}`).join('\n')}`,
  );
}

/** A Service with pods: `service('reviews', ['v1', 'v2'])`. */
export function service(name: string, versions: readonly string[] = ['v1'], options: { namespace?: string; ports?: readonly (readonly [string, number])[] } = {}): string {
  const ns = options.namespace ?? 'default';
  const ports = (options.ports ?? [['http', 9080]]).map(([n, p]) => `  - {name: ${n}, port: ${p}}`).join('\n');
  let out = `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports:
${ports}
`;
  for (const v of versions) {
    out += `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}-${v}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}, version: ${v}}}
  template:
    metadata: {labels: {app: ${name}, version: ${v}}}
    spec: {containers: [{name: app, image: app}]}
`;
  }
  return out;
}
