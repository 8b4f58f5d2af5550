/**
 * The walker's shortcuts read values without making them (64-bit integers, bytes, durations),
 * accept plain strings and bools inline, track oneofs and absent fields as bits and replay
 * frozen values. These cases sit on the edges of each shortcut, where it hands over to the
 * full reader, and pin the messages that come out.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import type { FileRegistry, JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { HARNESS_OUTPUT } from '../../scripts/gen-descriptors.ts';
import { EXTENSION_TYPE_URLS, RESOURCE_TYPE_URLS, xdsRegistry } from '../xds/index.ts';
import type { JsonObject } from '../xds/index.ts';
import { routeConfiguration } from '../xds/samples.ts';
import { Verifier, verifyResource } from './index.ts';

/** [message, JSON of `val`, expected message of an `encode.type` violation at `val`, or null for valid]. */
const CASES: [string, JsonValue, string | null][] = [
  ['Int64None', '9223372036854775807', null],
  ['Int64None', '9223372036854775808', 'int64 out of range: "9223372036854775808"'],
  ['Int64None', '-9223372036854775808', null],
  ['Int64None', '-9223372036854775809', 'int64 out of range: "-9223372036854775809"'],
  ['Int64None', '123456789012345678', null],
  ['Int64None', 2 ** 53, null],
  ['Int64None', 2 ** 63, 'int64 out of range: 9223372036854776000'],
  ['Int64None', 1.5, 'expected int64, got 1.5'],
  ['Int64None', ' 1', 'expected int64, got " 1"'],
  ['UInt64None', '18446744073709551615', null],
  ['UInt64None', '18446744073709551616', 'uint64 out of range: "18446744073709551616"'],
  ['UInt64None', '-1', 'expected uint64, got "-1"'],
  ['UInt64None', -1, 'uint64 out of range: -1'],
  ['BytesNone', 'AA==', null],
  ['BytesNone', 'AAA', null],
  ['BytesNone', 'A', 'expected base64 bytes, got "A"'],
  ['DurationNone', '-0s', null],
  ['DurationNone', '1.5s', null],
  ['DurationNone', '315576000000s', null],
  ['DurationNone', '315576000001s', 'duration out of range: 315576000001s'],
  ['DurationNone', '1.0000000001s', 'expected a duration such as "5s" or "0.250s", got "1.0000000001s"'],
  ['DurationNone', '.5s', 'expected a duration such as "5s" or "0.250s", got ".5s"'],
  ['StringNone', 'fine', null],
  ['StringNone', '\ud800', 'string is not valid UTF-8 (lone surrogate)'],
  ['StringNone', 7, 'expected string, got 7'],
  ['BoolNone', 'true', 'expected bool, got "true"'],
];

describe('walker shortcuts: values at the edges', () => {
  let registry: FileRegistry;
  let verifier: Verifier;
  before(() => {
    registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, new Uint8Array(readFileSync(HARNESS_OUTPUT))));
    verifier = new Verifier(registry);
  });

  for (const [message, val, expected] of CASES) {
    it(`${message} ${JSON.stringify(val)} → ${expected ?? 'valid'}`, () => {
      const desc = registry.getMessage(`tests.harness.cases.${message}`);
      assert.ok(desc, message);
      const want = expected === null ? [] : [{ path: ['val'], rule: 'encode.type', message: expected }];
      assert.deepEqual(verifier.verify(desc, { val }), want);
    });
  }

  it('a oneof set twice names the key that set it first', () => {
    const desc = registry.getMessage('tests.harness.cases.OneOfNone');
    assert.ok(desc);
    assert.deepEqual(verifier.verify(desc, { x: 'a', y: 1 }), [{ path: ['y'], rule: 'encode.oneof', message: 'oneof o is set twice (by "x" and "y")' }]);
    assert.deepEqual(verifier.verify(desc, { x: null, y: 1, x_: 2 }).map((v) => v.rule), ['encode.unknown_field']);
  });
});

describe('walker shortcuts: fields and frozen values', () => {
  it('a field set under both names, the JSON one null: a duplicate, not an absent required value', () => {
    const hcm = { '@type': EXTENSION_TYPE_URLS.httpConnectionManager, statPrefix: null, stat_prefix: 'x', rds: { configSource: { ads: {} }, routeConfigName: 'r' } };
    const listener = { name: 'l', filterChains: [{ filters: [{ name: 'hcm', typedConfig: hcm }] }] };
    assert.deepEqual(verifyResource(RESOURCE_TYPE_URLS.listener, listener), [{
      path: ['filterChains', 0, 'filters', 0, 'typedConfig', 'stat_prefix'],
      rule: 'encode.duplicate_field',
      message: 'field stat_prefix is set twice (as "statPrefix" and "stat_prefix")',
    }]);
  });

  it('an absent required value is reported when the other absent-checked fields are there', () => {
    const hcm = { '@type': EXTENSION_TYPE_URLS.httpConnectionManager, rds: { configSource: { ads: {} }, routeConfigName: 'r' } };
    const listener = { name: 'l', filterChains: [{ filters: [{ name: 'hcm', typedConfig: hcm }] }] };
    assert.deepEqual(verifyResource(RESOURCE_TYPE_URLS.listener, listener).map((v) => [v.rule, v.path.join('.')]), [
      ['string.min_len', 'filterChains.0.filters.0.typedConfig.statPrefix'],
    ]);
  });

  it('a frozen value repeated one after the other is reported at each place, in each resource', () => {
    const bad = Object.freeze({ name: 'c', weight: 1, wieght: 2 }) as JsonObject;
    const rc = routeConfiguration();
    const route = ((rc['virtualHosts'] as JsonObject[])[0]!['routes'] as JsonObject[])[1]!['route'] as JsonObject;
    route['weightedClusters'] = { clusters: [bad, bad, { name: 'd', weight: 1 }, bad] };
    const paths = (json: JsonObject) => verifyResource(RESOURCE_TYPE_URLS.routeConfiguration, json).map((v) => `${v.rule} ${v.path.slice(-4).join('.')}`);
    const expected = [0, 1, 3].map((i) => `encode.unknown_field weightedClusters.clusters.${i}.wieght`);
    assert.deepEqual(paths(rc), expected);
    assert.deepEqual(paths(structuredClone(rc) as JsonObject).length, 3);
    assert.deepEqual(paths(rc), expected);
  });
});

describe('the walker\'s bit budget', () => {
  it('fits every message type of the xDS descriptor set (oneofs and absent-checked fields are kept as bits)', () => {
    const verifier = new Verifier(xdsRegistry());
    let types = 0;
    for (const desc of xdsRegistry()) {
      if (desc.kind !== 'message') continue;
      types++;
      assert.doesNotThrow(() => verifier.verify(desc, {}), desc.typeName);
    }
    assert.ok(types > 500, `${types} message types checked`);
  });
});
