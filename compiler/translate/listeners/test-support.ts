/**
 * Test helpers: compile listeners from YAML, and judge them with a real data plane —
 * @grpc/grpc-js-xds's own Listener validation (what it would NACK) and its RBAC engine
 * (what it would allow). Never imported by runtime code.
 */
import { createTranslateContext } from '../index.ts';
import { createRequire } from 'node:module';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { SourceFile } from '../../load/index.ts';
import type { PolicyModel } from '../../model/index.ts';
import { validateSources } from '../../validate.ts';
import type { JsonObject, JsonValue } from '../../xds/index.ts';
import { encodeResource, RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { proxyClass } from '../proxy-class.ts';
import type { Flavor, Resource } from '../types.ts';
import { translateListeners } from './index.ts';

export interface Compiled {
  resources: Resource[];
  diagnostics: Diagnostic[];
  model: PolicyModel;
}

export function translateModel(model: PolicyModel, flavor: Flavor, namespace: string, labels: Record<string, string> = {}): Compiled {
  const { ctx, diagnostics } = createTranslateContext(model, proxyClass(flavor, namespace, labels));
  const resources = translateListeners(ctx);
  return { resources, diagnostics: diagnostics(), model };
}

export function compile(files: SourceFile[] | string, flavor: Flavor, namespace: string, labels: Record<string, string> = {}): Compiled {
  const sources = typeof files === 'string' ? [{ path: 'policy.yaml', content: files }] : files;
  return translateModel(validateSources(sources).model, flavor, namespace, labels);
}

export function listener(compiled: Compiled, name: string): Resource {
  const found = compiled.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no listener ${name}; have ${compiled.resources.map((r) => r.name).join(', ')}`);
  return found;
}

/** The value at a JSON path. */
export function dig(json: JsonValue | undefined, ...path: (string | number)[]): JsonValue | undefined {
  let node = json;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, JsonValue>)[segment];
  }
  return node;
}

/** Every JSON path of leaves and containers, depth first. */
export function allPaths(json: JsonValue, base: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(base);
  if (Array.isArray(json)) json.forEach((v, i) => allPaths(v, [...base, i], out));
  else if (json !== null && typeof json === 'object') for (const [k, v] of Object.entries(json)) allPaths(v, [...base, k], out);
  return out;
}

// ------------------------------------------------------------------- @grpc/grpc-js-xds

interface AnyOutput {
  type_url: string;
  value: Buffer;
}

interface GrpcXds {
  validate(bytes: Uint8Array): string | undefined;
  decodeListener(bytes: Uint8Array): { filter_chains: { filters: { typed_config?: AnyOutput }[] }[] };
  decodeHcm(bytes: Uint8Array): { http_filters: { name: string; typed_config: AnyOutput }[] };
  rbac(typedConfig: unknown): { apply(info: unknown): boolean } | undefined;
  Metadata: new () => { set(key: string, value: string): void };
}

let grpc: GrpcXds | undefined;

function grpcXds(): GrpcXds {
  if (grpc) return grpc;
  process.env.GRPC_XDS_EXPERIMENTAL_RBAC = 'true';
  const require = createRequire(import.meta.url);
  require('@grpc/grpc-js-xds').register();
  const { ListenerResourceType } = require('@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type.js');
  const { parseTopLevelFilterConfig } = require('@grpc/grpc-js-xds/build/src/http-filter.js');
  const { decodeSingleResource } = require('@grpc/grpc-js-xds/build/src/resources.js');
  const { Metadata } = require('@grpc/grpc-js');
  const context = { bootstrap: { certificateProviders: { default: {} } }, server: {} };
  grpc = {
    validate(bytes) {
      const result = ListenerResourceType.get().decode(context, { type_url: RESOURCE_TYPE_URLS.listener, value: Buffer.from(bytes) });
      return result.error;
    },
    decodeListener(bytes) {
      return decodeSingleResource(RESOURCE_TYPE_URLS.listener, Buffer.from(bytes));
    },
    decodeHcm(bytes) {
      return decodeSingleResource('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', Buffer.from(bytes));
    },
    rbac(typedConfig) {
      return parseTopLevelFilterConfig(typedConfig, false)?.config;
    },
    Metadata,
  };
  return grpc;
}

/** What @grpc/grpc-js-xds says about a Listener: undefined when it accepts it, else its NACK reason. */
export function grpcValidate(resource: Resource): string | undefined {
  return grpcXds().validate(encodeResource(resource.typeUrl, resource.json));
}

export interface Request {
  /** SPIFFE identity of the client certificate (`cluster.local/ns/x/sa/y`); absent = plaintext. */
  principal?: string;
  path?: string;
  headers?: Record<string, string>;
  sourceIp?: string;
  destinationIp?: string;
  destinationPort?: number;
  authority?: string;
}

/**
 * A decision function over the RBAC filters of an HTTP connection manager, evaluated by
 * @grpc/grpc-js-xds's RBAC engine (filters in order; any one rejecting denies). The HCM
 * goes through a server listener, so it is validated as a gRPC server would.
 */
export function grpcRbac(hcm: JsonObject): (request: Request) => boolean {
  const x = grpcXds();
  const bytes = encodeResource(RESOURCE_TYPE_URLS.listener, {
    name: 'probe',
    address: { socketAddress: { address: '127.0.0.1', portValue: 1 } },
    filterChains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typedConfig: hcm }] }],
  });
  const error = x.validate(bytes);
  if (error) throw new Error(error);
  const decoded = x.decodeListener(bytes);
  const hcmAny = decoded.filter_chains[0]?.filters[0]?.typed_config;
  if (!hcmAny) throw new Error('no HCM');
  const groups = x
    .decodeHcm(hcmAny.value)
    .http_filters.filter((f) => f.typed_config.type_url.endsWith('rbac.v3.RBAC'))
    .map((f) => {
      const group = x.rbac(f.typed_config);
      if (!group) throw new Error(`grpc-js-xds rejects RBAC filter ${f.name}`);
      return group;
    });
  return (request) => {
    const headers = new x.Metadata();
    for (const [k, v] of Object.entries(request.headers ?? {})) headers.set(k, v);
    headers.set(':method', 'POST');
    headers.set(':authority', request.authority ?? 'server.test:50051');
    const path = request.path ?? '/pkg.Service/Method';
    headers.set(':path', path);
    const info = {
      destinationIp: request.destinationIp ?? '127.0.0.1',
      destinationPort: request.destinationPort ?? 50051,
      sourceIp: request.sourceIp ?? '127.0.0.1',
      headers,
      tls: request.principal !== undefined,
      peerCertificate: request.principal === undefined ? null : { subjectaltname: `URI:spiffe://${request.principal}`, subject: {} },
      urlPath: path,
    };
    return groups.every((g) => g.apply(info));
  };
}
