/**
 * Indexes the security analyzers share, built once per model (cached on the model object),
 * so every check is linear in the size of the policy: no analyzer scans all workloads or
 * all policies for each policy.
 */
import type { Located, RelatedLocation } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
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
  /** `name` of the Service that declares it, for messages. */
  service: string;
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
        const entry: WorkloadPort = { protocol: port.protocol, service: service.name };
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

  const index: SecurityIndex = {
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
  const levels = [
    index.workloadPeerAuth.get(workload)?.[0],
    index.namespacePeerAuth.get(workload.namespace)?.[0],
    index.meshPeerAuth[0],
  ];
  for (const pa of levels) {
    if (pa && pa.mode !== 'UNSET') return { mode: pa.mode, policy: pa };
  }
  return { mode: 'PERMISSIVE' };
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

export function policyName(policy: { kind?: string; name: string; namespace: string; doc: { kind: string } }): string {
  return `${policy.doc.kind} ${policy.namespace}/${policy.name}`;
}

// ---------------------------------------------------------------------------------------
// Reading raw JSON safely: the model builder takes any JSON, schema errors included.

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asRecord(value: unknown): JsonRecord | undefined {
  return isRecord(value) ? value : undefined;
}

/** The strings in a list field, with their indexes (non-strings skipped). */
export function stringEntries(value: unknown): { index: number; value: string }[] {
  const out: { index: number; value: string }[] = [];
  asArray(value).forEach((v, index) => {
    if (typeof v === 'string') out.push({ index, value: v });
  });
  return out;
}

/** True when the field is a non-empty list. */
export function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** One `from[].source`, `to[].operation` or `when[]` entry of an AuthorizationPolicy rule, with its path. */
export interface RulePart {
  value: JsonRecord;
  path: PathSegment[];
}

export interface RuleParts {
  sources: RulePart[];
  operations: RulePart[];
  conditions: RulePart[];
}

/** Splits an AuthorizationPolicy rule into its sources, operations and conditions. */
export function ruleParts(rule: unknown, rulePath: readonly PathSegment[]): RuleParts {
  const parts: RuleParts = { sources: [], operations: [], conditions: [] };
  const r = asRecord(rule);
  if (!r) return parts;
  asArray(r.from).forEach((from, j) => {
    const source = asRecord(asRecord(from)?.source);
    if (source) parts.sources.push({ value: source, path: [...rulePath, 'from', j, 'source'] });
  });
  asArray(r.to).forEach((to, j) => {
    const operation = asRecord(asRecord(to)?.operation);
    if (operation) parts.operations.push({ value: operation, path: [...rulePath, 'to', j, 'operation'] });
  });
  asArray(r.when).forEach((when, j) => {
    const condition = asRecord(when);
    if (condition) parts.conditions.push({ value: condition, path: [...rulePath, 'when', j] });
  });
  return parts;
}

/** The path of `spec.rules[i]` of an AuthorizationPolicy. */
export function rulePath(index: number): PathSegment[] {
  return ['spec', 'rules', index];
}

/** `spec` of the document a policy came from (an empty object when it is not a mapping). */
export function specOf(policy: { doc: { data: JsonRecord } }): JsonRecord {
  return asRecord(policy.doc.data.spec) ?? {};
}

/** A related location for a diagnostic (a Located without its JSON pointer). */
export function related(at: Located, message: string): RelatedLocation {
  return { file: at.file, line: at.line, col: at.col, endLine: at.endLine, endCol: at.endCol, message };
}
