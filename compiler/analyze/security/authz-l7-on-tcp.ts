/**
 * HTTP-only fields in AuthorizationPolicy rules applied to workloads that serve TCP only
 * (istio#25832).
 *
 * On TCP traffic Istio builds the network RBAC filter, which cannot see HTTP attributes.
 * For a DENY (and AUDIT) rule it drops the HTTP-only conditions, so the rule matches more:
 * a DENY rule that only names methods or paths denies every connection. For an ALLOW rule
 * it drops the whole rule, so the rule allows no connection.
 *
 * A workload counts as TCP-only when every port the Services in front of it declare is
 * TCP-like (TCP, TLS, HTTPS — the app terminates TLS —, MONGO, REDIS, MYSQL). Workloads
 * with no Service, or a port whose protocol is sniffed (unnamed), are left alone. When
 * every `to.operation` of the rule lists `ports`, only those ports are considered.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import type { AuthorizationPolicy, PolicyModel, Workload } from '../../model/types.ts';
import { arr } from '../../model/index.ts';
import type { Analyzer } from '../types.ts';
import { isTcpProtocol, nameList, policyName, policyRules, securityIndex, workloadNames } from './context.ts';
import type { RuleParts, SecurityIndex } from './context.ts';

export const HTTP_FIELDS_ON_TCP = defineCode({
  code: 'SLU5010',
  stage: 'security',
  severity: 'warning',
  title: 'HTTP-only AuthorizationPolicy fields on a TCP-only workload',
  hint: 'On TCP traffic Istio cannot see methods, paths, hosts, request principals or request.* conditions: a DENY rule that uses them denies every connection, an ALLOW rule that uses them allows none. Match TCP traffic on ports, IPs, namespaces or principals instead, or declare the port as HTTP (port name `http-*` or `appProtocol: http`) if it really carries HTTP.',
});

const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'] as const;
const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
/** Condition keys only HTTP traffic has (unknown keys are reported as such, not here). */
const HTTP_ONLY_KEY = /^request\.(headers\[|experimental\.inline\.headers\[|auth\.)/;

interface Hit {
  field: string;
  path: PathSegment[];
  /** Fields point at their key; condition keys at the condition name (the value of `key`). */
  target: 'key' | 'value';
}

function httpOnlyFields(parts: RuleParts): { hits: Hit[]; ports?: Set<number> } {
  const hits: Hit[] = [];
  for (const s of parts.sources) for (const f of HTTP_ONLY_SOURCE) if (f in s.value) hits.push({ field: f, path: [...s.path, f], target: 'key' });
  for (const o of parts.operations) for (const f of HTTP_ONLY_OPERATION) if (f in o.value) hits.push({ field: f, path: [...o.path, f], target: 'key' });
  for (const c of parts.conditions) {
    const key = c.value.key;
    if (typeof key === 'string' && HTTP_ONLY_KEY.test(key)) hits.push({ field: key, path: [...c.path, 'key'], target: 'value' });
  }
  let ports: Set<number> | undefined;
  if (parts.operations.length > 0 && parts.operations.every((o) => Array.isArray(o.value.ports))) {
    ports = new Set();
    for (const o of parts.operations) for (const p of arr(o.value.ports)) if (/^\d+$/.test(String(p))) ports.add(Number(p));
  }
  return ports ? { hits, ports } : { hits };
}

/** The workload's ports this rule applies to, when they are all known to be TCP-like; undefined otherwise. */
function tcpOnlyPorts(index: SecurityIndex, workload: Workload, filter: Set<number> | undefined): string[] | undefined {
  const ports = index.portsByWorkload.get(workload);
  if (!ports || ports.length === 0) return undefined;
  const relevant = filter ? ports.filter((p) => p.port !== undefined && filter.has(p.port)) : ports;
  if (relevant.length === 0 || !relevant.every((p) => isTcpProtocol(p.protocol))) return undefined;
  return relevant.map((p) => `${p.port ?? '?'}/${p.protocol}`);
}

function effect(action: AuthorizationPolicy['action']): string {
  switch (action) {
    case 'ALLOW':
      return 'Istio skips this rule for TCP traffic, so it allows no connection';
    case 'AUDIT':
      return 'Istio drops those conditions for TCP traffic, so the rule audits every connection that meets its remaining conditions';
    default:
      return 'Istio drops those conditions for TCP traffic, so the rule denies every connection that meets its remaining conditions (all of them, if there are none)';
  }
}

export const httpFieldsOnTcp: Analyzer = {
  name: 'authorization-http-fields-on-tcp',
  codes: [HTTP_FIELDS_ON_TCP],
  run(model: PolicyModel): Diagnostic[] {
    const index = securityIndex(model);
    if (index.workloadsWithTcpPorts.size === 0) return [];
    const out: Diagnostic[] = [];
    for (const policy of model.authorizationPolicies) {
      if (policy.action === 'CUSTOM' || !policy.selection.workloads.some((w) => index.workloadsWithTcpPorts.has(w))) continue;
      for (const parts of policyRules(policy)) {
        const i = parts.index;
        const { hits, ports } = httpOnlyFields(parts);
        const first = hits[0];
        if (!first) continue;
        const affected: Workload[] = [];
        const affectedPorts: string[] = [];
        for (const w of policy.selection.workloads) {
          const tcp = tcpOnlyPorts(index, w, ports);
          if (tcp) {
            affected.push(w);
            affectedPorts.push(...tcp);
          }
        }
        if (affected.length === 0) continue;
        const fields = nameList(hits.map((h) => h.field));
        out.push(
          diagnostic(
            HTTP_FIELDS_ON_TCP,
            policy.doc.locate(first.path, first.target),
            `${policy.action} rule ${i} of ${policyName(policy)} uses HTTP-only ${fields}, but ${workloadNames(affected)} serve${affected.length === 1 ? 's' : ''} only TCP (${nameList(affectedPorts)}): ${effect(policy.action)}`,
          ),
        );
      }
    }
    return out;
  },
};
