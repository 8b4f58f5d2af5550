/**
 * The discovery messages as plain values, and their wire encoding through @bufbuild/protobuf
 * with the committed descriptor set (compiler/xds).
 *
 * Responses are assembled from pieces encoded once. Each resource's `Any` record is the
 * encoding of a response holding only that resource (`toBinary` of `{resources: [any]}`);
 * it is made once per resource version and cached on the SnapshotEntry. A whole response is
 * then the encoding of its scalar fields followed by those records: protobuf defines
 * concatenated encodings of a message as their merge, and a repeated field's merge is the
 * concatenation. So a push costs one small encode and one buffer copy per stream, whatever
 * the number of resources, and the resources themselves are never encoded again.
 */
import type { DescMessage } from '@bufbuild/protobuf';
import type { SnapshotEntry } from '../../compiler/index.ts';
import type { JsonObject } from '../../compiler/xds/index.ts';
import { messageDesc, protobuf } from '../../compiler/xds/index.ts';

export interface Locality {
  region: string;
  zone: string;
  subZone: string;
}

/** The parts of `envoy.config.core.v3.Node` the server uses. */
export interface XdsNode {
  id: string;
  cluster: string;
  userAgentName: string;
  userAgentVersion: string;
  metadata: JsonObject;
  locality: Locality | undefined;
}

/** `google.rpc.Status` of a NACK. */
export interface ErrorDetail {
  code: number;
  message: string;
}

export interface DiscoveryRequest {
  versionInfo: string;
  node: XdsNode | undefined;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  errorDetail: ErrorDetail | undefined;
}

export interface DeltaDiscoveryRequest {
  node: XdsNode | undefined;
  typeUrl: string;
  resourceNamesSubscribe: string[];
  resourceNamesUnsubscribe: string[];
  initialResourceVersions: Record<string, string>;
  responseNonce: string;
  errorDetail: ErrorDetail | undefined;
}

export interface AnyResource {
  typeUrl: string;
  value: Uint8Array;
}

export interface DiscoveryResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: AnyResource[];
  controlPlane: string | undefined;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource: AnyResource | undefined;
}

export interface DeltaDiscoveryResponse {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: DeltaResource[];
  removedResources: string[];
  controlPlane: string | undefined;
}

const PACKAGE = 'envoy.service.discovery.v3';
const descriptors = new Map<string, DescMessage>();

function desc(name: 'DiscoveryRequest' | 'DiscoveryResponse' | 'DeltaDiscoveryRequest' | 'DeltaDiscoveryResponse' | 'Resource'): DescMessage {
  let d = descriptors.get(name);
  if (!d) descriptors.set(name, (d = messageDesc(`${PACKAGE}.${name}`)));
  return d;
}

// ---- shapes of the bufbuild messages read here (fields as @bufbuild/protobuf v2 names them) ----

interface NodeMessage {
  id: string;
  cluster: string;
  metadata?: JsonObject;
  locality?: Locality;
  userAgentName: string;
  userAgentVersionType: { case: 'userAgentVersion'; value: string } | { case: string | undefined; value?: unknown };
}

interface StatusMessage {
  code: number;
  message: string;
}

interface AnyMessage {
  typeUrl: string;
  value: Uint8Array;
}

function nodeFrom(message: NodeMessage | undefined): XdsNode | undefined {
  if (!message) return undefined;
  const version = message.userAgentVersionType;
  return {
    id: message.id,
    cluster: message.cluster,
    userAgentName: message.userAgentName,
    userAgentVersion: version.case === 'userAgentVersion' && typeof version.value === 'string' ? version.value : '',
    metadata: message.metadata ?? {},
    locality: message.locality ? { region: message.locality.region, zone: message.locality.zone, subZone: message.locality.subZone } : undefined,
  };
}

/**
 * A NACK carries a non-OK status. An ACK normally has none; a present but empty status
 * (code 0, no message) is treated as an ACK too.
 */
function errorFrom(status: StatusMessage | undefined): ErrorDetail | undefined {
  if (!status || (status.code === 0 && status.message === '')) return undefined;
  return { code: status.code, message: status.message };
}

function controlPlaneFrom(value: { identifier: string } | undefined): string | undefined {
  return value?.identifier || undefined;
}

// ---- server side: requests in, responses out ----

export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest {
  const m = protobuf().fromBinary(desc('DiscoveryRequest'), bytes) as unknown as {
    versionInfo: string;
    node?: NodeMessage;
    resourceNames: string[];
    typeUrl: string;
    responseNonce: string;
    errorDetail?: StatusMessage;
  };
  return {
    versionInfo: m.versionInfo,
    node: nodeFrom(m.node),
    resourceNames: m.resourceNames,
    typeUrl: m.typeUrl,
    responseNonce: m.responseNonce,
    errorDetail: errorFrom(m.errorDetail),
  };
}

export function decodeDeltaDiscoveryRequest(bytes: Uint8Array): DeltaDiscoveryRequest {
  const m = protobuf().fromBinary(desc('DeltaDiscoveryRequest'), bytes) as unknown as {
    node?: NodeMessage;
    typeUrl: string;
    resourceNamesSubscribe: string[];
    resourceNamesUnsubscribe: string[];
    initialResourceVersions: Record<string, string>;
    responseNonce: string;
    errorDetail?: StatusMessage;
  };
  return {
    node: nodeFrom(m.node),
    typeUrl: m.typeUrl,
    resourceNamesSubscribe: m.resourceNamesSubscribe,
    resourceNamesUnsubscribe: m.resourceNamesUnsubscribe,
    initialResourceVersions: { ...m.initialResourceVersions },
    responseNonce: m.responseNonce,
    errorDetail: errorFrom(m.errorDetail),
  };
}

/** What a state-of-the-world response is made of. */
export interface DiscoveryResponseParts {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: readonly SnapshotEntry[];
  controlPlane?: string | undefined;
}

export interface DeltaDiscoveryResponseParts {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: readonly SnapshotEntry[];
  removedResources: readonly string[];
  controlPlane?: string | undefined;
}

// Entries are immutable and shared by every snapshot and class that holds the same content,
// so their encoded records can be cached on them, and are collected with them.
const sotwRecords = new WeakMap<SnapshotEntry, Uint8Array>();
const deltaRecords = new WeakMap<SnapshotEntry, Uint8Array>();

/** `resources` field record (tag, length, Any) of a DiscoveryResponse: encoded once per entry. */
export function sotwResourceRecord(entry: SnapshotEntry): Uint8Array {
  let record = sotwRecords.get(entry);
  if (!record) {
    const { create, toBinary } = protobuf();
    const d = desc('DiscoveryResponse');
    record = toBinary(d, create(d, { resources: [{ typeUrl: entry.typeUrl, value: entry.bytes() }] } as never));
    sotwRecords.set(entry, record);
  }
  return record;
}

/** `resources` field record (a `Resource` with name, version and Any) of a DeltaDiscoveryResponse. */
export function deltaResourceRecord(entry: SnapshotEntry): Uint8Array {
  let record = deltaRecords.get(entry);
  if (!record) {
    const { create, toBinary } = protobuf();
    const d = desc('DeltaDiscoveryResponse');
    const resource = { name: entry.name, version: entry.version, resource: { typeUrl: entry.typeUrl, value: entry.bytes() } };
    record = toBinary(d, create(d, { resources: [resource] } as never));
    deltaRecords.set(entry, record);
  }
  return record;
}

function assemble(head: Uint8Array, records: readonly Uint8Array[]): Buffer {
  let length = head.length;
  for (const r of records) length += r.length;
  return Buffer.concat([head, ...records], length);
}

export function encodeDiscoveryResponse(parts: DiscoveryResponseParts): Buffer {
  const { create, toBinary } = protobuf();
  const d = desc('DiscoveryResponse');
  const head = toBinary(
    d,
    create(d, {
      versionInfo: parts.versionInfo,
      typeUrl: parts.typeUrl,
      nonce: parts.nonce,
      ...(parts.controlPlane ? { controlPlane: { identifier: parts.controlPlane } } : {}),
    } as never),
  );
  return assemble(head, parts.resources.map(sotwResourceRecord));
}

export function encodeDeltaDiscoveryResponse(parts: DeltaDiscoveryResponseParts): Buffer {
  const { create, toBinary } = protobuf();
  const d = desc('DeltaDiscoveryResponse');
  const head = toBinary(
    d,
    create(d, {
      systemVersionInfo: parts.systemVersionInfo,
      typeUrl: parts.typeUrl,
      nonce: parts.nonce,
      removedResources: [...parts.removedResources],
      ...(parts.controlPlane ? { controlPlane: { identifier: parts.controlPlane } } : {}),
    } as never),
  );
  return assemble(head, parts.resources.map(deltaResourceRecord));
}

// ---- client side: requests out, responses in ----

export interface NodeInit {
  id: string;
  cluster?: string;
  userAgentName?: string;
  userAgentVersion?: string;
  metadata?: JsonObject;
  locality?: Partial<Locality>;
}

function nodeInit(node: NodeInit | undefined): object | undefined {
  if (!node) return undefined;
  return {
    id: node.id,
    cluster: node.cluster ?? '',
    userAgentName: node.userAgentName ?? '',
    ...(node.userAgentVersion ? { userAgentVersionType: { case: 'userAgentVersion', value: node.userAgentVersion } } : {}),
    ...(node.metadata ? { metadata: node.metadata } : {}),
    ...(node.locality ? { locality: node.locality } : {}),
  };
}

export interface DiscoveryRequestInit {
  typeUrl: string;
  versionInfo?: string;
  node?: NodeInit;
  resourceNames?: readonly string[];
  responseNonce?: string;
  errorDetail?: ErrorDetail;
}

export interface DeltaDiscoveryRequestInit {
  typeUrl: string;
  node?: NodeInit;
  resourceNamesSubscribe?: readonly string[];
  resourceNamesUnsubscribe?: readonly string[];
  initialResourceVersions?: Readonly<Record<string, string>>;
  responseNonce?: string;
  errorDetail?: ErrorDetail;
}

export function encodeDiscoveryRequest(init: DiscoveryRequestInit): Buffer {
  const { create, toBinary } = protobuf();
  const d = desc('DiscoveryRequest');
  const message = create(d, {
    typeUrl: init.typeUrl,
    versionInfo: init.versionInfo ?? '',
    node: nodeInit(init.node),
    resourceNames: [...(init.resourceNames ?? [])],
    responseNonce: init.responseNonce ?? '',
    errorDetail: init.errorDetail,
  } as never);
  return Buffer.from(toBinary(d, message));
}

export function encodeDeltaDiscoveryRequest(init: DeltaDiscoveryRequestInit): Buffer {
  const { create, toBinary } = protobuf();
  const d = desc('DeltaDiscoveryRequest');
  const message = create(d, {
    typeUrl: init.typeUrl,
    node: nodeInit(init.node),
    resourceNamesSubscribe: [...(init.resourceNamesSubscribe ?? [])],
    resourceNamesUnsubscribe: [...(init.resourceNamesUnsubscribe ?? [])],
    initialResourceVersions: { ...init.initialResourceVersions },
    responseNonce: init.responseNonce ?? '',
    errorDetail: init.errorDetail,
  } as never);
  return Buffer.from(toBinary(d, message));
}

export function decodeDiscoveryResponse(bytes: Uint8Array): DiscoveryResponse {
  const m = protobuf().fromBinary(desc('DiscoveryResponse'), bytes) as unknown as {
    versionInfo: string;
    typeUrl: string;
    nonce: string;
    resources: AnyMessage[];
    controlPlane?: { identifier: string };
  };
  return {
    versionInfo: m.versionInfo,
    typeUrl: m.typeUrl,
    nonce: m.nonce,
    resources: m.resources.map((r) => ({ typeUrl: r.typeUrl, value: r.value })),
    controlPlane: controlPlaneFrom(m.controlPlane),
  };
}

export function decodeDeltaDiscoveryResponse(bytes: Uint8Array): DeltaDiscoveryResponse {
  const m = protobuf().fromBinary(desc('DeltaDiscoveryResponse'), bytes) as unknown as {
    systemVersionInfo: string;
    typeUrl: string;
    nonce: string;
    resources: { name: string; version: string; resource?: AnyMessage }[];
    removedResources: string[];
    controlPlane?: { identifier: string };
  };
  return {
    systemVersionInfo: m.systemVersionInfo,
    typeUrl: m.typeUrl,
    nonce: m.nonce,
    resources: m.resources.map((r) => ({
      name: r.name,
      version: r.version,
      resource: r.resource ? { typeUrl: r.resource.typeUrl, value: r.resource.value } : undefined,
    })),
    removedResources: m.removedResources,
    controlPlane: controlPlaneFrom(m.controlPlane),
  };
}
