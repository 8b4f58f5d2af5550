/**
 * Content versions of xDS resources.
 *
 * A version is 16 hex characters of a sha256 over the resource's canonical text, so equal
 * content gets an equal version across compiles and proxy classes. The canonical text is the
 * resource's JSON with two kinds of subtrees replaced by their own digests:
 *
 * - shared parts (translate/shared-part.ts): one object carried by many resources (the SDS
 *   config of the workload certificate, a DestinationRule's circuit breakers) is serialised
 *   and hashed once, by identity, instead of once per resource. About half of an outbound
 *   Cluster's JSON is such parts;
 * - the items of long lists (a RouteConfiguration's virtual hosts): when one route changes,
 *   only its virtual host is serialised again (the others are the same frozen objects)
 *   instead of the whole configuration (18 MB for 10,000 services).
 *
 * Which subtrees are replaced depends on how the translator built the resource, which is a
 * function of its input, so equal translations still get equal versions (the incremental
 * compile's equivalence test checks versions against from-scratch runs).
 *
 * Serialising is the cost (JSON.stringify runs at about 250 MB/s here, sha256 several times
 * faster), which is why the text is written by the native JSON.stringify over a copy of the
 * resource's "spine" (the objects on the way to a replaced subtree) rather than by a
 * serialiser in JavaScript, which measured twice as slow.
 *
 * A version identifies content; it is not a security boundary (a Struct field could spell
 * out a digest string), and it does not need to be one: whoever writes the policy already
 * decides what the proxies get.
 */
import { hash } from 'node:crypto';
import { isSharedPart } from '../translate/index.ts';
import type { JsonValue } from '../xds/index.ts';

/** Versions of frozen resource JSON, by type URL. */
const versions = new WeakMap<object, Map<string, string>>();
/** Digests of shared parts, and of frozen items of long lists. */
const digests = new WeakMap<object, string>();
const itemDigests = new WeakMap<object, string>();

/** Lists at least this long are hashed item by item (a RouteConfiguration's virtual hosts). */
const LONG_LIST = 64;

/** Shared parts are frozen: the frozen bit is a cheaper first test than the set lookup. */
function isShared(value: object): boolean {
  return Object.isFrozen(value) && isSharedPart(value);
}

/**
 * The digest of an item of a long list: of its plain JSON. The items (virtual hosts) are
 * digested one by one so that a changed one is the only one serialised again; replacing the
 * shared parts inside each of 10,000 of them as well cost more than it saved.
 */
function itemDigest(item: object): string {
  let digest = itemDigests.get(item);
  if (digest === undefined) {
    digest = `#${hash('sha256', JSON.stringify(item), 'base64url').slice(0, 22)}`;
    if (Object.isFrozen(item)) itemDigests.set(item, digest);
  }
  return digest;
}

function digestOf(value: object): string {
  let digest = digests.get(value);
  if (digest === undefined) {
    // 22 base64url characters: 132 bits, ample to tell parts apart, and a shorter text to hash
    digest = `#${hash('sha256', JSON.stringify(spine(value as JsonValue)), 'base64url').slice(0, 22)}`;
    if (Object.isFrozen(value)) digests.set(value, digest);
  }
  return digest;
}

/**
 * `value` with shared parts and the items of long lists replaced by their digests; `value`
 * itself when nothing in it is replaced (no copy is made of subtrees without such parts).
 */
function spine(value: JsonValue): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    if (value.length >= LONG_LIST) return value.map((item) => (typeof item === 'object' && item !== null ? itemDigest(item) : item));
    let copy: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as JsonValue;
      const replaced = typeof item === 'object' && item !== null ? (isShared(item) ? digestOf(item) : spine(item)) : item;
      if (replaced !== item) (copy ??= value.slice())[i] = replaced;
    }
    return copy ?? value;
  }
  let copy: Record<string, JsonValue> | undefined;
  for (const key in value) {
    const item = value[key] as JsonValue;
    if (typeof item !== 'object' || item === null) continue;
    const replaced = isShared(item) ? digestOf(item) : spine(item);
    if (replaced !== item) (copy ??= { ...value })[key] = replaced;
  }
  return copy ?? value;
}

function compute(json: JsonValue): string {
  const text = typeof json === 'object' && json !== null && isShared(json) ? digestOf(json) : JSON.stringify(spine(json));
  return hash('sha256', text ?? 'null', 'hex').slice(0, 16);
}

/** The content version of a resource: the same for equal content, different for different content. */
export function contentVersion(typeUrl: string, json: JsonValue): string {
  if (typeof json !== 'object' || json === null || !Object.isFrozen(json)) return compute(json);
  let byType = versions.get(json);
  if (byType === undefined) versions.set(json, (byType = new Map()));
  let version = byType.get(typeUrl);
  if (version === undefined) byType.set(typeUrl, (version = compute(json)));
  return version;
}
