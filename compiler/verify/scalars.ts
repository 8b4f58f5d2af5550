/**
 * Reading proto3 JSON scalars the way @bufbuild/protobuf's fromJson does (and Envoy's JSON
 * parser), so that a value the verifier accepts is one the codec encodes. Each reader
 * returns the value in a form the rules compare (number, bigint, string, boolean, byte
 * length), or an error string.
 */
import type { ScalarType } from '@bufbuild/protobuf';
import type { JsonValue } from '../xds/index.ts';

/**
 * protobuf's scalar type numbers (FieldDescriptorProto.Type), as @bufbuild/protobuf's
 * ScalarType enum has them; spelled out so that this module does not load that package.
 */
export const Scalar = {
  DOUBLE: 1 as ScalarType, FLOAT: 2 as ScalarType, INT64: 3 as ScalarType, UINT64: 4 as ScalarType, INT32: 5 as ScalarType,
  FIXED64: 6 as ScalarType, FIXED32: 7 as ScalarType, BOOL: 8 as ScalarType, STRING: 9 as ScalarType, BYTES: 12 as ScalarType,
  UINT32: 13 as ScalarType, SFIXED32: 15 as ScalarType, SFIXED64: 16 as ScalarType, SINT32: 17 as ScalarType, SINT64: 18 as ScalarType,
} as const;

const SCALAR_NAMES = new Map<ScalarType, string>(Object.entries(Scalar).map(([name, n]) => [n, name.toLowerCase()]));

export type ScalarValue = number | bigint | string | boolean | Uint8Array;
export type ScalarRead = (json: JsonValue) => ScalarValue | ReadError;

export class ReadError {
  constructor(readonly message: string) {}
}

export function describe(json: JsonValue): string {
  if (json === null) return 'null';
  if (Array.isArray(json)) return 'an array';
  if (typeof json === 'object') return 'an object';
  if (typeof json === 'string') return JSON.stringify(json.length > 40 ? `${json.slice(0, 40)}…` : json);
  return String(json);
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function int32Like(json: JsonValue): number | undefined {
  if (typeof json === 'number') return Number.isInteger(json) ? json : undefined;
  if (typeof json === 'string' && json !== '' && json.trim() === json) {
    const n = Number(json);
    return Number.isInteger(n) ? n : undefined;
  }
  return undefined;
}

function readInt32(name: string, min: number, max: number): ScalarRead {
  return (json) => {
    const n = int32Like(json);
    if (n === undefined) return new ReadError(`expected ${name}, got ${describe(json)}`);
    if (n < min || n > max) return new ReadError(`${name} out of range: ${n}`);
    return n;
  };
}

/** 64-bit integers: JSON numbers (integral) or decimal strings. Returns bigint. */
function readInt64(name: string, min: bigint, max: bigint): ScalarRead {
  const pattern = min < 0n ? /^-?[0-9]+$/ : /^[0-9]+$/;
  return (json) => {
    let n: bigint;
    if (typeof json === 'number') {
      if (!Number.isInteger(json)) return new ReadError(`expected ${name}, got ${describe(json)}`);
      n = BigInt(json);
    } else if (typeof json === 'string' && pattern.test(json)) {
      n = BigInt(json);
    } else {
      return new ReadError(`expected ${name}, got ${describe(json)}`);
    }
    if (n < min || n > max) return new ReadError(`${name} out of range: ${describe(json)}`);
    return n;
  };
}

function readFloat(name: string, single: boolean): ScalarRead {
  return (json) => {
    let n: number;
    if (json === 'NaN') return NaN;
    if (json === 'Infinity') return Infinity;
    if (json === '-Infinity') return -Infinity;
    if (typeof json === 'number') n = json;
    else if (typeof json === 'string' && json !== '' && json.trim() === json) n = Number(json);
    else return new ReadError(`expected ${name}, got ${describe(json)}`);
    if (!Number.isFinite(n)) return new ReadError(`expected ${name}, got ${describe(json)}`);
    if (single && !Number.isFinite(Math.fround(n))) return new ReadError(`${name} out of range: ${n}`);
    return n;
  };
}

const LONE_SURROGATE = /\p{Cs}/u;
type MaybeWellFormed = { isWellFormed?: () => boolean };
/** No lone surrogates (protobuf strings are UTF-8). String#isWellFormed is native in Node 20. */
export const wellFormed: (s: string) => boolean = typeof (String.prototype as MaybeWellFormed).isWellFormed === 'function'
  ? (s) => (s as unknown as Required<MaybeWellFormed>).isWellFormed()
  : (s) => !LONE_SURROGATE.test(s);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$|^[A-Za-z0-9_-]*={0,2}$/;

const readers: Partial<Record<number, ScalarRead>> = {
  [Scalar.INT32]: readInt32('int32', INT32_MIN, INT32_MAX),
  [Scalar.SINT32]: readInt32('sint32', INT32_MIN, INT32_MAX),
  [Scalar.SFIXED32]: readInt32('sfixed32', INT32_MIN, INT32_MAX),
  [Scalar.UINT32]: readInt32('uint32', 0, UINT32_MAX),
  [Scalar.FIXED32]: readInt32('fixed32', 0, UINT32_MAX),
  [Scalar.INT64]: readInt64('int64', INT64_MIN, INT64_MAX),
  [Scalar.SINT64]: readInt64('sint64', INT64_MIN, INT64_MAX),
  [Scalar.SFIXED64]: readInt64('sfixed64', INT64_MIN, INT64_MAX),
  [Scalar.UINT64]: readInt64('uint64', 0n, UINT64_MAX),
  [Scalar.FIXED64]: readInt64('fixed64', 0n, UINT64_MAX),
  [Scalar.DOUBLE]: readFloat('double', false),
  [Scalar.FLOAT]: readFloat('float', true),
  [Scalar.BOOL]: (json) => (typeof json === 'boolean' ? json : new ReadError(`expected bool, got ${describe(json)}`)),
  [Scalar.STRING]: (json) => {
    if (typeof json !== 'string') return new ReadError(`expected string, got ${describe(json)}`);
    if (!wellFormed(json)) return new ReadError('string is not valid UTF-8 (lone surrogate)');
    return json;
  },
  [Scalar.BYTES]: (json) => {
    if (typeof json !== 'string' || json.length % 4 === 1 || !BASE64.test(json)) {
      return new ReadError(`expected base64 bytes, got ${describe(json)}`);
    }
    return new Uint8Array(Buffer.from(json, 'base64'));
  },
};

export function scalarReader(type: ScalarType): ScalarRead {
  const read = readers[type];
  if (read === undefined) throw new Error(`no reader for scalar type ${type}`);
  return read;
}

const INT64_SHORT_SIGNED = /^-?[0-9]{1,18}$/;
const INT64_SHORT_UNSIGNED = /^[0-9]{1,18}$/;

/**
 * What `scalarReader(type)` would say of a value, without making the value (64-bit integers
 * become bigints, bytes an array): the error message, or undefined when the value reads.
 * For fields without rules, which are most of them.
 */
export function scalarValidator(type: ScalarType): (json: JsonValue) => string | undefined {
  const read = scalarReader(type);
  const full = (json: JsonValue): string | undefined => {
    const x = read(json);
    return x instanceof ReadError ? x.message : undefined;
  };
  if (isInt64Type(type)) {
    const signed = type === Scalar.INT64 || type === Scalar.SINT64 || type === Scalar.SFIXED64;
    const short = signed ? INT64_SHORT_SIGNED : INT64_SHORT_UNSIGNED;
    const min = signed ? -(2 ** 53) : 0;
    // at most 18 digits, or a safe integer, is in range for every 64-bit type
    return (json) => {
      if (typeof json === 'number' ? Number.isInteger(json) && json >= min && json <= 2 ** 53 : typeof json === 'string' && short.test(json)) return undefined;
      return full(json);
    };
  }
  if (type === Scalar.BYTES) {
    return (json) => (typeof json === 'string' && json.length % 4 !== 1 && BASE64.test(json) ? undefined : full(json));
  }
  return full;
}

export function isInt64Type(type: ScalarType): boolean {
  return type === Scalar.INT64 || type === Scalar.UINT64 || type === Scalar.SINT64 ||
    type === Scalar.FIXED64 || type === Scalar.SFIXED64;
}

/** The name PGV uses for the rules of a scalar type (`uint32`, `string`, ...). */
export function scalarRuleName(type: ScalarType): string {
  const name = SCALAR_NAMES.get(type);
  if (name === undefined) throw new Error(`unknown scalar type ${type}`);
  return name;
}

/** The JSON zero value of a scalar type, as an absent proto3 field reads. */
export function scalarZero(type: ScalarType): JsonValue {
  switch (type) {
    case Scalar.BOOL:
      return false;
    case Scalar.STRING:
    case Scalar.BYTES:
      return '';
    default:
      return 0;
  }
}

const DURATION_SHORT = /^-?[0-9]{1,11}(?:\.[0-9]{1,9})?s$/;

/** Whether `readDuration` reads a value: the error message, or undefined (without making the pair). */
export function durationError(json: JsonValue): string | undefined {
  if (typeof json === 'string' && DURATION_SHORT.test(json)) return undefined;
  const x = readDuration(json);
  return x instanceof ReadError ? x.message : undefined;
}

/** `readDuration` of the usual `S[.fffffffff]s` with at most 11 digits of seconds, without a regex; undefined for anything else. */
function quickDuration(s: string): [number, number] | undefined {
  const end = s.length - 1;
  if (end < 1 || end > 22 || s.charCodeAt(end) !== 115 /* s */) return undefined;
  let i = s.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const negative = i === 1;
  let seconds = 0;
  const from = i;
  for (let c = s.charCodeAt(i); i < end && c >= 48 && c <= 57; c = s.charCodeAt(++i)) seconds = seconds * 10 + (c - 48);
  if (i === from || i - from > 11) return undefined;
  let nanos = 0;
  if (i < end) {
    if (s.charCodeAt(i) !== 46 /* . */) return undefined;
    const dot = ++i;
    for (let c = s.charCodeAt(i); i < end && c >= 48 && c <= 57; c = s.charCodeAt(++i)) nanos = nanos * 10 + (c - 48);
    const digits = i - dot;
    if (i !== end || digits === 0 || digits > 9) return undefined;
    nanos *= 10 ** (9 - digits);
  }
  return negative ? [-seconds, -nanos] : [seconds, nanos];
}

/** google.protobuf.Duration JSON: `-?S[.fffffffff]s`, |S| ≤ 315576000000. Returns [seconds, nanos]. */
export function readDuration(json: JsonValue): [number, number] | ReadError {
  if (typeof json === 'string') {
    const quick = quickDuration(json);
    if (quick !== undefined) return quick;
  }
  if (typeof json !== 'string') return new ReadError(`expected a duration string such as "5s", got ${describe(json)}`);
  const m = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(json);
  if (m === null) return new ReadError(`expected a duration such as "5s" or "0.250s", got ${describe(json)}`);
  const seconds = Number(m[2]);
  if (seconds > 315_576_000_000) return new ReadError(`duration out of range: ${json}`);
  const nanos = m[3] === undefined ? 0 : Number(m[3].padEnd(9, '0'));
  return m[1] === '-' ? [-seconds, -nanos] : [seconds, nanos];
}

/** google.protobuf.Timestamp JSON (RFC 3339). Returns [seconds, nanos] since the epoch. */
export function readTimestamp(json: JsonValue): [number, number] | ReadError {
  if (typeof json !== 'string') return new ReadError(`expected an RFC 3339 timestamp, got ${describe(json)}`);
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})$/.exec(json);
  if (m === null) return new ReadError(`expected an RFC 3339 timestamp, got ${describe(json)}`);
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8]}`);
  if (Number.isNaN(ms) || ms < -62135596800000 || ms > 253402300799000) return new ReadError(`timestamp out of range: ${json}`);
  return [Math.floor(ms / 1000), m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'))];
}

/** Compares [seconds, nanos] pairs. */
export function compareSecNanos(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}
