/**
 * Test support for the cluster translation: policy YAML → translateClusters for one proxy
 * class, and the checks every output must pass — it encodes with the Envoy protos, breaks no
 * validate rule, and (grpc flavor) @grpc/grpc-js-xds's own resource validation accepts it.
 */
import { createTranslateContext } from '../index.ts';
import assert from 'node:assert/strict';
import { ClusterResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js';
import { EndpointResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { Labels, PolicyModel } from '../../model/index.ts';
import { validateSources } from '../../validate.ts';
import { verifyResource } from '../../verify/index.ts';
import { encodeResource, RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { proxyClass } from '../proxy-class.ts';
import type { Flavor, Resource } from '../types.ts';
import { translateClusters } from './index.ts';

/** The value at a dotted path (`a.b.0.c`; numbers index arrays) of a JSON tree, or undefined. */
export function get(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path === '' ? [] : path.split('.')) {
    if (Array.isArray(at)) at = /^\d+$/.test(key) ? at[Number(key)] : undefined;
    else if (typeof at === 'object' && at !== null) at = (at as Record<string, unknown>)[key];
    else return undefined;
  }
  return at;
}

/** A cluster's HttpProtocolOptions extension (its key has dots, so `get` cannot name it). */
export function httpOptions(cluster: unknown): unknown {
  const options = get(cluster, 'typedExtensionProtocolOptions');
  return typeof options === 'object' && options !== null ? (options as Record<string, unknown>)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] : undefined;
}

/** The array at a path (an empty array when there is none). */
export function list(value: unknown, path: string): unknown[] {
  const found = get(value, path);
  return Array.isArray(found) ? found : [];
}

/** `address:port` of every endpoint of an assignment (or inline loadAssignment), by locality. */
export function addresses(assignment: unknown): string[] {
  return list(assignment, 'endpoints').flatMap((locality) =>
    list(locality, 'lbEndpoints').map((e) => `${String(get(e, 'endpoint.address.socketAddress.address'))}:${String(get(e, 'endpoint.address.socketAddress.portValue'))}`),
  );
}

export interface Compiled {
  resources: Resource[];
  diagnostics: Diagnostic[];
  cluster(name: string): JsonObject;
  assignment(name: string): JsonObject;
  resource(typeUrl: string, name: string): Resource;
  /** `path -> Kind name [origin path]` for every source-map entry of a resource. */
  sources(typeUrl: string, name: string): string[];
  codes(): string[];
}

export function modelOf(files: Record<string, string> | string): PolicyModel {
  const map = typeof files === 'string' ? { 'policy.yaml': files } : files;
  return validateSources(Object.entries(map).map(([path, content]) => ({ path, content }))).model;
}

export function translateModel(model: PolicyModel, flavor: Flavor, namespace = 'default', labels: Labels = {}): Compiled {
  const { ctx, diagnostics: findings } = createTranslateContext(model, proxyClass(flavor, namespace, labels));
  const resources = translateClusters(ctx);
  const diagnostics: Diagnostic[] = findings();
  const resource = (typeUrl: string, name: string): Resource => {
    const found = resources.find((r) => r.typeUrl === typeUrl && r.name === name);
    assert.ok(found, `no ${typeUrl.slice(typeUrl.lastIndexOf('.') + 1)} ${name}; have ${resources.map((r) => r.name).join(', ')}`);
    return found;
  };
  return {
    resources,
    diagnostics,
    resource,
    cluster: (name) => resource(RESOURCE_TYPE_URLS.cluster, name).json,
    assignment: (name) => resource(RESOURCE_TYPE_URLS.clusterLoadAssignment, name).json,
    sources: (typeUrl, name) =>
      resource(typeUrl, name).sources.map((s) => `${JSON.stringify(s.path)} -> ${s.origin.doc.kind} ${s.origin.doc.name} ${JSON.stringify(s.origin.path)}`),
    codes: () => diagnostics.map((d) => d.code).sort(),
  };
}

export function compile(files: Record<string, string> | string, flavor: Flavor, namespace = 'default', labels: Labels = {}): Compiled {
  return translateModel(modelOf(files), flavor, namespace, labels);
}

const decodeContext = { server: {}, bootstrap: { certificateProviders: { default: {} } } };

/** What @grpc/grpc-js-xds makes of a resource: its error (a NACK), or its decoded update. */
export function grpcDecode(resource: Resource): { error?: string; value?: unknown } {
  const bytes = Buffer.from(encodeResource(resource.typeUrl, resource.json));
  const type = resource.typeUrl === RESOURCE_TYPE_URLS.cluster ? ClusterResourceType.get() : EndpointResourceType.get();
  const context = decodeContext as unknown as Parameters<typeof type.decode>[0];
  const result = type.decode(context, { type_url: resource.typeUrl, value: bytes });
  return result.error !== undefined ? { error: result.error } : { value: result.value };
}

/** Every resource encodes, breaks no validate rule, and (grpc) is accepted by grpc-js-xds. */
export function assertUsable(resources: readonly Resource[], flavor: Flavor): void {
  const problems: string[] = [];
  for (const r of resources) {
    try {
      encodeResource(r.typeUrl, r.json);
    } catch (e) {
      problems.push(`${r.name}: ${(e as Error).message}`);
      continue;
    }
    for (const v of verifyResource(r.typeUrl, r.json)) problems.push(`${r.name}: ${v.rule} at ${v.path.join('.')}: ${v.message}`);
    if (flavor === 'grpc') {
      const decoded = grpcDecode(r);
      if (decoded.error !== undefined) problems.push(`${r.name}: grpc-js-xds rejects it: ${decoded.error}`);
    }
  }
  assert.deepEqual(problems, []);
}
