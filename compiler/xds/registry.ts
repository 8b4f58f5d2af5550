/**
 * The Envoy xDS v3 descriptors, loaded lazily from the committed FileDescriptorSet
 * (`generated/envoy.binpb`, made by `npm run gen:descriptors`).
 *
 * Nothing is read until the first call, so commands that never touch xDS (most of the CLI)
 * pay nothing (@bufbuild/protobuf itself is loaded lazily too, see pb.ts). The first call
 * costs roughly 30–60 ms (load @bufbuild/protobuf, decode the set, build the registry).
 */
import { readFileSync } from 'node:fs';
import type { DescExtension, DescMessage, FileRegistry } from '@bufbuild/protobuf';
import { protobuf, protobufWkt } from './pb.ts';
import { typeNameOf } from './type-urls.ts';

const DESCRIPTOR_SET_URL = new URL('./generated/envoy.binpb', import.meta.url);

let registry: FileRegistry | undefined;

/** The registry of every message, enum and extension in the committed descriptor set. */
export function xdsRegistry(): FileRegistry {
  if (registry === undefined) {
    const { createFileRegistry, fromBinary } = protobuf();
    const set = fromBinary(protobufWkt().FileDescriptorSetSchema, readFileSync(DESCRIPTOR_SET_URL));
    registry = createFileRegistry(set);
  }
  return registry;
}

/** The message descriptor for a type URL or a fully-qualified type name, if known. */
export function findMessage(typeUrlOrName: string): DescMessage | undefined {
  return xdsRegistry().getMessage(typeNameOf(typeUrlOrName));
}

/** Like findMessage, but throws for an unknown type. */
export function messageDesc(typeUrlOrName: string): DescMessage {
  const desc = findMessage(typeUrlOrName);
  if (desc === undefined) throw new Error(`unknown xDS type ${typeUrlOrName}`);
  return desc;
}

/** An extension (e.g. `validate.rules`) from the descriptor set; throws when absent. */
export function extensionDesc(name: string): DescExtension {
  const ext = xdsRegistry().getExtension(name);
  if (ext === undefined) throw new Error(`extension ${name} is not in the xDS descriptor set`);
  return ext;
}
