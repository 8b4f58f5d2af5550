/**
 * protoc-gen-validate rules, compiled once per field from the `(validate.rules)` option read
 * off the descriptors, into checks over already-read values. The option arrives as the proto3
 * JSON of `validate.FieldRules` (camelCase keys, 64-bit numbers as strings, durations as
 * "5s"), one case of its `type` oneof at a time: e.g. `{"lte": 65535}` for `uint32`.
 *
 * Semantics follow PGV's Go validator: ranges with the lower bound above the upper one are
 * exclusive ("outside"); `ignore_empty` skips the rules for the zero value; string lengths
 * count code points, `*_bytes` count UTF-8 bytes.
 */
import type { DescEnum, JsonObject, JsonValue } from '@bufbuild/protobuf';
import type { WalkContext } from './types.ts';
import { compareSecNanos, readDuration, readTimestamp, ReadError } from './scalars.ts';
import { re2Error, re2Matches } from '../re2/index.ts';
import {
  isAddress, isEmail, isHeaderName, isHeaderValue, isHostname, isIp, isIpv4, isIpv6, isUri, isUriRef, isUuid,
} from './well-known.ts';

export type RuleCheck<T> = (value: T, ctx: WalkContext) => void;

function all<T>(checks: RuleCheck<T>[]): RuleCheck<T> | undefined {
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (v, ctx) => {
    for (const c of checks) c(v, ctx);
  };
}

function list(json: JsonValue | undefined): JsonValue[] {
  return Array.isArray(json) ? json : [];
}

function fmt(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

// ---------------------------------------------------------------------------------------------
// numbers (all 12 numeric kinds; 64-bit kinds compare as bigint)

type Num = number | bigint;

export function numericRules(type: string, r: JsonObject, big: boolean): RuleCheck<Num> | undefined {
  // float rules compare at float32 precision, as the encoded value and the rule constants are
  const single = type === 'float';
  const conv = (x: JsonValue | undefined): Num => (big ? BigInt(x as string | number) : single ? Math.fround(Number(x)) : Number(x));
  const checks: RuleCheck<Num>[] = [];
  if (r['const'] !== undefined) {
    const c = conv(r['const']);
    checks.push((v, ctx) => {
      if (v !== c) ctx.report(`${type}.const`, `value must equal ${c}`);
    });
  }
  const lower = r['gt'] !== undefined ? { key: 'gt', value: conv(r['gt']), inclusive: false } : r['gte'] !== undefined ? { key: 'gte', value: conv(r['gte']), inclusive: true } : undefined;
  const upper = r['lt'] !== undefined ? { key: 'lt', value: conv(r['lt']), inclusive: false } : r['lte'] !== undefined ? { key: 'lte', value: conv(r['lte']), inclusive: true } : undefined;
  const aboveLower = (v: Num): boolean => (lower === undefined ? true : lower.inclusive ? v >= lower.value : v > lower.value);
  const belowUpper = (v: Num): boolean => (upper === undefined ? true : upper.inclusive ? v <= upper.value : v < upper.value);
  if (lower !== undefined && upper !== undefined) {
    const open = `${lower.inclusive ? '[' : '('}${lower.value}, ${upper.value}${upper.inclusive ? ']' : ')'}`;
    if (lower.value < upper.value) {
      checks.push((v, ctx) => {
        if (!aboveLower(v)) ctx.report(`${type}.${lower.key}`, `value must be inside range ${open}, got ${v}`);
        else if (!belowUpper(v)) ctx.report(`${type}.${upper.key}`, `value must be inside range ${open}, got ${v}`);
      });
    } else {
      checks.push((v, ctx) => {
        if (!aboveLower(v) && !belowUpper(v)) ctx.report(`${type}.${lower.key}`, `value must be outside range ${upper.value}..${lower.value}, got ${v}`);
      });
    }
  } else if (lower !== undefined) {
    const words = lower.inclusive ? 'greater than or equal to' : 'greater than';
    checks.push((v, ctx) => {
      if (!aboveLower(v)) ctx.report(`${type}.${lower.key}`, `value must be ${words} ${lower.value}, got ${v}`);
    });
  } else if (upper !== undefined) {
    const words = upper.inclusive ? 'less than or equal to' : 'less than';
    checks.push((v, ctx) => {
      if (!belowUpper(v)) ctx.report(`${type}.${upper.key}`, `value must be ${words} ${upper.value}, got ${v}`);
    });
  }
  const inList = list(r['in']).map(conv);
  if (inList.length > 0) {
    checks.push((v, ctx) => {
      if (!inList.includes(v)) ctx.report(`${type}.in`, `value must be in [${inList.join(', ')}], got ${v}`);
    });
  }
  const notIn = list(r['notIn']).map(conv);
  if (notIn.length > 0) {
    checks.push((v, ctx) => {
      if (notIn.includes(v)) ctx.report(`${type}.not_in`, `value must not be in [${notIn.join(', ')}]`);
    });
  }
  const check = all(checks);
  if (check === undefined) return undefined;
  const ignoreEmpty = r['ignoreEmpty'] === true;
  if (single) {
    return (v, ctx) => {
      const f = Math.fround(v as number);
      if (!(ignoreEmpty && f === 0)) check(f, ctx);
    };
  }
  if (!ignoreEmpty) return check;
  return (v, ctx) => {
    if (v !== 0 && v !== 0n) check(v, ctx);
  };
}

export function boolRules(r: JsonObject): RuleCheck<boolean> | undefined {
  const c = r['const'];
  if (typeof c !== 'boolean') return undefined;
  return (v, ctx) => {
    if (v !== c) ctx.report('bool.const', `value must equal ${c}`);
  };
}

// ---------------------------------------------------------------------------------------------
// strings

function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n--;
      i++;
    }
  }
  return n;
}

function checkPattern(type: string, pattern: string): RuleCheck<string> {
  const error = re2Error(pattern);
  if (error !== undefined) throw new Error(`PGV ${type}.pattern ${JSON.stringify(pattern)} is not RE2: ${error}`);
  return (v, ctx) => {
    if (!re2Matches(pattern, v)) ctx.report(`${type}.pattern`, `value does not match regex pattern ${JSON.stringify(pattern)}`);
  };
}

export function stringRules(r: JsonObject): RuleCheck<string> | undefined {
  const checks: RuleCheck<string>[] = [];
  const n = (k: string): number | undefined => (r[k] === undefined ? undefined : Number(r[k]));
  if (typeof r['const'] === 'string') {
    const c = r['const'];
    checks.push((v, ctx) => {
      if (v !== c) ctx.report('string.const', `value must equal ${fmt(c)}`);
    });
  }
  const len = n('len');
  if (len !== undefined) {
    checks.push((v, ctx) => {
      if (codePoints(v) !== len) ctx.report('string.len', `value length must be ${len} characters`);
    });
  }
  const minLen = n('minLen');
  if (minLen !== undefined) {
    checks.push((v, ctx) => {
      // code points ≤ UTF-16 units: only count when the cheap bound cannot decide
      if (v.length < minLen || (v.length < minLen * 2 && codePoints(v) < minLen)) {
        ctx.report('string.min_len', `value length must be at least ${minLen} characters`);
      }
    });
  }
  const maxLen = n('maxLen');
  if (maxLen !== undefined) {
    checks.push((v, ctx) => {
      if (v.length > maxLen && codePoints(v) > maxLen) ctx.report('string.max_len', `value length must be at most ${maxLen} characters`);
    });
  }
  const lenBytes = n('lenBytes');
  if (lenBytes !== undefined) {
    checks.push((v, ctx) => {
      if (Buffer.byteLength(v) !== lenBytes) ctx.report('string.len_bytes', `value length must be ${lenBytes} bytes`);
    });
  }
  const minBytes = n('minBytes');
  if (minBytes !== undefined) {
    checks.push((v, ctx) => {
      if (v.length < minBytes && Buffer.byteLength(v) < minBytes) ctx.report('string.min_bytes', `value length must be at least ${minBytes} bytes`);
    });
  }
  const maxBytes = n('maxBytes');
  if (maxBytes !== undefined) {
    checks.push((v, ctx) => {
      if (v.length * 3 > maxBytes && Buffer.byteLength(v) > maxBytes) ctx.report('string.max_bytes', `value length must be at most ${maxBytes} bytes`);
    });
  }
  if (typeof r['pattern'] === 'string') checks.push(checkPattern('string', r['pattern']));
  const affix = (key: string, rule: string, test: (v: string, a: string) => boolean, words: string): void => {
    const a = r[key];
    if (typeof a !== 'string') return;
    checks.push((v, ctx) => {
      if (!test(v, a)) ctx.report(`string.${rule}`, `value ${words} ${fmt(a)}`);
    });
  };
  affix('prefix', 'prefix', (v, a) => v.startsWith(a), 'does not have prefix');
  affix('suffix', 'suffix', (v, a) => v.endsWith(a), 'does not have suffix');
  affix('contains', 'contains', (v, a) => v.includes(a), 'does not contain substring');
  affix('notContains', 'not_contains', (v, a) => !v.includes(a), 'contains substring');
  const inList = list(r['in']);
  if (inList.length > 0) {
    checks.push((v, ctx) => {
      if (!inList.includes(v)) ctx.report('string.in', `value must be in list ${JSON.stringify(inList)}`);
    });
  }
  const notIn = list(r['notIn']);
  if (notIn.length > 0) {
    checks.push((v, ctx) => {
      if (notIn.includes(v)) ctx.report('string.not_in', `value must not be in list ${JSON.stringify(notIn)}`);
    });
  }
  const wellKnown = (key: string, test: (v: string) => boolean, what: string): void => {
    if (r[key] !== true) return;
    const rule = `string.${key === 'uriRef' ? 'uri_ref' : key}`;
    checks.push((v, ctx) => {
      if (!test(v)) ctx.report(rule, `value must be ${what}, got ${fmt(v)}`);
    });
  };
  wellKnown('email', isEmail, 'a valid email address');
  wellKnown('hostname', isHostname, 'a valid hostname');
  wellKnown('ip', isIp, 'a valid IP address');
  wellKnown('ipv4', isIpv4, 'a valid IPv4 address');
  wellKnown('ipv6', isIpv6, 'a valid IPv6 address');
  wellKnown('uri', isUri, 'a valid absolute URI');
  wellKnown('uriRef', isUriRef, 'a valid URI reference');
  wellKnown('address', isAddress, 'a valid hostname or IP address');
  wellKnown('uuid', isUuid, 'a valid UUID');
  const known = r['wellKnownRegex'];
  if (known === 'HTTP_HEADER_NAME' || known === 'HTTP_HEADER_VALUE') {
    const strict = r['strict'] !== false;
    const test = known === 'HTTP_HEADER_NAME' ? isHeaderName : isHeaderValue;
    const what = `a valid HTTP header ${known === 'HTTP_HEADER_NAME' ? 'name' : 'value'}${strict ? '' : ' (no NUL, CR or LF)'}`;
    checks.push((v, ctx) => {
      if (!test(v, strict)) ctx.report('string.well_known_regex', `value must be ${what}, got ${fmt(v)}`);
    });
  }
  const check = all(checks);
  if (check === undefined || r['ignoreEmpty'] !== true) return check;
  return (v, ctx) => {
    if (v !== '') check(v, ctx);
  };
}

// ---------------------------------------------------------------------------------------------
// bytes

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export function bytesRules(r: JsonObject): RuleCheck<Uint8Array> | undefined {
  const checks: RuleCheck<Uint8Array>[] = [];
  const b = (x: JsonValue | undefined): Uint8Array => new Uint8Array(Buffer.from(typeof x === 'string' ? x : '', 'base64'));
  const n = (k: string): number | undefined => (r[k] === undefined ? undefined : Number(r[k]));
  if (r['const'] !== undefined) {
    const c = b(r['const']);
    checks.push((v, ctx) => {
      if (!bytesEqual(v, c)) ctx.report('bytes.const', 'value must equal the constant bytes');
    });
  }
  const len = n('len');
  if (len !== undefined) checks.push((v, ctx) => v.length !== len && ctx.report('bytes.len', `value length must be ${len} bytes`));
  const minLen = n('minLen');
  if (minLen !== undefined) checks.push((v, ctx) => v.length < minLen && ctx.report('bytes.min_len', `value length must be at least ${minLen} bytes`));
  const maxLen = n('maxLen');
  if (maxLen !== undefined) checks.push((v, ctx) => v.length > maxLen && ctx.report('bytes.max_len', `value length must be at most ${maxLen} bytes`));
  if (typeof r['pattern'] === 'string') {
    const p = checkPattern('bytes', r['pattern']);
    checks.push((v, ctx) => p(Buffer.from(v).toString('latin1'), ctx));
  }
  const affix = (key: string, test: (v: Buffer, a: Uint8Array) => boolean, words: string): void => {
    if (r[key] === undefined) return;
    const a = b(r[key]);
    checks.push((v, ctx) => {
      if (!test(Buffer.from(v), a)) ctx.report(`bytes.${key}`, `value ${words} the given bytes`);
    });
  };
  affix('prefix', (v, a) => v.subarray(0, a.length).equals(a), 'does not start with');
  affix('suffix', (v, a) => v.length >= a.length && v.subarray(v.length - a.length).equals(a), 'does not end with');
  affix('contains', (v, a) => v.indexOf(a) >= 0, 'does not contain');
  const inList = list(r['in']).map(b);
  if (inList.length > 0) checks.push((v, ctx) => !inList.some((x) => bytesEqual(v, x)) && ctx.report('bytes.in', 'value must be in the list'));
  const notIn = list(r['notIn']).map(b);
  if (notIn.length > 0) checks.push((v, ctx) => notIn.some((x) => bytesEqual(v, x)) && ctx.report('bytes.not_in', 'value must not be in the list'));
  if (r['ip'] === true) checks.push((v, ctx) => v.length !== 4 && v.length !== 16 && ctx.report('bytes.ip', 'value must be a valid IP address (4 or 16 bytes)'));
  if (r['ipv4'] === true) checks.push((v, ctx) => v.length !== 4 && ctx.report('bytes.ipv4', 'value must be a valid IPv4 address (4 bytes)'));
  if (r['ipv6'] === true) checks.push((v, ctx) => v.length !== 16 && ctx.report('bytes.ipv6', 'value must be a valid IPv6 address (16 bytes)'));
  const check = all(checks);
  if (check === undefined || r['ignoreEmpty'] !== true) return check;
  return (v, ctx) => {
    if (v.length > 0) check(v, ctx);
  };
}

// ---------------------------------------------------------------------------------------------
// enums

export function enumRules(desc: DescEnum, r: JsonObject): RuleCheck<number> | undefined {
  const checks: RuleCheck<number>[] = [];
  const name = (n: number): string => desc.values.find((v) => v.number === n)?.name ?? String(n);
  if (r['const'] !== undefined) {
    const c = Number(r['const']);
    checks.push((v, ctx) => v !== c && ctx.report('enum.const', `value must equal ${name(c)}`));
  }
  if (r['definedOnly'] === true) {
    const defined = new Set(desc.values.map((v) => v.number));
    checks.push((v, ctx) => !defined.has(v) && ctx.report('enum.defined_only', `value ${v} is not a defined ${desc.typeName} value`));
  }
  const inList = list(r['in']).map(Number);
  if (inList.length > 0) checks.push((v, ctx) => !inList.includes(v) && ctx.report('enum.in', `value must be one of ${inList.map(name).join(', ')}`));
  const notIn = list(r['notIn']).map(Number);
  if (notIn.length > 0) checks.push((v, ctx) => notIn.includes(v) && ctx.report('enum.not_in', `value must not be ${notIn.map(name).join(' or ')}`));
  return all(checks);
}

// ---------------------------------------------------------------------------------------------
// well-known message types

type SecNanos = [number, number];

function secNanos(json: JsonValue | undefined, read: (j: JsonValue) => SecNanos | ReadError): SecNanos | undefined {
  if (json === undefined) return undefined;
  const v = read(json);
  if (v instanceof ReadError) throw new Error(`bad constant in validate rules: ${v.message}`);
  return v;
}

function timeRules(type: 'duration' | 'timestamp', r: JsonObject, read: (j: JsonValue) => SecNanos | ReadError): RuleCheck<SecNanos>[] {
  const checks: RuleCheck<SecNanos>[] = [];
  const show = (k: string): string => fmt(r[k]);
  const c = secNanos(r['const'], read);
  if (c) checks.push((v, ctx) => compareSecNanos(v, c) !== 0 && ctx.report(`${type}.const`, `value must equal ${show('const')}`));
  const lower = r['gt'] !== undefined ? { key: 'gt', at: secNanos(r['gt'], read)!, inclusive: false } : r['gte'] !== undefined ? { key: 'gte', at: secNanos(r['gte'], read)!, inclusive: true } : undefined;
  const upper = r['lt'] !== undefined ? { key: 'lt', at: secNanos(r['lt'], read)!, inclusive: false } : r['lte'] !== undefined ? { key: 'lte', at: secNanos(r['lte'], read)!, inclusive: true } : undefined;
  const aboveLower = (v: SecNanos): boolean => lower === undefined || compareSecNanos(v, lower.at) >= (lower.inclusive ? 0 : 1);
  const belowUpper = (v: SecNanos): boolean => upper === undefined || compareSecNanos(v, upper.at) <= (upper.inclusive ? 0 : -1);
  if (lower && upper && compareSecNanos(lower.at, upper.at) >= 0) {
    checks.push((v, ctx) => !aboveLower(v) && !belowUpper(v) && ctx.report(`${type}.${lower.key}`, `value must be outside range ${show(upper.key)}..${show(lower.key)}`));
  } else {
    const words = { gt: 'greater than', gte: 'greater than or equal to', lt: 'less than', lte: 'less than or equal to' } as Record<string, string>;
    if (lower) checks.push((v, ctx) => !aboveLower(v) && ctx.report(`${type}.${lower.key}`, `value must be ${words[lower.key]} ${show(lower.key)}`));
    if (upper) checks.push((v, ctx) => aboveLower(v) && !belowUpper(v) && ctx.report(`${type}.${upper.key}`, `value must be ${words[upper.key]} ${show(upper.key)}`));
  }
  return checks;
}

export function durationRules(r: JsonObject): RuleCheck<SecNanos> | undefined {
  const checks = timeRules('duration', r, readDuration);
  const inList = list(r['in']).map((j) => secNanos(j, readDuration)!);
  if (inList.length > 0) checks.push((v, ctx) => !inList.some((x) => compareSecNanos(v, x) === 0) && ctx.report('duration.in', `value must be in ${JSON.stringify(r['in'])}`));
  const notIn = list(r['notIn']).map((j) => secNanos(j, readDuration)!);
  if (notIn.length > 0) checks.push((v, ctx) => notIn.some((x) => compareSecNanos(v, x) === 0) && ctx.report('duration.not_in', `value must not be in ${JSON.stringify(r['notIn'])}`));
  return all(checks);
}

export function timestampRules(r: JsonObject, now: () => number = Date.now): RuleCheck<SecNanos> | undefined {
  const checks = timeRules('timestamp', r, readTimestamp);
  const within = secNanos(r['within'], readDuration);
  const nowPair = (): SecNanos => {
    const ms = now();
    return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
  };
  if (r['ltNow'] === true) checks.push((v, ctx) => compareSecNanos(v, nowPair()) >= 0 && ctx.report('timestamp.lt_now', 'value must be in the past'));
  if (r['gtNow'] === true) checks.push((v, ctx) => compareSecNanos(v, nowPair()) <= 0 && ctx.report('timestamp.gt_now', 'value must be in the future'));
  if (within) {
    checks.push((v, ctx) => {
      const n = nowPair();
      const d = Math.abs((v[0] - n[0]) + (v[1] - n[1]) / 1e9);
      if (d > within[0] + within[1] / 1e9) ctx.report('timestamp.within', `value must be within ${fmt(r['within'])} of now`);
    });
  }
  return all(checks);
}

/** Rules on an Any's type URL ('' for an empty Any). */
export function anyRules(r: JsonObject): RuleCheck<string> | undefined {
  const checks: RuleCheck<string>[] = [];
  const inList = list(r['in']);
  if (inList.length > 0) checks.push((v, ctx) => !inList.includes(v) && ctx.report('any.in', `type URL must be in ${JSON.stringify(inList)}, got ${fmt(v)}`));
  const notIn = list(r['notIn']);
  if (notIn.length > 0) checks.push((v, ctx) => notIn.includes(v) && ctx.report('any.not_in', `type URL must not be in ${JSON.stringify(notIn)}`));
  return all(checks);
}
