/** Test helpers for route translation: inline YAML → model → RouteConfigurations of one proxy class. */
import { service as serviceWithPods } from '../../analyze/networking/test-helpers.ts';
import { createTranslateContext } from '../index.ts';
import assert from 'node:assert/strict';
import { register as registerGrpcXds } from '@grpc/grpc-js-xds';
import { RouteConfigurationResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type.js';
import { getPredicateForMatcher } from '@grpc/grpc-js-xds/build/src/route.js';
import { verifyResource } from '../../verify/index.ts';
import { encodeResource } from '../../xds/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { loadSources } from '../../load/index.ts';
import { buildModel } from '../../model/index.ts';
import type { Labels, PolicyModel } from '../../model/index.ts';
import type { SourceFile } from '../../load/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { proxyClass } from '../proxy-class.ts';
import type { Flavor, Resource, TranslateOptions } from '../types.ts';
import { translateRoutes } from './index.ts';

export interface Compiled {
  resources: Resource[];
  diagnostics: Diagnostic[];
  model: PolicyModel;
  /** The resource named `name` (throws when absent). */
  get(name: string): Resource;
}

export interface ProxyOptions {
  namespace?: string;
  labels?: Labels;
  options?: TranslateOptions;
}

export function modelOf(files: Record<string, string> | string | readonly SourceFile[]): PolicyModel {
  const sources: SourceFile[] = typeof files === 'string' ? [{ path: 'policy.yaml', content: files }] : Array.isArray(files) ? [...(files as readonly SourceFile[])] : Object.entries(files as Record<string, string>).map(([path, content]) => ({ path, content }));
  return buildModel(loadSources(sources).documents).model;
}

export function compileRoutes(files: Record<string, string> | string | readonly SourceFile[] | PolicyModel, flavor: Flavor, proxy: ProxyOptions = {}): Compiled {
  const model = typeof files === 'object' && !Array.isArray(files) && 'services' in files ? (files as PolicyModel) : modelOf(files as Record<string, string> | string | readonly SourceFile[]);
  const context = createTranslateContext(model, proxyClass(flavor, proxy.namespace ?? 'default', proxy.labels ?? {}), proxy.options ?? {});
  const resources = translateRoutes(context.ctx);
  const diagnostics: Diagnostic[] = context.diagnostics();
  return {
    resources,
    diagnostics,
    model,
    get(name: string): Resource {
      const found = resources.find((r) => r.name === name);
      if (!found) throw new Error(`no resource ${name}; have ${resources.map((r) => r.name).join(', ')}`);
      return found;
    },
  };
}

/** Virtual host `name` of a RouteConfiguration. */
export function vhost(resource: Resource, name: string): JsonObject {
  const list = resource.json.virtualHosts as JsonObject[];
  const found = list.find((v) => v.name === name);
  if (!found) throw new Error(`no virtual host ${name}; have ${list.map((v) => String(v.name)).join(', ')}`);
  return found;
}

/** The routes of virtual host `name`. */
export function routesOf(resource: Resource, name: string): JsonObject[] {
  return vhost(resource, name).routes as JsonObject[];
}

/** A Kubernetes Service (and a Deployment per version) in YAML; the analyzers' helper with routes' defaults (v1 and v2). */
export function service(name: string, options: { namespace?: string; ports?: readonly (readonly [string, number])[]; versions?: readonly string[] } = {}): string {
  return serviceWithPods(name, options.versions ?? ['v1', 'v2'], options);
}

/** A DestinationRule with subsets v1.. for a host. */
export function subsets(host: string, names: readonly string[] = ['v1', 'v2'], extra = '', namespace = 'default'): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${host.split('.')[0]}, namespace: ${namespace}}
spec:
  host: ${host}
${extra}  subsets:
${names.map((n) => `  - {name: ${n}, labels: {version: ${n}}}`).join('\n')}
`;
}

export function virtualService(name: string, spec: string, namespace = 'default'): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`;
}

export function yaml(...docs: string[]): string {
  return docs.map((d) => d.trimEnd()).join('\n---\n');
}

/** The policy node behind a JSON path of a resource: the source-map entry with the longest matching prefix. */
export function originOf(resource: Resource, path: readonly (string | number)[]): { doc: { name: string; kind: string }; path: readonly (string | number)[] } | undefined {
  let best: Resource['sources'][number] | undefined;
  for (const entry of resource.sources) {
    if (entry.path.length > path.length || (best && entry.path.length <= best.path.length)) continue;
    if (entry.path.every((segment, i) => segment === path[i])) best = entry;
  }
  return best?.origin;
}

/**
 * A RouteConfiguration as a proxyless gRPC client takes it: @grpc/grpc-js-xds decodes and
 * validates it (a failure would be a NACK) and builds every route's matcher, which is where
 * an invalid regex would crash the client. Throws with grpc-js-xds's reason.
 */
export function assertGrpcAccepts(resource: Resource): void {
  registerGrpcXds(); // registers the fault filter, which route overrides are validated against
  const bytes = Buffer.from(encodeResource(resource.typeUrl, resource.json));
  const type = RouteConfigurationResourceType.get();
  const context = {} as unknown as Parameters<typeof type.decode>[0];
  const result = type.decode(context, { type_url: resource.typeUrl, value: bytes });
  assert.equal(result.error, undefined, `${resource.name}: grpc-js-xds rejects it`);
  const value = result.value as { virtual_hosts: { routes: { match: Parameters<typeof getPredicateForMatcher>[0] }[] }[] };
  for (const vh of value.virtual_hosts) for (const r of vh.routes) getPredicateForMatcher(r.match);
}

/** Every resource encodes, breaks no validate rule and, for gRPC, is accepted by grpc-js-xds. */
export function assertUsable(resources: readonly Resource[], flavor: Flavor): void {
  for (const r of resources) {
    encodeResource(r.typeUrl, r.json);
    assert.deepEqual(verifyResource(r.typeUrl, r.json), [], r.name);
    if (flavor === 'grpc') assertGrpcAccepts(r);
  }
}
