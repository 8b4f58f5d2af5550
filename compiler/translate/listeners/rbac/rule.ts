/**
 * One AuthorizationPolicy rule → one Envoy RBAC `Policy`, with Istio's semantics:
 * `from` entries OR'ed (principals), `to` entries OR'ed (permissions), `when` conditions
 * AND'ed into every one of them; inside an entry every field AND'ed; a field's values OR'ed;
 * `notX` fields negate the OR of their values. An empty list counts as absent.
 *
 * What a listener cannot evaluate fails closed, as Istio does for HTTP fields on TCP
 * ports: an ALLOW rule that needs it is dropped (it allows nothing); in a DENY rule only
 * that field is dropped (the rule denies more). Values that cannot be translated (a bad
 * CIDR, port or key) are handled the same way.
 */
import type { AuthorizationPolicy } from '../../../model/index.ts';
import type { PathSegment } from '../../../load/types.ts';
import type { JsonObject } from '../../../xds/index.ts';
import { claimPrincipal, requestPrincipal } from './jwt-claims.ts';
import {
  cidr,
  headerValue,
  hostMatchers,
  namespacePrincipal,
  pathMatcher,
  port,
  principalName,
  serviceAccountPrincipal,
  stringMatcher,
  trustDomainPrincipal,
} from './matchers.ts';

/** What evaluates the rule: an Envoy HTTP listener, an Envoy TCP listener, a proxyless gRPC server. */
export type Target = 'http' | 'tcp' | 'grpc';

/** What an attribute needs: L4 facts, HTTP request facts, a validated JWT, the TLS SNI, filter metadata. */
type Need = 'l4' | 'http' | 'jwt' | 'sni' | 'metadata';

const SUPPORTED: Readonly<Record<Target, ReadonlySet<Need>>> = {
  http: new Set<Need>(['l4', 'http', 'jwt', 'sni', 'metadata']),
  tcp: new Set<Need>(['l4', 'sni', 'metadata']),
  grpc: new Set<Need>(['l4', 'http']),
};

export interface RuleIssue {
  kind: 'unsupported' | 'invalid';
  /** The policy node (field or condition) it is about. */
  path: readonly PathSegment[];
  /** The field or key, as written. */
  attribute: string;
  need?: Need;
}

export interface BuiltRule {
  /** undefined when the rule is dropped (ALLOW with an attribute the target cannot evaluate). */
  policy?: JsonObject;
  issues: RuleIssue[];
}

type Side = 'principal' | 'permission';

interface FieldSpec {
  side: Side;
  need: Need;
  /** One value → one or more matchers (OR'ed); undefined when the value cannot be translated. */
  build: (value: string, policy: AuthorizationPolicy) => JsonObject[] | undefined;
}

const one = (m: JsonObject | undefined): JsonObject[] | undefined => (m === undefined ? undefined : [m]);
const authenticated = (principalNameMatcher: JsonObject): JsonObject => ({ authenticated: { principalName: principalNameMatcher } });

const SOURCE_FIELDS: Readonly<Record<string, FieldSpec>> = {
  principals: { side: 'principal', need: 'l4', build: (v) => [authenticated(principalName(v))] },
  requestPrincipals: { side: 'principal', need: 'jwt', build: (v) => [requestPrincipal(v)] },
  namespaces: { side: 'principal', need: 'l4', build: (v) => [authenticated(namespacePrincipal(v))] },
  serviceAccounts: { side: 'principal', need: 'l4', build: (v, p) => [authenticated(serviceAccountPrincipal(v, p.namespace))] },
  trustDomains: { side: 'principal', need: 'l4', build: (v) => [authenticated(trustDomainPrincipal(v))] },
  ipBlocks: { side: 'principal', need: 'l4', build: (v) => one(ipPrincipal('directRemoteIp', v)) },
  remoteIpBlocks: { side: 'principal', need: 'l4', build: (v) => one(ipPrincipal('remoteIp', v)) },
};

const OPERATION_FIELDS: Readonly<Record<string, FieldSpec>> = {
  hosts: { side: 'permission', need: 'http', build: (v) => hostMatchers(v).map((header) => ({ header })) },
  ports: { side: 'permission', need: 'l4', build: (v) => one(portPermission(v)) },
  methods: { side: 'permission', need: 'http', build: (v) => [{ header: { name: ':method', stringMatch: stringMatcher(v) } }] },
  paths: { side: 'permission', need: 'http', build: (v) => [{ urlPath: { path: pathMatcher(v) } }] },
};

function ipPrincipal(kind: 'directRemoteIp' | 'remoteIp', value: string): JsonObject | undefined {
  const range = cidr(value);
  return range === undefined ? undefined : { [kind]: range };
}

function portPermission(value: string): JsonObject | undefined {
  const n = port(value);
  return n === undefined ? undefined : { destinationPort: n };
}

const FIXED_CONDITIONS: Readonly<Record<string, FieldSpec>> = {
  'source.ip': { side: 'principal', need: 'l4', build: (v) => one(ipPrincipal('directRemoteIp', v)) },
  'remote.ip': { side: 'principal', need: 'l4', build: (v) => one(ipPrincipal('remoteIp', v)) },
  'source.namespace': SOURCE_FIELDS.namespaces as FieldSpec,
  'source.principal': SOURCE_FIELDS.principals as FieldSpec,
  'source.serviceAccount': SOURCE_FIELDS.serviceAccounts as FieldSpec,
  'request.auth.principal': SOURCE_FIELDS.requestPrincipals as FieldSpec,
  'request.auth.audiences': { side: 'principal', need: 'jwt', build: (v) => [claimPrincipal(['aud'], v)] },
  'request.auth.presenter': { side: 'principal', need: 'jwt', build: (v) => [claimPrincipal(['azp'], v)] },
  'destination.ip': {
    side: 'permission',
    need: 'l4',
    build: (v) => {
      const range = cidr(v);
      return range === undefined ? undefined : [{ destinationIp: range }];
    },
  },
  'destination.port': { side: 'permission', need: 'l4', build: (v) => one(portPermission(v)) },
  'connection.sni': { side: 'permission', need: 'sni', build: (v) => [{ requestedServerName: stringMatcher(v) }] },
};

/** `a[b][c]` → ['b', 'c'] after `prefix`; undefined when not of that form. */
function bracketKeys(key: string, prefix: string): string[] | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const keys: string[] = [];
  const re = /\[([^\]]+)\]/y;
  let at = 0;
  while (at < rest.length) {
    re.lastIndex = at;
    const m = re.exec(rest);
    if (!m) return undefined;
    keys.push(m[1] as string);
    at = re.lastIndex;
  }
  return keys.length > 0 ? keys : undefined;
}

function conditionSpec(key: string): FieldSpec | undefined {
  const fixed = FIXED_CONDITIONS[key];
  if (fixed) return fixed;
  const header = bracketKeys(key, 'request.headers');
  if (header && header.length === 1) {
    const name = header[0] as string;
    return { side: 'principal', need: 'http', build: (v) => [{ header: headerValue(name, v) }] };
  }
  const claims = bracketKeys(key, 'request.auth.claims');
  if (claims) return { side: 'principal', need: 'jwt', build: (v) => [claimPrincipal(claims, v)] };
  const bracket = key.indexOf('[');
  if (key.startsWith('experimental.envoy.filters.') && bracket > 0) {
    const filter = key.slice('experimental.'.length, bracket);
    const path = bracketKeys(key.slice(bracket), '');
    if (path) {
      return {
        side: 'permission',
        need: 'metadata',
        build: (v) => [{ metadata: { filter, path: path.map((k) => ({ key: k })), value: { stringMatch: stringMatcher(v) } } }],
      };
    }
  }
  return undefined;
}

function or(items: JsonObject[], side: Side): JsonObject {
  if (items.length === 1) return items[0] as JsonObject;
  return side === 'principal' ? { orIds: { ids: items } } : { orRules: { rules: items } };
}

function not(item: JsonObject, side: Side): JsonObject {
  return side === 'principal' ? { notId: item } : { notRule: item };
}

function and(items: JsonObject[], side: Side): JsonObject {
  if (items.length === 0) return { any: true };
  if (items.length === 1) return items[0] as JsonObject;
  return side === 'principal' ? { andIds: { ids: items } } : { andRules: { rules: items } };
}

/** The values of a list field: strings (numbers allowed for ports); undefined for an absent or empty list. */
function values(raw: unknown): { list: string[]; bad: boolean } | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const list: string[] = [];
  let bad = false;
  for (const v of raw) {
    if (typeof v === 'string') list.push(v);
    else if (typeof v === 'number') list.push(String(v));
    else bad = true;
  }
  return { list, bad };
}

interface Parts {
  principal: JsonObject[];
  permission: JsonObject[];
}

class RuleBuilder {
  readonly issues: RuleIssue[] = [];
  dropped = false;

  constructor(
    private readonly policy: AuthorizationPolicy,
    private readonly target: Target,
    private readonly failOpenDrop: boolean,
  ) {}

  /** Adds `spec`'s matchers for a field (positive and negated lists) to `into`. */
  field(into: Parts, spec: FieldSpec, attribute: string, positive: unknown, negative: unknown, path: readonly PathSegment[], negativePath: readonly PathSegment[]): void {
    const pos = values(positive);
    const neg = values(negative);
    if (!pos && !neg) return;
    if (!SUPPORTED[this.target].has(spec.need)) {
      this.issues.push({ kind: 'unsupported', path: pos ? path : negativePath, attribute, need: spec.need });
      this.drop();
      return;
    }
    const built: JsonObject[] = [];
    for (const [list, negate, at] of [
      [pos, false, path],
      [neg, true, negativePath],
    ] as const) {
      if (!list) continue;
      const matchers: JsonObject[] = [];
      let bad = list.bad;
      for (const v of list.list) {
        const m = spec.build(v, this.policy);
        if (m === undefined) bad = true;
        else for (const x of m) matchers.push(x);
      }
      if (bad || matchers.length === 0) {
        this.issues.push({ kind: 'invalid', path: at, attribute });
        this.drop();
        return;
      }
      const any = or(matchers, spec.side);
      built.push(negate ? not(any, spec.side) : any);
    }
    for (const b of built) into[spec.side].push(b);
  }

  private drop(): void {
    if (this.failOpenDrop) this.dropped = true;
  }
}

const NEGATED = (name: string): string => `not${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;

function records(value: unknown): { item: Record<string, unknown>; index: number }[] {
  if (!Array.isArray(value)) return [];
  const out: { item: Record<string, unknown>; index: number }[] = [];
  value.forEach((item, index) => {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) out.push({ item: item as Record<string, unknown>, index });
  });
  return out;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Translates one rule. `dropWhenUnsupported`: true for ALLOW (drop the rule), false for
 * DENY, AUDIT and CUSTOM-as-deny (drop only the field).
 */
export function buildRule(
  rule: Record<string, unknown>,
  rulePath: readonly PathSegment[],
  policy: AuthorizationPolicy,
  target: Target,
  dropWhenUnsupported: boolean,
): BuiltRule {
  const b = new RuleBuilder(policy, target, dropWhenUnsupported);

  const when: Parts = { principal: [], permission: [] };
  for (const { item: condition, index } of records(rule.when)) {
    const key = typeof condition.key === 'string' ? condition.key : '';
    const path = [...rulePath, 'when', index];
    const spec = conditionSpec(key);
    if (!spec) {
      if (values(condition.values) || values(condition.notValues)) {
        b.issues.push({ kind: 'invalid', path: [...path, 'key'], attribute: key });
        if (dropWhenUnsupported) b.dropped = true;
      }
      continue;
    }
    b.field(when, spec, key, condition.values, condition.notValues, [...path, 'values'], [...path, 'notValues']);
  }

  const principals: JsonObject[] = [];
  const fromList = records(rule.from);
  for (const { item: entry, index } of fromList) {
    const source = record(entry.source) ?? {};
    const parts: Parts = { principal: [], permission: [] };
    for (const name of Object.keys(SOURCE_FIELDS)) {
      const base = [...rulePath, 'from', index, 'source'];
      b.field(parts, SOURCE_FIELDS[name] as FieldSpec, name, source[name], source[NEGATED(name)], [...base, name], [...base, NEGATED(name)]);
    }
    principals.push(and([...parts.principal, ...when.principal], 'principal'));
  }
  if (fromList.length === 0) principals.push(and(when.principal, 'principal'));

  const permissions: JsonObject[] = [];
  const toList = records(rule.to);
  for (const { item: entry, index } of toList) {
    const operation = record(entry.operation) ?? {};
    const parts: Parts = { principal: [], permission: [] };
    for (const name of Object.keys(OPERATION_FIELDS)) {
      const base = [...rulePath, 'to', index, 'operation'];
      b.field(parts, OPERATION_FIELDS[name] as FieldSpec, name, operation[name], operation[NEGATED(name)], [...base, name], [...base, NEGATED(name)]);
    }
    permissions.push(and([...parts.permission, ...when.permission], 'permission'));
  }
  if (toList.length === 0) permissions.push(and(when.permission, 'permission'));

  if (b.dropped) return { issues: b.issues };
  return { policy: { permissions, principals }, issues: b.issues };
}

/** Istio's RBAC policy name: `ns[NS]-policy[NAME]-rule[INDEX]`. */
export function rbacPolicyName(policy: AuthorizationPolicy, index: number): string {
  return `ns[${policy.namespace}]-policy[${policy.name}]-rule[${index}]`;
}
