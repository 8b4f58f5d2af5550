/**
 * Content fingerprints of proto3 JSON, computed by the verify walk while it visits every value
 * anyway (walker.ts): the snapshot's content versions cost no pass of their own.
 *
 * A fingerprint is 64 bits in two 32-bit lanes with different mixing functions (MurmurHash3's
 * block mix and finaliser; xxHash32's round and avalanche). It is structural, a Merkle-style
 * hash: a message's fingerprint mixes each present field's number with the fingerprint of its
 * value, a list its items in order, a map its keys and values. So equal content has an equal
 * fingerprint whether a part of it is frozen and shared (and fingerprinted once, by identity,
 * like its violations) or not; and a field written under its JSON or its proto name is the
 * same field. Fields and map entries are mixed in the order they are written, as JSON text
 * would be: the translator writes equal content in one order, and the incremental tests
 * compare versions with from-scratch compiles.
 *
 * It identifies content among a snapshot's resources and their past versions; it is not a
 * security boundary (nor does it need one: whoever writes the policy already decides what the
 * proxies get).
 */
import type { JsonValue } from '../xds/index.ts';

/** Where a check leaves the fingerprint of the value it was given. */
export interface FingerprintOut {
  /** Lane A (MurmurHash3 mixing). */
  fa: number;
  /** Lane B (xxHash32 mixing). */
  fb: number;
  /** Whether the check set fa/fb for its value; when not, the caller fingerprints it generically. */
  fingerprinted: boolean;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;

/** Kinds of value, mixed first so that, say, the string "1" and the number 1 differ. */
export const Tag = {
  string: 0x5a17,
  int: 0x1d7e,
  float: 0xf10a,
  true: 0x7e0e,
  false: 0xfa15,
  null: 0x0bad,
  object: 0x0b1e,
  array: 0xa77a,
  message: 0x3e55,
  list: 0x1157,
  map: 0x3a90,
  any: 0xa11e,
  enum: 0xe9e9,
} as const;

export function mixA(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, C2);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

export function mixB(h: number, k: number): number {
  h = (h + Math.imul(k, P2)) | 0;
  h = (h << 13) | (h >>> 19);
  return Math.imul(h, P1);
}

export function finalA(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  return h ^ (h >>> 16);
}

export function finalB(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  return h ^ (h >>> 16);
}

/** Starting values of the lanes for a value of kind `tag`. */
export function seedA(tag: number): number {
  return mixA(0x2f6b_4c93, tag);
}

export function seedB(tag: number): number {
  return mixB(0x1653_7e29, tag);
}

export function fingerprintString(s: string, out: FingerprintOut): void {
  let a = seedA(Tag.string);
  let b = seedB(Tag.string);
  const n = s.length;
  let i = 0;
  // two UTF-16 code units per 32-bit block
  for (; i + 1 < n; i += 2) {
    const k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    a = mixA(a, k);
    b = mixB(b, k);
  }
  if (i < n) {
    const k = s.charCodeAt(i);
    a = mixA(a, k);
    b = mixB(b, k);
  }
  out.fa = finalA(a ^ n);
  out.fb = finalB(b ^ n);
}

const float = new Float64Array(1);
const floatWords = new Int32Array(float.buffer);

function fingerprintNumber(x: number, out: FingerprintOut): void {
  let a: number;
  let b: number;
  if ((x | 0) === x && !Object.is(x, -0)) {
    a = mixA(seedA(Tag.int), x);
    b = mixB(seedB(Tag.int), x);
  } else {
    float[0] = x;
    a = mixA(mixA(seedA(Tag.float), floatWords[0] as number), floatWords[1] as number);
    b = mixB(mixB(seedB(Tag.float), floatWords[0] as number), floatWords[1] as number);
  }
  out.fa = finalA(a);
  out.fb = finalB(b);
}

function fingerprintTag(tag: number, out: FingerprintOut): void {
  out.fa = finalA(seedA(tag));
  out.fb = finalB(seedB(tag));
}

/** The fingerprint of a string, number, boolean or null. */
export function fingerprintScalar(x: string | number | boolean | null, out: FingerprintOut): void {
  if (typeof x === 'string') fingerprintString(x, out);
  else if (typeof x === 'number') fingerprintNumber(x, out);
  else if (x === null) fingerprintTag(Tag.null, out);
  else fingerprintTag(x ? Tag.true : Tag.false, out);
}

/**
 * The fingerprint of any JSON value, by its JSON structure: for what the walk does not
 * fingerprint by field (Struct values, a value the walk stopped at because it is malformed).
 */
export function fingerprintJson(x: JsonValue, out: FingerprintOut): void {
  if (typeof x !== 'object' || x === null) {
    fingerprintScalar(x, out);
    return;
  }
  const list = Array.isArray(x);
  let a = seedA(list ? Tag.array : Tag.object);
  let b = seedB(list ? Tag.array : Tag.object);
  let n = 0;
  if (list) {
    for (const item of x) {
      fingerprintJson(item, out);
      a = mixA(mixA(a, out.fa), out.fb);
      b = mixB(mixB(b, out.fb), out.fa);
      n++;
    }
  } else {
    for (const key in x) {
      fingerprintString(key, out);
      a = mixA(mixA(a, out.fa), out.fb);
      b = mixB(mixB(b, out.fb), out.fa);
      fingerprintJson(x[key] as JsonValue, out);
      a = mixA(mixA(a, out.fa), out.fb);
      b = mixB(mixB(b, out.fb), out.fa);
      n++;
    }
  }
  out.fa = finalA(a ^ n);
  out.fb = finalB(b ^ n);
}

/** Fingerprints of type URLs: a snapshot has a handful, on thousands of resources each. */
const typeFingerprints = new Map<string, readonly [number, number]>();

const HEX = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));

/** 16 hex digits of two 32-bit numbers, made as one flat string (toString(16) and padStart cost several times more). */
function hex16(a: number, b: number): string {
  return String.fromCharCode(
    HEX[(a >>> 28) & 15]!, HEX[(a >>> 24) & 15]!, HEX[(a >>> 20) & 15]!, HEX[(a >>> 16) & 15]!,
    HEX[(a >>> 12) & 15]!, HEX[(a >>> 8) & 15]!, HEX[(a >>> 4) & 15]!, HEX[a & 15]!,
    HEX[(b >>> 28) & 15]!, HEX[(b >>> 24) & 15]!, HEX[(b >>> 20) & 15]!, HEX[(b >>> 16) & 15]!,
    HEX[(b >>> 12) & 15]!, HEX[(b >>> 8) & 15]!, HEX[(b >>> 4) & 15]!, HEX[b & 15]!,
  );
}

/** A 16-hex-digit version from a fingerprint and the resource's type URL. */
export function versionOf(typeUrl: string, fa: number, fb: number): string {
  let type = typeFingerprints.get(typeUrl);
  if (type === undefined) {
    const out: FingerprintOut = { fa: 0, fb: 0, fingerprinted: false };
    fingerprintString(typeUrl, out);
    typeFingerprints.set(typeUrl, (type = [out.fa, out.fb]));
  }
  return hex16(finalA(mixA(mixA(fa, type[0]), fb)), finalB(mixB(mixB(fb, type[1]), fa)));
}
