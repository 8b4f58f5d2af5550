/**
 * The codec between sluice's representation of xDS resources — Envoy proto3 JSON, exactly as
 * an Envoy config dump shows it (camelCase keys, durations as "5s", `Any` as
 * `{"@type": ..., ...}`, enums by name) — and binary protobuf.
 *
 * Encoding and decoding are @bufbuild/protobuf's, driven by the committed descriptor set.
 * Encoding is strict: an unknown field, a value of the wrong type, an unknown enum name or an
 * `Any` whose type is not in the descriptor set is an XdsCodecError carrying the JSON path of
 * the offending value. Decoding is strict too: fields the descriptors do not know (unknown
 * binary fields) are an error rather than being dropped.
 */
import type { DescField, DescMessage, JsonObject, JsonValue, Message, Registry } from '@bufbuild/protobuf';
import type { ReflectMessage } from '@bufbuild/protobuf/reflect';
import type { Any } from '@bufbuild/protobuf/wkt';
import { protobuf, protobufReflect, protobufWkt } from './pb.ts';
import { findMessage, xdsRegistry } from './registry.ts';
import { typeNameOf } from './type-urls.ts';

export type { JsonObject, JsonValue };

/** A path into a JSON value: object keys and array indexes. */
export type JsonPath = (string | number)[];

export class XdsCodecError extends Error {
  override readonly name = 'XdsCodecError';
  constructor(
    readonly typeUrl: string,
    /** Where in the resource JSON the problem is ([] for the resource itself). */
    readonly path: JsonPath,
    /** The problem, without the location. */
    readonly detail: string,
  ) {
    super(`${typeNameOf(typeUrl)}${formatPath(path)}: ${detail}`);
  }
}

/** `['a', 0, 'b']` → `.a[0].b` */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  return out;
}

function resourceDesc(typeUrl: string): DescMessage {
  const desc = findMessage(typeUrl);
  if (desc === undefined) throw new XdsCodecError(typeUrl, [], `unknown type ${typeUrl}`);
  return desc;
}

/** Parses resource JSON into a bufbuild message; throws XdsCodecError with the path. */
export function messageFromJson(typeUrl: string, json: JsonValue): Message {
  const desc = resourceDesc(typeUrl);
  const registry = xdsRegistry();
  try {
    return protobuf().fromJson(desc, json, { registry });
  } catch (e) {
    const found = locate(desc, json, [], registry);
    throw new XdsCodecError(typeUrl, found?.path ?? [], found?.message ?? cleanMessage(e));
  }
}

/** Envoy proto3 JSON → binary protobuf. */
export function encodeResource(typeUrl: string, json: JsonValue): Uint8Array {
  const desc = resourceDesc(typeUrl);
  return protobuf().toBinary(desc, messageFromJson(typeUrl, json));
}

/** Binary protobuf → Envoy proto3 JSON (camelCase names, default values omitted). */
export function decodeResource(typeUrl: string, bytes: Uint8Array): JsonObject {
  const desc = resourceDesc(typeUrl);
  const registry = xdsRegistry();
  const { fromBinary, toJson } = protobuf();
  let message: Message;
  try {
    message = fromBinary(desc, bytes);
  } catch (e) {
    throw new XdsCodecError(typeUrl, [], cleanMessage(e));
  }
  const unknown = findUnknownFields(protobufReflect().reflect(desc, message), [], registry);
  if (unknown !== undefined) throw new XdsCodecError(typeUrl, unknown.path, unknown.message);
  try {
    return toJson(desc, message, { registry }) as JsonObject;
  } catch (e) {
    throw new XdsCodecError(typeUrl, [], cleanMessage(e));
  }
}

/** Wraps encoded resource bytes in a `google.protobuf.Any` for a DiscoveryResponse. */
export function toAny(typeUrl: string, bytes: Uint8Array): Any {
  resourceDesc(typeUrl);
  return protobuf().create(protobufWkt().AnySchema, { typeUrl, value: bytes });
}

/** The binary encoding of an Any (e.g. to build a DiscoveryResponse by hand). */
export function encodeAny(any: Any): Uint8Array {
  return protobuf().toBinary(protobufWkt().AnySchema, any);
}

function cleanMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/^cannot decode (?:message |field |enum )?([\w.]+) from JSON:? ?/, '$1: ');
}

interface Located {
  path: JsonPath;
  message: string;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function accepts(desc: DescMessage, json: JsonValue, registry: Registry): string | undefined {
  try {
    protobuf().fromJson(desc, json, { registry });
    return undefined;
  } catch (e) {
    return cleanMessage(e);
  }
}

/**
 * Finds where fromJson fails, by descending the JSON with the descriptors and asking
 * fromJson about each part. Only runs after a failure, so its cost does not matter.
 */
function locate(desc: DescMessage, json: JsonValue, path: JsonPath, registry: Registry): Located | undefined {
  const whole = accepts(desc, json, registry);
  if (whole === undefined) return undefined;
  if (desc.typeName === 'google.protobuf.Any') {
    if (!isObject(json)) return { path, message: whole };
    const typeUrl = json['@type'];
    if (typeUrl === undefined && Object.keys(json).length === 0) return undefined;
    if (typeof typeUrl !== 'string' || typeUrl === '') return { path: [...path, '@type'], message: '"@type" must be a non-empty string' };
    const inner = registry.getMessage(typeNameOf(typeUrl));
    if (inner === undefined) return { path: [...path, '@type'], message: `${typeUrl} is not a known type` };
    if (protobufWkt().hasCustomJsonRepresentation(inner) && Object.hasOwn(json, 'value')) {
      return locate(inner, json['value'] as JsonValue, [...path, 'value'], registry) ?? { path, message: whole };
    }
    const rest: JsonObject = {};
    for (const [k, v] of Object.entries(json)) if (k !== '@type') rest[k] = v;
    return locate(inner, rest, path, registry) ?? { path, message: whole };
  }
  if (protobufWkt().hasCustomJsonRepresentation(desc) || !isObject(json)) return { path, message: whole };
  const seen = new Map<DescField, string>();
  const oneofs = new Map<string, string>();
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (field === undefined) return { path: [...path, key], message: `unknown field "${key}" in ${desc.typeName}` };
    const before = seen.get(field);
    if (before !== undefined) return { path: [...path, key], message: `field ${field.name} is set twice (as "${before}" and "${key}")` };
    seen.set(field, key);
    if (field.oneof !== undefined && value !== null) {
      const other = oneofs.get(field.oneof.name);
      if (other !== undefined) return { path: [...path, key], message: `oneof ${field.oneof.name} is set twice (by "${other}" and "${key}")` };
      oneofs.set(field.oneof.name, key);
    }
    const alone = accepts(desc, { [key]: value }, registry);
    if (alone === undefined) continue;
    const here: JsonPath = [...path, key];
    if (field.fieldKind === 'message' && value !== null) return locate(field.message, value, here, registry) ?? { path: here, message: alone };
    if (field.fieldKind === 'list' && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i] as JsonValue;
        const itemProblem = accepts(desc, { [key]: [item] }, registry);
        if (itemProblem === undefined) continue;
        if (field.listKind === 'message' && item !== null) return locate(field.message, item, [...here, i], registry) ?? { path: [...here, i], message: itemProblem };
        return { path: [...here, i], message: itemProblem };
      }
    }
    if (field.fieldKind === 'map' && isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        const entryProblem = accepts(desc, { [key]: { [k]: v } }, registry);
        if (entryProblem === undefined) continue;
        if (field.mapKind === 'message' && v !== null) return locate(field.message, v, [...here, k], registry) ?? { path: [...here, k], message: entryProblem };
        return { path: [...here, k], message: entryProblem };
      }
    }
    return { path: here, message: alone };
  }
  return { path, message: whole };
}

/** The first field the descriptors did not know, found by walking the decoded message. */
function findUnknownFields(msg: ReflectMessage, path: JsonPath, registry: Registry): Located | undefined {
  const unknown = msg.getUnknown();
  if (unknown !== undefined && unknown.length > 0) {
    const numbers = unknown.map((u) => u.no).join(', ');
    return { path, message: `unknown field number(s) ${numbers} in ${msg.desc.typeName}` };
  }
  if (msg.desc.typeName === 'google.protobuf.Any') {
    const any = msg.message as Any;
    if (any.typeUrl === '') return undefined;
    const inner = registry.getMessage(typeNameOf(any.typeUrl));
    if (inner === undefined) return { path: [...path, '@type'], message: `${any.typeUrl} is not a known type` };
    const unpacked = protobufWkt().anyUnpack(any, registry);
    if (unpacked === undefined) return undefined;
    return findUnknownFields(protobufReflect().reflect(inner, unpacked), path, registry);
  }
  for (const field of msg.fields) {
    if (!msg.isSet(field)) continue;
    const key = field.jsonName;
    if (field.fieldKind === 'message') {
      const found = findUnknownFields(msg.get(field), [...path, key], registry);
      if (found) return found;
    } else if (field.fieldKind === 'list' && field.listKind === 'message') {
      const list = msg.get(field);
      for (let i = 0; i < list.size; i++) {
        const found = findUnknownFields(list.get(i) as ReflectMessage, [...path, key, i], registry);
        if (found) return found;
      }
    } else if (field.fieldKind === 'map' && field.mapKind === 'message') {
      for (const [k, v] of msg.get(field)) {
        const found = findUnknownFields(v as ReflectMessage, [...path, key, String(k)], registry);
        if (found) return found;
      }
    }
  }
  return undefined;
}
