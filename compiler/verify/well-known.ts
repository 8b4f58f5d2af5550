/**
 * The protoc-gen-validate "well known" string formats, as PGV's Go validator implements them
 * (hostname per RFC 1034 without IDNs, IP literals, absolute URI, URI reference, email,
 * UUID, and the HTTP header name/value regexes with the `strict` flag).
 *
 * The header regexes are PGV's own fixed patterns (validate/validate.h, templates/goshared):
 * character classes only, which mean the same in RE2 and in JavaScript with the `u` flag, so
 * they run as JavaScript RegExps here: they are on the hot path (every domain, header name
 * and header value in a snapshot). `pattern` rules, which can be anything, go through RE2
 * (re2.ts). A test cross-checks these against RE2.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';

/** PGV's HTTP_HEADER_NAME (strict): an optional leading ':' then RFC 7230 token characters. */
export const HEADER_NAME_STRICT_SOURCE = "^:?[0-9a-zA-Z!#$%&'*+-.^_|~\\x60]+$";
/** PGV's HTTP_HEADER_VALUE (strict): no control characters except horizontal tab. */
export const HEADER_VALUE_STRICT_SOURCE = '^[^\\x{0000}-\\x{0008}\\x{000A}-\\x{001F}\\x{007F}]*$';
/** PGV's loose form of both (strict: false): no NUL, LF or CR. */
export const HEADER_LOOSE_SOURCE = '^[^\\x{0000}\\x{000A}\\x{000D}]*$';

// `+-.` is a range (it admits ',' too), exactly as in PGV's pattern
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/u;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/u;
// eslint-disable-next-line no-control-regex
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/u;

export function isHeaderName(value: string, strict: boolean): boolean {
  return strict ? HEADER_NAME_STRICT.test(value) : HEADER_LOOSE.test(value);
}

export function isHeaderValue(value: string, strict: boolean): boolean {
  return strict ? HEADER_VALUE_STRICT.test(value) : HEADER_LOOSE.test(value);
}

/** PGV `hostname`: at most 253 bytes, labels of 1–63 letters, digits and '-', not at a label's ends. */
export function isHostname(value: string): boolean {
  if (value.length > 253) return false;
  const host = value.endsWith('.') ? value.slice(0, -1) : value;
  for (const label of host.toLowerCase().split('.')) {
    const n = label.length;
    if (n === 0 || n > 63) return false;
    if (label.charCodeAt(0) === 45 || label.charCodeAt(n - 1) === 45) return false;
    for (let i = 0; i < n; i++) {
      const c = label.charCodeAt(i);
      const ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45;
      if (!ok) return false;
    }
  }
  return true;
}

/** An IP literal without zone or brackets, as Go's net.ParseIP accepts it. */
export function isIp(value: string): boolean {
  return !value.includes('%') && isIP(value) !== 0;
}

export function isIpv4(value: string): boolean {
  return isIPv4(value);
}

export function isIpv6(value: string): boolean {
  return !value.includes('%') && isIPv6(value);
}

/** PGV `address`: a hostname or an IP literal. */
export function isAddress(value: string): boolean {
  return isIp(value) || isHostname(value);
}

// eslint-disable-next-line no-control-regex
const URI_FORBIDDEN = /[\u0000-\u001F\u007F]|%(?![0-9A-Fa-f]{2})/u;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** PGV `uri_ref`: parses as a URI reference (Go url.Parse: no control characters, valid escapes). */
export function isUriRef(value: string): boolean {
  return !URI_FORBIDDEN.test(value);
}

/** PGV `uri`: an absolute URI (has a scheme). */
export function isUri(value: string): boolean {
  return isUriRef(value) && SCHEME.test(value);
}

/** PGV `email`: local part of at most 64 bytes, a hostname after the last '@'. */
export function isEmail(value: string): boolean {
  let addr = value;
  if (addr.endsWith('>')) {
    const open = addr.lastIndexOf('<');
    if (open < 0) return false;
    addr = addr.slice(open + 1, -1);
  }
  const at = addr.lastIndexOf('@');
  if (at <= 0 || at === addr.length - 1) return false;
  const local = addr.slice(0, at);
  if (Buffer.byteLength(local) > 64 || /[\s<>()[\]\\,;:"]/.test(local)) return false;
  return isHostname(addr.slice(at + 1));
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
