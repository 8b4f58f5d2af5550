/**
 * What a policy change does to traffic: the result of `diffPolicies(base, head)`.
 *
 * Everything here is computed on the resolved model, so reordering YAML, renaming files or
 * renaming a VirtualService is no change. Values meant for people (match conditions,
 * route settings, cluster settings, callers) are rendered once here, so every output
 * format says the same thing; splits stay structured (label + exact fraction).
 */

export type Side = 'base' | 'head';

/** The policy node a change is about: in head, or in base for something removed. */
export interface DiffLocation {
  side: Side;
  file: string;
  /** 1-based. */
  line: number;
  col: number;
}

/** An exact share: `num / den` of the traffic, reduced; `percent` is `num * 100 / den`. Nothing is `{0, 1, 0}`. */
export interface Fraction {
  num: number;
  den: number;
  percent: number;
}

/** Where a share of the requests goes. */
export type Target =
  | { kind: 'service'; host: string; subset?: string; port?: number }
  | { kind: 'redirect'; to: string }
  | { kind: 'direct-response'; status: number }
  | { kind: 'delegate'; to: string }
  /** No route matches: HTTP 404 (NR), or an unrouted connection for TCP. */
  | { kind: 'no-route' };

export interface Share {
  /**
   * How the destination is shown, relative to the service it is listed under: `v1` (a
   * subset of that service), `reviews (all endpoints)` (the service as a whole, no subset), `ratings.shop/v2`
   * (another service's subset; a port other than the service's as `:9090` after the host), `redirect uri=/login`, `no route`.
   */
  label: string;
  target: Target;
  share: Fraction;
}

/** How requests are spread: shares with a weight above 0, sorted by label. Empty = nowhere (all weights 0). */
export type Split = readonly Share[];

export interface ShareChange {
  label: string;
  target: Target;
  /** `{0, 1, 0}` when the destination got nothing on that side. */
  before: Fraction;
  after: Fraction;
}

/** The split of a service's default (catch-all) traffic, when it changed. */
export interface TrafficChange {
  before: Split;
  after: Split;
  /** Every destination of either side (before's in order, then new ones), unchanged ones included. */
  shares: ShareChange[];
  location: DiffLocation;
}

/** One route as it applies to the service and port it is listed under. */
export interface RouteView {
  name?: string;
  /** Match conditions, alternatives (OR); each alternative's conditions joined with ` and `. Empty = every request. */
  match: string[];
  destinations: Split;
  /** Settings that are set (timeout, retries, fault, mirror, rewrite, headers, corsPolicy), rendered, by name. */
  settings: Record<string, string>;
}

/** A setting before → after; `before`/`after` are rendered values, `unset` when not set. */
export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface RouteChange {
  change: 'added' | 'removed' | 'changed';
  /** `"name"`, or the match conditions, or `all requests` for a catch-all route. */
  title: string;
  before?: RouteView;
  after?: RouteView;
  /** For `changed`: what differs (`destinations`, `timeout`, `retries`, `fault`, `mirror`, ...). */
  fields: FieldChange[];
  location: DiffLocation;
}

/** A class of requests whose destination changed. */
export interface Reroute {
  /** `requests matching headers end-user exact "jason"`, `all other requests`. */
  requests: string;
  /** The class's conditions (one alternative); undefined for the requests no explicit condition matches. */
  match?: string;
  before: Split;
  after: Split;
  /**
   * Some of these requests may match an earlier route whose conditions overlap but do not
   * cover them; they are not counted here.
   */
  partial?: boolean;
  location: DiffLocation;
}

export interface ClusterChange {
  /** `added`/`removed`: a subset (or a service-wide cluster with settings) appears or disappears. */
  change: 'added' | 'removed' | 'changed';
  host: string;
  port?: number;
  /** Undefined for the service-wide cluster (`outbound|9080||host`). */
  subset?: string;
  /** Cluster name as Istio spells it, e.g. `outbound|9080|v1|reviews.default.svc.cluster.local`. */
  name: string;
  /** `labels`, `loadBalancer`, `connectionPool`, `outlierDetection`, `tls`. */
  fields: FieldChange[];
  location: DiffLocation;
}

/** Traffic, routes and clusters of one service port (or one gateway-bound host), where something changed. */
export interface ServiceDiff {
  /** `reviews.default.svc.cluster.local:9080`, or `* (gateway default/bookinfo-gateway)`. */
  title: string;
  host: string;
  port?: number;
  /** Undefined for mesh (sidecar) traffic; `namespace/name` for routes bound to a gateway. */
  gateway?: string;
  traffic?: TrafficChange;
  routes: RouteChange[];
  rerouted: Reroute[];
  clusters: ClusterChange[];
}

/** One allowed (or denied) kind of request: who, to what, under which conditions. */
export interface Grant {
  /** `cluster.local/ns/shop/sa/reviews`, `namespace shop`, `anyone`, `anyone except namespace foo`. */
  from: string;
  /** `GET|POST /api/*`, `port 9080`; undefined = any operation. */
  to?: string;
  /** `request.auth.claims[group] = admins`; undefined = unconditionally. */
  when?: string;
  /** `from`, with `to` and `when` in parentheses: what the outputs list. */
  text: string;
}

/** Who may call a workload, as Istio's AuthorizationPolicy semantics decide it. */
export interface Access {
  /** `anyone` (no ALLOW policy), `no one` (ALLOW policies without rules), or what the ALLOW rules admit. DENY still wins. */
  allow: 'anyone' | 'no one' | Grant[];
  /** What DENY policies reject (checked before ALLOW). */
  deny: Grant[];
  /** CUSTOM (external authorization) providers consulted first. */
  custom: string[];
}

/** The peer-authentication mode a workload accepts. */
export interface MtlsView {
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
  /** Port-level overrides (workload policies only), port → mode. */
  ports: Record<string, 'STRICT' | 'PERMISSIVE' | 'DISABLE'>;
  /** True when no PeerAuthentication sets the mode (Istio's default, PERMISSIVE). */
  default: boolean;
  /** `STRICT`, `PERMISSIVE (default)`, `STRICT, port 8080 PERMISSIVE`. */
  text: string;
}

/** Whose access changed. */
export interface Subject {
  /**
   * `service`: every workload behind a service changed alike; `workload`: one workload;
   * `selector`/`namespace`/`mesh`: the repository declares no workloads there, so the
   * policies' own scope is the subject.
   */
  kind: 'service' | 'workload' | 'selector' | 'namespace' | 'mesh';
  /** `ratings.default.svc.cluster.local`, `default/reviews-v1`, `shop: app=ratings`, `namespace shop`, `mesh`. */
  name: string;
  namespace: string;
  /** The workloads it stands for, `namespace/name`. */
  workloads: string[];
}

export interface AccessChange {
  subject: Subject;
  /** Present when who can call changed (allow, deny or custom rules). */
  access?: { before: Access; after: Access };
  /** Present when the accepted mTLS mode changed. */
  mtls?: { before: MtlsView; after: MtlsView };
  location: DiffLocation;
}

export interface PolicyDiff {
  /** Sorted by host, port, then gateway (mesh first). */
  services: ServiceDiff[];
  /** Sorted by subject name. */
  access: AccessChange[];
}
