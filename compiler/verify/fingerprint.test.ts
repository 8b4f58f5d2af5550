// Content versions come from the verify walk's fingerprint: these tests hold them to what a
// content hash must do — every bit of content counts, and nothing but content does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bookinfoFile } from '../../test/support/bookinfo.ts';
import { compileModel, proxyClass, validateSources } from '../index.ts';
import type { CompileResult, Resource } from '../index.ts';
import { sharedPart } from '../translate/index.ts';
import { RESOURCE_TYPE_URLS } from '../xds/index.ts';
import type { JsonValue } from '../xds/index.ts';
import { contentVersion, ResourceWalks, verifySnapshot } from './index.ts';

function compileBookinfo(flavor: 'envoy' | 'grpc'): CompileResult {
  const files = [bookinfoFile('platform/bookinfo.yaml'), bookinfoFile('networking/destination-rule-all.yaml'), bookinfoFile('networking/virtual-service-reviews-jason-v2-v3.yaml')];
  const { model } = validateSources(files);
  const compiled = compileModel(model, proxyClass(flavor, 'default', { app: 'productpage', version: 'v1' }));
  assert.deepEqual(compiled.diagnostics.filter((d) => d.severity === 'error'), []);
  return compiled;
}

function bookinfoResources(flavor: 'envoy' | 'grpc'): Resource[] {
  return compileBookinfo(flavor).resources;
}

type Path = (string | number)[];

/** Paths of every scalar in `json`. */
function leaves(json: JsonValue, path: Path = []): Path[] {
  if (typeof json !== 'object' || json === null) return [path];
  const keys = Array.isArray(json) ? json.map((_, i) => i) : Object.keys(json);
  return keys.flatMap((k) => leaves((json as Record<string | number, JsonValue>)[k] as JsonValue, [...path, k]));
}

/** A copy of `json` with the scalar at `path` changed to another value of its kind. */
function changedAt(json: JsonValue, path: Path): JsonValue {
  const copy = structuredClone(json);
  let parent = copy as Record<string | number, JsonValue>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, JsonValue>;
  const last = path.at(-1) as string | number;
  const old = parent[last];
  parent[last] = typeof old === 'string' ? `${old}x` : typeof old === 'number' ? old + 1 : typeof old === 'boolean' ? !old : 'x';
  return copy;
}

/** `json` with every object below the top frozen, as a resource reused from an earlier compile carries it. */
function frozenBelow(json: JsonValue): JsonValue {
  const copy = structuredClone(json);
  for (const key in copy as object) sharedPart((copy as Record<string, JsonValue>)[key]);
  return copy;
}

describe('content versions (the verify walk fingerprint)', () => {
  for (const flavor of ['envoy', 'grpc'] as const) {
    it(`changes when any single value of a compiled bookinfo resource changes (${flavor})`, () => {
      let checked = 0;
      for (const r of bookinfoResources(flavor)) {
        const version = contentVersion(r.typeUrl, r.json);
        for (const path of leaves(r.json)) {
          assert.notEqual(contentVersion(r.typeUrl, changedAt(r.json, path)), version, `${r.name} at ${path.join('.')}`);
          checked++;
        }
      }
      assert.ok(checked > 200, `${checked} values changed`);
    });

    it(`is the same for equal content however it is shared or frozen, and verify hands it to the snapshot (${flavor})`, () => {
      const resources = bookinfoResources(flavor);
      const walks = new ResourceWalks();
      assert.deepEqual(verifySnapshot(resources, undefined, walks), []);
      for (const r of resources) {
        const version = contentVersion(r.typeUrl, r.json);
        assert.equal(walks.versionOf(r), version, r.name);
        assert.equal(contentVersion(r.typeUrl, JSON.parse(JSON.stringify(r.json))), version, `${r.name}: a plain copy`);
        assert.equal(contentVersion(r.typeUrl, frozenBelow(r.json)), version, `${r.name}: frozen parts`);
        assert.equal(contentVersion(r.typeUrl, sharedPart(structuredClone(r.json))), version, `${r.name}: frozen whole`);
      }
    });

    it(`a compiled snapshot carries the versions of its final resources, some walked while they were built (${flavor})`, () => {
      const { resources, snapshot } = compileBookinfo(flavor);
      assert.ok(resources.some((r) => r.typeUrl === RESOURCE_TYPE_URLS.cluster && r.name.startsWith('outbound|')));
      for (const r of resources) {
        const entry = snapshot.resources.get(r.typeUrl)?.get(r.name);
        assert.equal(entry?.version, contentVersion(r.typeUrl, JSON.parse(JSON.stringify(r.json))), `${r.name}: changed after it was walked?`);
      }
    });
  }

  const cluster = RESOURCE_TYPE_URLS.cluster;

  it('tells values apart by where they are and what they are, not by how they are spelt', () => {
    const v = (json: JsonValue) => contentVersion(cluster, json);
    assert.notEqual(v({ name: 'a', altStatName: 'b' }), v({ name: 'b', altStatName: 'a' }), 'swapped values');
    assert.notEqual(v({ name: 'ab' }), v({ name: 'a', altStatName: 'b' }), 'one string or two');
    assert.notEqual(
      v({ name: 'a', metadata: { filterMetadata: { m: { k: '1' } } } }),
      v({ name: 'a', metadata: { filterMetadata: { m: { k: 1 } } } }),
      'a string and a number in a Struct',
    );
    assert.notEqual(v({ name: 'a', dnsLookupFamily: 'V4_ONLY' }), v({ name: 'a', dnsLookupFamily: 'V6_ONLY' }));
    assert.notEqual(v({ name: 'a', transportSocketMatches: [{ name: 'x' }, { name: 'y' }] }), v({ name: 'a', transportSocketMatches: [{ name: 'y' }, { name: 'x' }] }), 'list order');
    assert.equal(v({ name: 'a', connectTimeout: '1s' }), v({ name: 'a', connect_timeout: '1s' }), 'JSON name or proto name: one field');
    assert.equal(v({ name: 'a', lbPolicy: 'RING_HASH' }), v({ name: 'a', lbPolicy: 2 }), 'enum name or number: one value');
    assert.notEqual(contentVersion(cluster, { name: 'a' }), contentVersion(RESOURCE_TYPE_URLS.listener, { name: 'a' }), 'the type counts');
  });
});
