import type { CodeDefinition, Diagnostic, Located, ReportOptions } from '../diagnostics/index.ts';
import type { Labels, ModelIndex, Origin, PolicyModel } from '../model/index.ts';
import type { JsonObject, ResourceTypeUrl } from '../xds/index.ts';

/** `envoy`: sidecar proxies. `grpc`: proxyless gRPC (@grpc/grpc-js-xds and friends). */
export type Flavor = 'envoy' | 'grpc';

/**
 * Proxies that receive the same configuration: same flavor, namespace and workload labels.
 * sluice compiles once per class, never per node.
 */
export interface ProxyClass {
  flavor: Flavor;
  namespace: string;
  labels: Labels;
  /** Canonical key: `flavor/namespace/k1=v1,k2=v2` (labels sorted). */
  key: string;
}

/** One step of a path inside a resource's JSON. */
export type JsonPathSegment = string | number;

/** A policy node that produced the subtree of a resource at `path`. */
export interface SourceMapEntry {
  path: readonly JsonPathSegment[];
  origin: Origin;
}

/** An Envoy v3 resource as Envoy proto3 JSON (camelCase names, durations as "5s", Any with "@type"). */
export interface Resource {
  typeUrl: ResourceTypeUrl;
  name: string;
  json: JsonObject;
  /**
   * Where its parts came from. The longest `path` prefix of a location wins; an entry at
   * `[]` names the policy the whole resource comes from (absent for resources that no
   * single policy causes, such as a default route).
   */
  sources: SourceMapEntry[];
}

/**
 * Weights the rollout controller sets on a route, compiled as an input (never a patch on the
 * output): for the HTTP route `route` (name or index) of VirtualService namespace/name, the
 * weight of each subset.
 */
export interface WeightOverlay {
  namespace: string;
  virtualService: string;
  route: string | number;
  weights: Readonly<Record<string, number>>;
  /**
   * A route inserted just before the target route: the same match plus these headers, all of
   * its traffic to `subset` (a rollout's `setHeaderRoute` step).
   */
  headerRoute?: HeaderRouteOverlay;
  /** A copy of `percentage`% of the route's requests to `subset` (a rollout's `setMirrorRoute` step). */
  mirror?: MirrorOverlay;
}

/** Argo Rollouts' header match: one header, one of exact / prefix / regex. */
export interface HeaderRouteMatch {
  headerName: string;
  headerValue: Readonly<{ exact?: string; prefix?: string; regex?: string }>;
}

export interface HeaderRouteOverlay {
  /** Route name (default: the target route's name + `-canary-header`). */
  name?: string;
  match: readonly HeaderRouteMatch[];
  subset: string;
}

export interface MirrorOverlay {
  subset: string;
  /** 0..100, fractions allowed. */
  percentage: number;
}

export interface TranslateOptions {
  overlays?: readonly WeightOverlay[];
  /**
   * Called with the resources of the large kinds (outbound clusters and their assignments;
   * gRPC route configurations and client listeners) as soon as each is final: a check over it
   * then finds it in the CPU caches, where a pass over 60,000 resources after translation
   * finds each cold (compileModel verifies them here). A resource passed here is not changed
   * afterwards (it may still be dropped, as a gRPC listener whose name another service wins).
   */
  built?: (resource: Resource) => void;
}

/** What every part of the translator gets. */
export interface TranslateContext {
  model: PolicyModel;
  index: ModelIndex;
  proxy: ProxyClass;
  options: TranslateOptions;
  /** A policy feature the flavor cannot express, and the like: never silent loss. */
  report(diagnostic: Diagnostic): void;
  /**
   * The same, with the position computed only if the finding is listed: past
   * FINDINGS_LISTED_PER_CODE findings of one code in one translation, the rest are counted
   * in one summary finding instead (a fleet-wide setting can cause thousands).
   */
  reportAt(def: CodeDefinition, locate: () => Located, message: string, options?: ReportOptions): void;
  /**
   * `count` more findings of `def` that would not be listed (FINDINGS_LISTED_PER_CODE of it
   * were reported already): counted in its summary without making them. Incremental
   * translation uses it to replay thousands of findings at once.
   */
  reportUnlisted?(def: CodeDefinition, count: number): void;
}

export interface TranslateResult {
  proxy: ProxyClass;
  resources: Resource[];
  diagnostics: Diagnostic[];
}
