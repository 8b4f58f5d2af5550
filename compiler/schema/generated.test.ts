import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { RE2 } from 're2-wasm';
import { DEFAULT_CRD_DIR, GENERATED_DIR, generateSchemaFiles, kindSchema } from '../../scripts/gen-schemas.ts';
import { createAjv } from './ajv.ts';
import { convertSchema } from './convert.ts';

function committedFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) out.set(relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function everyKey(node: unknown, visit: (key: string, value: unknown, parentKey: string) => void, parentKey = ''): void {
  if (Array.isArray(node)) {
    for (const item of node) everyKey(item, visit, parentKey);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    visit(key, value, parentKey);
    everyKey(value, visit, key);
  }
}

describe('generated schemas', () => {
  const generated = generateSchemaFiles(DEFAULT_CRD_DIR);
  const committed = committedFiles(GENERATED_DIR);

  it('are up to date with the generator and the upstream CRDs (run `npm run gen:schemas`)', () => {
    assert.deepEqual([...committed.keys()].sort(), [...generated.keys()].sort());
    for (const [path, content] of generated) assert.ok(committed.get(path) === content, `${path} differs from the generator's output`);
  });

  it('keep the upstream descriptions out', () => {
    for (const [path, content] of generated) {
      if (path === 'manifest.json') continue;
      everyKey(JSON.parse(content), (key, _value, parentKey) => {
        // `description` may only be the name of a property (inside `properties`).
        if (key === 'description' || key === 'title' || key === 'example') assert.equal(parentKey, 'properties', `${path}: ${key} kept`);
      });
    }
    const converted = convertSchema({ type: 'object', description: 'x', properties: { a: { type: 'string', description: 'y' }, description: { type: 'string' } } });
    assert.deepEqual(converted, { type: 'object', properties: { a: { type: 'string' }, description: { type: 'string' } }, additionalProperties: false });
  });

  it('stay a reasonable size', () => {
    const bytes = [...generated.values()].reduce((n, c) => n + Buffer.byteLength(c), 0);
    assert.ok(bytes < 600 * 1024, `${Math.round(bytes / 1024)} KiB`);
  });

  it('compile in ajv strict mode', () => {
    const ajv = createAjv();
    for (const [path, content] of generated) {
      if (path === 'manifest.json') continue;
      assert.doesNotThrow(() => ajv.compile(JSON.parse(content)), path);
    }
  });

  it('use patterns that mean the same in RE2 (upstream) and JavaScript (ajv)', () => {
    const patterns = new Set<string>();
    for (const [path, content] of generated) {
      if (path === 'manifest.json') continue;
      everyKey(JSON.parse(content), (key, value, parentKey) => {
        if (key === 'pattern' && typeof value === 'string' && parentKey !== 'properties') patterns.add(value);
      });
    }
    assert.ok(patterns.size > 5);
    for (const pattern of patterns) {
      assert.doesNotThrow(() => new RegExp(pattern, 'u'), pattern);
      assert.doesNotThrow(() => new RE2(pattern, 'u'), pattern);
      // No RE2-only or JS-only syntax: inline flags, lookaround, \z, POSIX classes, \Q..\E.
      assert.doesNotMatch(pattern, /\(\?[a-zA-Z]|\(\?[=!<]|\\[zAQEpP]|\[\[:/, pattern);
    }
  });
});

describe('structural OpenAPI → JSON Schema', () => {
  it('maps the Kubernetes extensions', () => {
    const out = convertSchema({
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        flag: { type: 'boolean', nullable: true },
        open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        map: { type: 'object', additionalProperties: { type: 'string' } },
        empty: { type: 'object' },
        set: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        list: {
          type: 'array',
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        },
        n: { type: 'integer', format: 'int32', minimum: 0, exclusiveMinimum: true },
        rule: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self != ""', message: 'empty' }] },
      },
    });
    assert.deepEqual(out, {
      type: 'object',
      additionalProperties: false,
      properties: {
        port: { type: ['integer', 'string'] },
        flag: { type: ['boolean', 'null'] },
        open: { type: 'object' },
        map: { type: 'object', additionalProperties: { type: 'string' } },
        empty: { type: 'object', additionalProperties: false },
        set: { type: 'array', items: { type: 'string' }, uniqueItems: true },
        list: {
          type: 'array',
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: false },
          'x-kubernetes-list-map-keys': ['name'],
        },
        n: { type: 'integer', format: 'int32', exclusiveMinimum: 0 },
        rule: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self != ""', message: 'empty' }] },
      },
    });
  });

  it('refuses keywords it does not know, so upstream changes are noticed', () => {
    assert.throws(() => convertSchema({ type: 'object', 'x-kubernetes-embedded-resource': true }), /unsupported keyword/);
  });

  it('wraps spec in the object envelope', () => {
    const schema = kindSchema({ type: 'object', required: ['spec'], properties: { spec: { type: 'object', properties: {} } } }, 'test');
    assert.deepEqual(schema.required, ['apiVersion', 'kind', 'metadata', 'spec']);
    assert.equal(schema.additionalProperties, false);
  });
});
