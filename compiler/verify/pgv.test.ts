/**
 * The verifier against protoc-gen-validate's own test-harness protos
 * (protoc-gen-validate/tests/harness/cases, shipped with @grpc/grpc-js-xds), compiled by
 * `npm run gen:descriptors` into testdata/pgv-harness.binpb: one message per rule, so every rule kind is exercised generically, away from
 * the Envoy types.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import type { FileRegistry, JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { readFileSync } from 'node:fs';
import { HARNESS_OUTPUT } from '../../scripts/gen-descriptors.ts';
import { Verifier } from './index.ts';


/** [message, JSON, expected: null for valid, else [rule, path?]] — path defaults to ['val']. */
type Case = [string, JsonValue, null | string | [string, (string | number)[]]];

const CASES: Case[] = [
  // numbers: every kind, every comparison
  ['FloatConst', { val: 1.23 }, null],
  ['FloatConst', { val: 4.56 }, 'float.const'],
  ['FloatIn', { val: 7.89 }, null],
  ['FloatIn', { val: 1 }, 'float.in'],
  ['FloatNotIn', {}, 'float.not_in'],
  ['DoubleLT', { val: -1 }, null],
  ['DoubleLT', { val: 0 }, 'double.lt'],
  ['DoubleGTLT', { val: 5 }, null],
  ['DoubleGTLT', { val: 10 }, 'double.lt'],
  ['DoubleGTLT', { val: 0 }, 'double.gt'],
  ['DoubleExLTGT', { val: 11 }, null],
  ['DoubleExLTGT', { val: -1 }, null],
  ['DoubleExLTGT', { val: 5 }, 'double.gt'],
  ['Int32LTE', { val: 64 }, null],
  ['Int32LTE', { val: 65 }, 'int32.lte'],
  ['Int64GT', { val: '17' }, null],
  ['Int64GT', { val: 16 }, 'int64.gt'],
  ['Int64In', { val: '3' }, null],
  ['Int64In', { val: '4' }, 'int64.in'],
  ['UInt32GTE', { val: 8 }, null],
  ['UInt32GTE', { val: 7 }, 'uint32.gte'],
  ['UInt32ExGTELTE', { val: 128 }, null],
  ['UInt32ExGTELTE', { val: 200 }, 'uint32.gte'],
  ['UInt64NotIn', { val: '1' }, null],
  ['UInt64NotIn', { val: '0' }, 'uint64.not_in'],
  ['SInt32GTELTE', { val: 256 }, null],
  ['SInt32GTELTE', { val: 257 }, 'sint32.lte'],
  ['SInt64Const', { val: '1' }, null],
  ['SInt64Const', { val: '2' }, 'sint64.const'],
  ['Fixed32LT', { val: 4 }, null],
  ['Fixed32LT', { val: 5 }, 'fixed32.lt'],
  ['Fixed64GTLT', { val: '7' }, null],
  ['Fixed64GTLT', { val: '10' }, 'fixed64.lt'],
  ['SFixed32In', { val: 2 }, null],
  ['SFixed32In', { val: 5 }, 'sfixed32.in'],
  ['SFixed64GTE', { val: '8' }, null],
  ['SFixed64GTE', { val: '-8' }, 'sfixed64.gte'],
  ['UInt32None', { val: -1 }, 'encode.type'],
  ['UInt64None', { val: '18446744073709551616' }, 'encode.type'],
  // bool
  ['BoolConstTrue', { val: true }, null],
  ['BoolConstTrue', {}, 'bool.const'],
  // strings
  ['StringConst', { val: 'foo' }, null],
  ['StringConst', { val: 'bar' }, 'string.const'],
  ['StringLen', { val: 'baz' }, null],
  ['StringLen', { val: 'abcd' }, 'string.len'],
  ['StringLen', { val: '😀ab' }, null],
  ['StringMinLen', { val: 'ab' }, 'string.min_len'],
  ['StringMaxLen', { val: 'abcdef' }, 'string.max_len'],
  ['StringLenBytes', { val: 'pace' }, null],
  ['StringLenBytes', { val: 'pa' }, 'string.len_bytes'],
  ['StringMinBytes', { val: 'é' }, 'string.min_bytes'],
  ['StringMaxBytes', { val: 'ééééé' }, 'string.max_bytes'],
  ['StringPattern', { val: 'Foo123' }, null],
  ['StringPattern', { val: 'foo-123' }, 'string.pattern'],
  ['StringPatternEscapes', { val: '* \\ x' }, null],
  ['StringPatternEscapes', { val: '* \\ -' }, 'string.pattern'],
  ['StringPrefix', { val: 'foobar' }, null],
  ['StringPrefix', { val: 'bar' }, 'string.prefix'],
  ['StringContains', { val: 'foobar' }, null],
  ['StringContains', { val: 'foo' }, 'string.contains'],
  ['StringNotContains', { val: 'foobar' }, 'string.not_contains'],
  ['StringSuffix', { val: 'foobaz' }, null],
  ['StringSuffix', { val: 'foobar' }, 'string.suffix'],
  ['StringIn', { val: 'baz' }, null],
  ['StringIn', { val: 'foo' }, 'string.in'],
  ['StringNotIn', { val: 'fizz' }, 'string.not_in'],
  ['StringEmail', { val: 'foo@bar.com' }, null],
  ['StringEmail', { val: 'foo@-bar.com' }, 'string.email'],
  ['StringAddress', { val: 'example.com' }, null],
  ['StringAddress', { val: '::1' }, null],
  ['StringAddress', { val: 'exa_mple.com' }, 'string.address'],
  ['StringHostname', { val: 'Example-123.com.' }, null],
  ['StringHostname', { val: '-example.com' }, 'string.hostname'],
  ['StringHostname', { val: `${'a'.repeat(64)}.com` }, 'string.hostname'],
  ['StringIP', { val: '192.168.0.1' }, null],
  ['StringIP', { val: '3e::99' }, null],
  ['StringIP', { val: 'foobar' }, 'string.ip'],
  ['StringIPv4', { val: '3e::99' }, 'string.ipv4'],
  ['StringIPv6', { val: '192.168.0.1' }, 'string.ipv6'],
  ['StringIPv6', { val: 'fe80::3' }, null],
  ['StringURI', { val: 'http://example.com/foo/bar?baz=quux' }, null],
  ['StringURI', { val: '/foo/bar' }, 'string.uri'],
  ['StringURIRef', { val: '/foo/bar?baz=quux' }, null],
  ['StringURIRef', { val: '!@#$%^&*%$#' }, 'string.uri_ref'],
  ['StringUUID', { val: 'F97A5F6B-3B4C-4B2A-A5D3-2C5E3F0B4D1E' }, null],
  ['StringUUID', { val: 'F97A5F6B3B4C4B2AA5D32C5E3F0B4D1E' }, 'string.uuid'],
  ['StringHttpHeaderName', { val: ':authority' }, null],
  ['StringHttpHeaderName', { val: 'x-canary' }, null],
  ['StringHttpHeaderName', { val: 'x canary' }, 'string.well_known_regex'],
  ['StringHttpHeaderName', {}, 'string.well_known_regex'],
  ['StringHttpHeaderValue', { val: 'text/html; tab\there' }, null],
  ['StringHttpHeaderValue', { val: 'bell\u0007' }, 'string.well_known_regex'],
  ['StringValidHeader', { val: 'bell\u0007' }, null],
  ['StringValidHeader', { val: 'a\r\nb' }, 'string.well_known_regex'],
  // bytes (base64 in JSON)
  ['BytesConst', { val: Buffer.from('foo').toString('base64') }, null],
  ['BytesConst', { val: Buffer.from('bar').toString('base64') }, 'bytes.const'],
  ['BytesLen', { val: Buffer.from('baz').toString('base64') }, null],
  ['BytesLen', { val: Buffer.from('ba').toString('base64') }, 'bytes.len'],
  ['BytesMinLen', { val: 'AA==' }, 'bytes.min_len'],
  ['BytesMaxLen', { val: Buffer.alloc(6).toString('base64') }, 'bytes.max_len'],
  ['BytesPrefix', { val: Buffer.from([0x99, 1]).toString('base64') }, null],
  ['BytesPrefix', { val: Buffer.from([1]).toString('base64') }, 'bytes.prefix'],
  ['BytesContains', { val: Buffer.from('foobarbaz').toString('base64') }, null],
  ['BytesContains', { val: Buffer.from('foobaz').toString('base64') }, 'bytes.contains'],
  ['BytesSuffix', { val: Buffer.from('foobuzz').toString('base64') }, null],
  ['BytesSuffix', { val: Buffer.from('foobar').toString('base64') }, 'bytes.suffix'],
  ['BytesIn', { val: Buffer.from('bar').toString('base64') }, null],
  ['BytesIn', { val: Buffer.from('quux').toString('base64') }, 'bytes.in'],
  ['BytesIPv4', { val: Buffer.from([192, 168, 0, 1]).toString('base64') }, null],
  ['BytesIPv4', { val: Buffer.alloc(16).toString('base64') }, 'bytes.ipv4'],
  ['BytesIPv6', { val: Buffer.alloc(4).toString('base64') }, 'bytes.ipv6'],
  ['BytesNone', { val: 'not base64!' }, 'encode.type'],
  // enums
  ['EnumConst', { val: 'TWO' }, null],
  ['EnumConst', { val: 'ONE' }, 'enum.const'],
  ['EnumDefined', { val: 2 }, null],
  ['EnumDefined', { val: 2147483647 }, 'enum.defined_only'],
  ['EnumIn', { val: 'TWO' }, null],
  ['EnumIn', { val: 'ONE' }, 'enum.in'],
  ['EnumNotIn', { val: 'ONE' }, 'enum.not_in'],
  ['EnumAliasConst', { val: 'GAMMA' }, null],
  ['EnumNone', { val: 'THREE' }, 'encode.enum'],
  ['RepeatedEnumDefined', { val: ['ONE', 7] }, ['enum.defined_only', ['val', 1]]],
  ['MapEnumDefined', { val: { a: 'ONE', b: 9 } }, ['enum.defined_only', ['val', 'b']]],
  // messages
  ['Message', { val: { const: 'foo', nested: { const: 'foo' } } }, null],
  ['Message', { val: { const: 'foo', nested: { const: 'bar' } } }, ['string.const', ['val', 'nested', 'const']]],
  ['MessageSkip', { val: { const: 'bar' } }, null],
  ['MessageRequired', { val: { const: 'foo' } }, null],
  ['MessageRequired', {}, 'message.required'],
  ['MessageRequired', { val: null }, 'message.required'],
  ['MessageDisabled', { val: '0' }, null],
  ['MessageCrossPackage', { val: { val: '0' } }, ['int64.gt', ['val', 'val']]],
  ['MessageNone', { val: { bogus: 1 } }, ['encode.unknown_field', ['val', 'bogus']]],
  // repeated
  ['RepeatedMin', { val: [{ val: '1' }, { val: '2' }] }, null],
  ['RepeatedMin', { val: [{ val: '1' }] }, 'repeated.min_items'],
  ['RepeatedMin', {}, 'repeated.min_items'],
  ['RepeatedMin', { val: [{ val: '1' }, { val: '-1' }] }, ['int64.gt', ['val', 1, 'val']]],
  ['RepeatedMax', { val: [1, 2, 3, 4] }, 'repeated.max_items'],
  ['RepeatedUnique', { val: ['foo', 'bar', 'foo'] }, ['repeated.unique', ['val', 2]]],
  ['RepeatedItemRule', { val: [1, 0] }, ['float.gt', ['val', 1]]],
  ['RepeatedItemPattern', { val: ['Alpha', 'beta-1'] }, ['string.pattern', ['val', 1]]],
  ['RepeatedEmbedSkip', { val: [{ val: '-1' }] }, null],
  ['RepeatedItemIn', { val: ['foo', 'baz'] }, ['string.in', ['val', 1]]],
  ['RepeatedEnumNotIn', { val: ['Y', 'X'] }, ['enum.not_in', ['val', 1]]],
  ['RepeatedDuration', { val: ['0.001s', '0.000001s'] }, ['duration.gte', ['val', 1]]],
  ['RepeatedNone', { val: [1, null] }, ['encode.type', ['val', 1]]],
  // maps
  ['MapMin', { val: { 1: 1, 2: 2 } }, null],
  ['MapMin', { val: { 1: 1 } }, 'map.min_pairs'],
  ['MapMax', { val: { 1: 1, 2: 2, 3: 3, 4: 4 } }, 'map.max_pairs'],
  ['MapKeys', { val: { '-1': 'a' } }, null],
  ['MapKeys', { val: { 1: 'a' } }, ['sint64.lt', ['val', '1']]],
  ['MapValues', { val: { a: 'abc', b: 'ab' } }, ['string.min_len', ['val', 'b']]],
  ['MapKeysPattern', { val: { 'a-b': 'x' } }, ['string.pattern', ['val', 'a-b']]],
  ['MapRecursive', { val: { 1: { val: 'ab' } } }, ['string.min_len', ['val', '1', 'val']]],
  ['MapNoSparse', { val: { 1: {}, 2: null } }, ['map.no_sparse', ['val', '2']]],
  ['MapNone', { val: { x: true } }, ['encode.type', ['val', 'x']]],
  // oneofs
  ['OneOf', { x: 'foobar' }, null],
  ['OneOf', { x: 'bar' }, ['string.prefix', ['x']]],
  ['OneOf', { y: 0 }, ['int32.gt', ['y']]],
  ['OneOf', { z: { val: false } }, ['bool.const', ['z', 'val']]],
  ['OneOf', {}, null],
  ['OneOf', { x: 'foo', y: 1 }, ['encode.oneof', ['y']]],
  ['OneOfRequired', { y: 0 }, null],
  ['OneOfRequired', {}, ['oneof.required', []]],
  // Any
  ['AnyRequired', { val: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s' } }, null],
  ['AnyRequired', {}, 'any.required'],
  ['AnyIn', { val: { '@type': 'type.googleapis.com/google.protobuf.Timestamp', value: '2020-01-01T00:00:00Z' } }, 'any.in'],
  ['AnyNotIn', { val: { '@type': 'type.googleapis.com/google.protobuf.Timestamp', value: '2020-01-01T00:00:00Z' } }, 'any.not_in'],
  ['AnyNone', { val: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: 'soon' } }, ['encode.type', ['val', 'value']]],
  ['AnyNone', { val: { '@type': 'type.googleapis.com/tests.harness.cases.Embed', val: '0' } }, ['int64.gt', ['val', 'val']]],
  // Duration
  ['DurationRequired', { val: '0s' }, null],
  ['DurationRequired', {}, 'duration.required'],
  ['DurationConst', { val: '3s' }, null],
  ['DurationConst', { val: '3.000000001s' }, 'duration.const'],
  ['DurationIn', { val: '0.000001s' }, null],
  ['DurationIn', { val: '2s' }, 'duration.in'],
  ['DurationNotIn', { val: '0s' }, 'duration.not_in'],
  ['DurationLT', { val: '-1s' }, null],
  ['DurationLT', { val: '0s' }, 'duration.lt'],
  ['DurationLTE', { val: '1s' }, null],
  ['DurationLTE', { val: '1.000000001s' }, 'duration.lte'],
  ['DurationGT', { val: '0.000001001s' }, null],
  ['DurationGT', { val: '0.000001s' }, 'duration.gt'],
  ['DurationGTLT', { val: '0.5s' }, null],
  ['DurationGTLT', { val: '1s' }, 'duration.lt'],
  ['DurationExLTGT', { val: '2s' }, null],
  ['DurationExLTGT', { val: '0.5s' }, 'duration.gt'],
  ['DurationNone', {}, null],
  ['DurationNone', { val: '1m' }, 'encode.type'],
  ['DurationFieldWithOtherFields', { durationVal: '2s', intVal: 17 }, ['duration.lte', ['durationVal']]],
  // Timestamp
  ['TimestampRequired', {}, 'timestamp.required'],
  ['TimestampLT', { val: '1969-12-31T23:59:59Z' }, null],
  ['TimestampLT', { val: '1970-01-01T00:00:00Z' }, 'timestamp.lt'],
  ['TimestampGTE', { val: '1970-01-01T00:00:00.001Z' }, null],
  ['TimestampGTE', { val: '1970-01-01T00:00:00.000999Z' }, 'timestamp.gte'],
  ['TimestampLTNow', { val: '2000-01-01T00:00:00Z' }, null],
  ['TimestampLTNow', { val: '9999-01-01T00:00:00Z' }, 'timestamp.lt_now'],
  ['TimestampGTNow', { val: '2000-01-01T00:00:00Z' }, 'timestamp.gt_now'],
  ['TimestampWithin', { val: '2000-01-01T00:00:00Z' }, 'timestamp.within'],
  ['TimestampNone', { val: 'yesterday' }, 'encode.type'],
  // wrappers: scalar rules apply when set
  ['WrapperNone', {}, null],
  ['WrapperUInt32', {}, null],
  ['WrapperUInt32', { val: 1 }, null],
  ['WrapperUInt32', { val: 0 }, 'uint32.gt'],
  ['WrapperInt64', { val: '0' }, 'int64.gt'],
  ['WrapperFloat', { val: 0 }, 'float.gt'],
  ['WrapperBool', { val: false }, 'bool.const'],
  ['WrapperString', { val: 'foo' }, 'string.suffix'],
  ['WrapperBytes', { val: 'AA==' }, 'bytes.min_len'],
  ['WrapperRequiredString', { val: 'bar' }, null],
  ['WrapperRequiredString', {}, 'message.required'],
  ['WrapperRequiredEmptyString', { val: '' }, null],
  ['WrapperOptionalUuidString', {}, null],
  ['WrapperOptionalUuidString', { val: 'x' }, 'string.uuid'],
];

describe('protoc-gen-validate harness cases', () => {
  let registry: FileRegistry;
  let verifier: Verifier;
  before(() => {
    const bytes = new Uint8Array(readFileSync(HARNESS_OUTPUT));
    registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
    verifier = new Verifier(registry);
  });

  for (const [message, json, expected] of CASES) {
    const want = expected === null ? null : typeof expected === 'string' ? { rule: expected, path: ['val'] } : { rule: expected[0], path: expected[1] };
    it(`${message} ${JSON.stringify(json)} → ${want === null ? 'valid' : want.rule}`, () => {
      const desc = registry.getMessage(`tests.harness.cases.${message}`);
      assert.ok(desc, message);
      const got = verifier.verify(desc, json).map((v) => ({ rule: v.rule, path: v.path }));
      assert.deepEqual(got, want === null ? [] : [want]);
    });
  }
});
