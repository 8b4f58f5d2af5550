/**
 * compiler/xds — the Envoy xDS v3 type layer: type URLs, descriptors, and the codec between
 * Envoy proto3 JSON (sluice's representation of resources) and binary protobuf.
 */
export type { JsonObject, JsonPath, JsonValue } from './codec.ts';
export { decodeResource, encodeAny, encodeResource, formatPath, messageFromJson, toAny, XdsCodecError } from './codec.ts';
export { protobuf, protobufReflect, protobufWkt } from './pb.ts';
export { extensionDesc, findMessage, messageDesc, xdsRegistry } from './registry.ts';
export type { ResourceKind, ResourceTypeUrl } from './type-urls.ts';
export { EXTENSION_TYPE_URLS, RESOURCE_TYPE_URLS, TYPE_URL_PREFIX, typeNameOf, typeUrlOf } from './type-urls.ts';
