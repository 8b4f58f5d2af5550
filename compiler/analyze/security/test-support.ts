/**
 * Test helper for the security and rollout analyzers: inline YAML through the whole
 * pipeline (load → schema → model → analyze), findings reduced to what tests assert.
 */
import assert from 'node:assert/strict';
import { validateSources } from '../../index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';

export interface Finding {
  code: string;
  severity: Diagnostic['severity'];
  line: number;
  col: number;
}

/** Every diagnostic for one inline file (or several), sorted as the pipeline sorts them. */
export function diagnosticsOf(files: string | Record<string, string>): Diagnostic[] {
  const map = typeof files === 'string' ? { 'policy.yaml': files } : files;
  return validateSources(Object.entries(map).map(([path, content]) => ({ path, content }))).diagnostics;
}

/**
 * The findings of the codes starting with `prefix` (SLU5 or SLU6), after checking that the
 * input itself is well-formed: no load or schema errors, so a test cannot pass on a typo.
 */
export function findings(files: string | Record<string, string>, prefix: string): Finding[] {
  const all = diagnosticsOf(files);
  const malformed = all.filter((d) => /^SLU[12]/.test(d.code) && d.severity === 'error');
  assert.deepEqual(malformed.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`), [], 'the test input has load or schema errors');
  return all.filter((d) => d.code.startsWith(prefix)).map((d) => ({ code: d.code, severity: d.severity, line: d.line, col: d.col }));
}

/** The single diagnostic with this code (fails when there is not exactly one). */
export function only(files: string | Record<string, string>, code: string): Diagnostic {
  const hits = diagnosticsOf(files).filter((d) => d.code === code);
  assert.equal(hits.length, 1, `expected one ${code}, got ${hits.map((d) => `${d.line}:${d.col} ${d.message}`).join(' | ') || 'none'}`);
  return hits[0] as Diagnostic;
}

/** Two-space YAML documents joined with `---`. */
export function yaml(...docs: string[]): string {
  return docs.map((d) => d.replace(/^\n/, '')).join('---\n');
}

/**
 * Workloads in namespace `shop`, for appending after the documents under test: `reviews`
 * (HTTP on 9080, container port `http` 9080) and `db` (TCP on 5432, targetPort 5433).
 */
export const SHOP_WORKLOADS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec: {containers: [{name: app, image: reviews, ports: [{name: http, containerPort: 9080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{name: tcp-postgres, port: 5432, targetPort: 5433}]
`;
