import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diag } from '../testing.ts';
import { formatJson } from './json.ts';

describe('json format', () => {
  it('has diagnostics and a summary, with a stable key order and a trailing newline', () => {
    const related = { endCol: 9, message: 'first defined here', col: 7, file: 'b.yaml', endLine: 3, line: 3 };
    const out = formatJson({
      diagnostics: [
        // Keys deliberately out of order: the output must not depend on it.
        { related: [related], hint: 'do this', path: '/spec/hosts/0', endCol: 4, endLine: 2, col: 2, line: 2, file: 'a.yaml', message: 'm', severity: 'error', code: 'SLU9001' },
        diag({ severity: 'warning', file: 'a.yaml', line: 5 }),
        diag({ severity: 'info', file: 'c.yaml' }),
      ],
      files: new Map(),
      documentCount: 7,
      fileCount: 3,
    });
    assert.ok(out.endsWith('}\n'));
    const parsed = JSON.parse(out) as { diagnostics: Record<string, unknown>[]; summary: Record<string, unknown> };
    assert.deepEqual(Object.keys(parsed), ['diagnostics', 'summary']);
    assert.deepEqual(parsed.summary, { errors: 1, warnings: 1, infos: 1, documents: 7, files: 3 });
    assert.deepEqual(Object.keys(parsed.summary), ['errors', 'warnings', 'infos', 'documents', 'files']);
    const [first, second] = parsed.diagnostics;
    assert.deepEqual(Object.keys(first ?? {}), ['code', 'severity', 'message', 'file', 'line', 'col', 'endLine', 'endCol', 'path', 'hint', 'related']);
    assert.deepEqual((first?.related as unknown[])[0], { message: 'first defined here', file: 'b.yaml', line: 3, col: 7, endLine: 3, endCol: 9 });
    assert.deepEqual(Object.keys(((first?.related as object[])[0]) ?? {}), ['message', 'file', 'line', 'col', 'endLine', 'endCol']);
    // Optional keys appear only when set.
    assert.deepEqual(Object.keys(second ?? {}), ['code', 'severity', 'message', 'file', 'line', 'col', 'endLine', 'endCol', 'path']);
  });

  it('is an empty list and zero counts when clean', () => {
    const out = formatJson({ diagnostics: [], files: new Map(), documentCount: 2, fileCount: 1 });
    assert.equal(out, '{\n  "diagnostics": [],\n  "summary": {\n    "errors": 0,\n    "warnings": 0,\n    "infos": 0,\n    "documents": 2,\n    "files": 1\n  }\n}\n');
  });
});
