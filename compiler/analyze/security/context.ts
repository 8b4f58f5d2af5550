/**
 * Indexes the security analyzers share, built once per model (cached on the model object),
 * so every check is linear in the size of the policy: no analyzer scans all workloads or
 * all policies for each policy.
 */
import type { Located, RelatedLocation } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import { arr, rec } from '../../model/index.ts';
import type { JsonRecord } from '../../model/index.ts';
import type {
  AuthorizationPolicy,
  MtlsMode,
  PeerAuthentication,
  PolicyModel,
  Protocol,
  RequestAuthentication,
  Workload,
} from '../../model/types.ts';

export type SecurityPolicy = AuthorizationPolicy | PeerAuthentication | RequestAuthentication;

/** A port a workload serves, as a Service in front of it declares it. */
export interface WorkloadPort {
  /** The port on the workload (the Service's targetPort, resolved); undefined when a named targetPort cannot be resolved. */
  port?: number;
  protocol: Protocol;
}

export interface SecurityIndex {
  /** Ports each workload serves, from every Service that selects it (empty: not knowable). */
  portsByWorkload: Map<Workload, WorkloadPort[]>;
  /** Workload-level PeerAuthentications selecting each workload, in document order. */
  workloadPeerAuth: Map<Workload, PeerAuthentication[]>;
  /** Namespace-wide PeerAuthentications by namespace, in document order. */
  namespacePeerAuth: Map<string, PeerAuthentication[]>;
  meshPeerAuth: PeerAuthentication[];
  /** RequestAuthentications that apply to each workload (any level). */
  requestAuthByWorkload: Map<Workload, RequestAuthentication[]>;
  /** RequestAuthentications by namespace, and the mesh-wide ones. */
  requestAuthByNamespace: Map<string, RequestAuthentication[]>;
  meshRequestAuth: RequestAuthentication[];
  /** Namespaces that contain at least one workload the policy repository declares. */
  namespacesWithWorkloads: Set<string>;
  /** Workloads with at least one TCP-like port (see `isTcpProtocol`). */
  workloadsWithTcpPorts: Set<Workload>;
  /** Effective mTLS mode per workload, filled on demand by `effectiveMtlsMode`. */
  mtlsModes: Map<Workload, { mode: MtlsMode; policy?: PeerAuthentication }>;
}

const cache = new WeakMap<PolicyModel, SecurityIndex>();

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function securityIndex(model: PolicyModel): SecurityIndex {
  const cached = cache.get(model);
  if (cached) return cached;

  const portsByWorkload = new Map<Workload, WorkloadPort[]>();
  for (const service of model.services) {
    if (service.source !== 'kubernetes') continue;
    for (const workload of service.workloads) {
      for (const port of service.ports) {
        const target = port.targetPort;
        let number: number | undefined;
        if (target === undefined) number = port.number;
        else if (typeof target === 'number') number = target;
        else if (/^\d+$/.test(target)) number = Number(target);
        else number = workload.ports[target];
        const entry: WorkloadPort = { protocol: port.protocol };
        if (number !== undefined) entry.port = number;
        push(portsByWorkload, workload, entry);
      }
    }
  }

  const workloadPeerAuth = new Map<Workload, PeerAuthentication[]>();
  const namespacePeerAuth = new Map<string, PeerAuthentication[]>();
  const meshPeerAuth: PeerAuthentication[] = [];
  for (const pa of model.peerAuthentications) {
    if (pa.scope === 'mesh') meshPeerAuth.push(pa);
    else if (pa.scope === 'namespace') push(namespacePeerAuth, pa.namespace, pa);
    else for (const w of pa.selection.workloads) push(workloadPeerAuth, w, pa);
  }

  const requestAuthByWorkload = new Map<Workload, RequestAuthentication[]>();
  const requestAuthByNamespace = new Map<string, RequestAuthentication[]>();
  const meshRequestAuth: RequestAuthentication[] = [];
  for (const ra of model.requestAuthentications) {
    if (ra.scope === 'mesh') meshRequestAuth.push(ra);
    else push(requestAuthByNamespace, ra.namespace, ra);
    for (const w of ra.selection.workloads) push(requestAuthByWorkload, w, ra);
  }

  const namespacesWithWorkloads = new Set<string>();
  for (const w of model.workloads) namespacesWithWorkloads.add(w.namespace);

  const workloadsWithTcpPorts = new Set<Workload>();
  for (const [w, ports] of portsByWorkload) if (ports.some((p) => isTcpProtocol(p.protocol))) workloadsWithTcpPorts.add(w);

  const index: SecurityIndex = {
    workloadsWithTcpPorts,
    mtlsModes: new Map(),
    portsByWorkload,
    workloadPeerAuth,
    namespacePeerAuth,
    meshPeerAuth,
    requestAuthByWorkload,
    requestAuthByNamespace,
    meshRequestAuth,
    namespacesWithWorkloads,
  };
  cache.set(model, index);
  return index;
}

/**
 * The mTLS mode in force on a workload, as Istio resolves it: the workload-level policy,
 * else the namespace policy, else the mesh policy (UNSET inherits from the level above);
 * PERMISSIVE when nothing sets it. Port-level overrides are not considered. When a level
 * has several policies (a conflict reported by `peer-authentication-conflicts`), the first
 * in document order is used.
 */
export function effectiveMtlsMode(index: SecurityIndex, workload: Workload): { mode: MtlsMode; policy?: PeerAuthentication } {
  const known = index.mtlsModes.get(workload);
  if (known) return known;
  let result: { mode: MtlsMode; policy?: PeerAuthentication } = { mode: 'PERMISSIVE' };
  for (const pa of [index.workloadPeerAuth.get(workload)?.[0], index.namespacePeerAuth.get(workload.namespace)?.[0], index.meshPeerAuth[0]]) {
    if (pa && pa.mode !== 'UNSET') {
      result = { mode: pa.mode, policy: pa };
      break;
    }
  }
  index.mtlsModes.set(workload, result);
  return result;
}

/** Protocols whose inbound traffic the sidecar handles as opaque TCP (no HTTP attributes). */
const TCP_PROTOCOLS: ReadonlySet<Protocol> = new Set<Protocol>(['TCP', 'TLS', 'HTTPS', 'MONGO', 'REDIS', 'MYSQL']);

export function isTcpProtocol(protocol: Protocol): boolean {
  return TCP_PROTOCOLS.has(protocol);
}

/** Workloads named for a message: `reviews-v1, reviews-v2 and 3 more`. */
export function nameList(names: readonly string[], max = 3): string {
  const unique = [...new Set(names)];
  if (unique.length <= max) return unique.join(', ');
  return `${unique.slice(0, max).join(', ')} and ${unique.length - max} more`;
}

export function workloadNames(workloads: readonly Workload[]): string {
  return nameList(workloads.map((w) => `${w.name} (${w.kind})`));
}

export function policyName(policy: { name: string; namespace: string; doc: { kind: string } }): string {
  return `${policy.doc.kind} ${policy.namespace}/${policy.name}`;
}

// ---------------------------------------------------------------------------------------
// AuthorizationPolicy rules, read defensively: the model builder takes any JSON.

/** One `from[].source`, `to[].operation` or `when[]` entry of an AuthorizationPolicy rule, with its path. */
export interface RulePart {
  value: JsonRecord;
  path: PathSegment[];
}

export interface RuleParts {
  /** Index of the rule in `spec.rules`. */
  index: number;
  sources: RulePart[];
  operations: RulePart[];
  conditions: RulePart[];
}

/** Splits an AuthorizationPolicy rule into its sources, operations and conditions. */
function ruleParts(rule: unknown, index: number): RuleParts {
  const rulePath = ['spec', 'rules', index];
  const parts: RuleParts = { index, sources: [], operations: [], conditions: [] };
  const r = rec(rule);
  if (!r) return parts;
  arr(r.from).forEach((from, j) => {
    const source = rec(rec(from)?.source);
    if (source) parts.sources.push({ value: source, path: [...rulePath, 'from', j, 'source'] });
  });
  arr(r.to).forEach((to, j) => {
    const operation = rec(rec(to)?.operation);
    if (operation) parts.operations.push({ value: operation, path: [...rulePath, 'to', j, 'operation'] });
  });
  arr(r.when).forEach((when, j) => {
    const condition = rec(when);
    if (condition) parts.conditions.push({ value: condition, path: [...rulePath, 'when', j] });
  });
  return parts;
}

const rulesCache = new WeakMap<AuthorizationPolicy, readonly RuleParts[]>();

/** The rules of an AuthorizationPolicy split into parts; computed once per policy, shared by every analyzer. */
export function policyRules(policy: AuthorizationPolicy): readonly RuleParts[] {
  let rules = rulesCache.get(policy);
  if (!rules) {
    rules = (policy.rules ?? []).map((rule, i) => ruleParts(rule, i));
    rulesCache.set(policy, rules);
  }
  return rules;
}

/** `spec` of the document a policy came from (an empty object when it is not a mapping). */
export function specOf(policy: { doc: { data: JsonRecord } }): JsonRecord {
  return rec(policy.doc.data.spec) ?? {};
}

/** A related location for a diagnostic (a Located without its JSON pointer). */
export function related(at: Located, message: string): RelatedLocation {
  return { file: at.file, line: at.line, col: at.col, endLine: at.endLine, endCol: at.endCol, message };
}
