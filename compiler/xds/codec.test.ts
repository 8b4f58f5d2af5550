import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import {
  decodeResource,
  encodeAny,
  encodeResource,
  EXTENSION_TYPE_URLS,
  findMessage,
  RESOURCE_TYPE_URLS,
  toAny,
  XdsCodecError,
} from './index.ts';
import type { JsonPath, JsonValue } from './index.ts';
import { edsCluster, outboundListener, routeConfiguration, sampleSnapshot } from './samples.ts';

const T = RESOURCE_TYPE_URLS;

function codecError(typeUrl: string, json: JsonValue): XdsCodecError {
  try {
    encodeResource(typeUrl, json);
  } catch (e) {
    assert.ok(e instanceof XdsCodecError, String(e));
    return e;
  }
  assert.fail('expected an XdsCodecError');
}

function assertFailsAt(typeUrl: string, json: JsonValue, path: JsonPath, detail: RegExp): void {
  const e = codecError(typeUrl, json);
  assert.deepEqual(e.path, path, e.message);
  assert.match(e.detail, detail);
}

describe('type URLs', () => {
  it('every resource and extension type URL is in the descriptor set', () => {
    for (const url of [...Object.values(RESOURCE_TYPE_URLS), ...Object.values(EXTENSION_TYPE_URLS)]) {
      assert.ok(findMessage(url), url);
    }
  });
});

describe('encodeResource / decodeResource', () => {
  it('round-trips every sample: encode → decode gives the same JSON', () => {
    for (const { typeUrl, name, json } of sampleSnapshot()) {
      const bytes = encodeResource(typeUrl, json);
      assert.ok(bytes.length > 0);
      assert.deepStrictEqual(decodeResource(typeUrl, bytes), json, name);
    }
  });

  it('accepts proto field names as well as JSON names', () => {
    const snake = encodeResource(T.cluster, { name: 'a', connect_timeout: '1s', lb_policy: 'RING_HASH' });
    const camel = encodeResource(T.cluster, { name: 'a', connectTimeout: '1s', lbPolicy: 'RING_HASH' });
    assert.deepEqual(snake, camel);
  });

  it('reports an unknown field with its path, inside Any too', () => {
    const cluster = edsCluster();
    (cluster['outlierDetection'] as Record<string, JsonValue>)['consecutive5XX'] = 3;
    assertFailsAt(T.cluster, cluster, ['outlierDetection', 'consecutive5XX'], /unknown field/);

    const listener = outboundListener();
    const hcm = ((listener['filterChains'] as JsonValue[])[0] as { filters: { typedConfig: Record<string, JsonValue> }[] }).filters[0]!.typedConfig;
    hcm['statsPrefix'] = 'typo';
    assertFailsAt(T.listener, listener, ['filterChains', 0, 'filters', 0, 'typedConfig', 'statsPrefix'], /unknown field "statsPrefix"/);
  });

  it('reports wrong types, bad enums, bad durations, unknown Any types', () => {
    assertFailsAt(T.cluster, { name: 'a', connectTimeout: 5 }, ['connectTimeout'], /Duration/);
    assertFailsAt(T.cluster, { name: 'a', lbPolicy: 'RANDOMLY' }, ['lbPolicy'], /RANDOMLY/);
    assertFailsAt(
      T.cluster,
      { name: 'a', circuitBreakers: { thresholds: [{ maxRequests: 1 }, { maxRequests: 'many' }] } },
      ['circuitBreakers', 'thresholds', 1, 'maxRequests'],
      /many/,
    );
    assertFailsAt(T.cluster, { name: 'a', transportSocket: { name: 't', typedConfig: { '@type': 'type.googleapis.com/no.such.Type' } } }, ['transportSocket', 'typedConfig', '@type'], /not a known type/);
    const route = routeConfiguration();
    const vh = (route['virtualHosts'] as { domains: JsonValue[] }[])[0]!;
    vh.domains[2] = 7;
    assertFailsAt(T.routeConfiguration, route, ['virtualHosts', 0, 'domains', 2], /string/);
  });

  it('reports a oneof set twice and a field set by both of its names', () => {
    assertFailsAt(T.cluster, { name: 'a', type: 'EDS', clusterType: { name: 'x' } }, ['clusterType'], /oneof/);
    assertFailsAt(T.cluster, { name: 'a', lbPolicy: 'RING_HASH', lb_policy: 'RING_HASH' }, ['lb_policy'], /set twice/);
  });

  it('rejects an unknown type URL', () => {
    assert.throws(() => encodeResource('type.googleapis.com/envoy.config.nope.v3.Nope', {}), XdsCodecError);
  });

  it('decode rejects fields the descriptors do not know', () => {
    const bytes = encodeResource(T.cluster, { name: 'a' });
    // field 999, varint 1
    const extra = new Uint8Array([...bytes, 0xb8, 0x3e, 0x01]);
    assert.throws(() => decodeResource(T.cluster, extra), /unknown field number\(s\) 999/);
  });
});

describe('toAny', () => {
  it('wraps the bytes with the type URL; encodeAny gives the Any wire bytes', () => {
    const bytes = encodeResource(T.cluster, edsCluster());
    const any = toAny(T.cluster, bytes);
    assert.equal(any.typeUrl, T.cluster);
    assert.deepEqual(any.value, bytes);
    const back = fromBinary(AnySchema, encodeAny(any));
    assert.equal(back.typeUrl, T.cluster);
    assert.deepEqual(back.value, bytes);
  });
});
