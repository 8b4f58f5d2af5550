/**
 * `when` conditions of AuthorizationPolicy rules: the key must be one of the attributes
 * Istio knows, and the values must fit the key (IPs and CIDRs, ports, service accounts).
 * Istio's validation rejects a policy that breaks either rule.
 */
import { isIP } from 'node:net';
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import { arr } from '../../model/index.ts';
import type { Analyzer } from '../types.ts';
import { policyName, policyRules } from './context.ts';

export const UNKNOWN_CONDITION_KEY = defineCode({
  code: 'SLU5012',
  stage: 'security',
  severity: 'error',
  title: 'Unknown AuthorizationPolicy condition key',
  hint: 'Use one of Istio\'s condition keys: request.headers[NAME], source.ip, remote.ip, source.namespace, source.principal, source.serviceAccount, request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[NAME], destination.ip, destination.port, connection.sni, experimental.envoy.filters.*[KEY]. Keys with a name take it in square brackets.',
});

export const INVALID_CONDITION_VALUE = defineCode({
  code: 'SLU5013',
  stage: 'security',
  severity: 'error',
  title: 'Invalid AuthorizationPolicy condition value',
  hint: 'Each condition needs `values` or `notValues`, none of them empty: IP addresses or CIDR ranges for source.ip, remote.ip and destination.ip; port numbers 0-65535 for destination.port; `name` or `namespace/name` without wildcards for source.serviceAccount.',
});

type ValueKind = 'ip' | 'port' | 'serviceAccount' | 'string';

const EXACT_KEYS: ReadonlyMap<string, ValueKind> = new Map<string, ValueKind>([
  ['source.ip', 'ip'],
  ['remote.ip', 'ip'],
  ['source.namespace', 'string'],
  ['source.serviceAccount', 'serviceAccount'],
  ['source.principal', 'string'],
  ['request.auth.principal', 'string'],
  ['request.auth.audiences', 'string'],
  ['request.auth.presenter', 'string'],
  ['destination.ip', 'ip'],
  ['destination.port', 'port'],
  ['connection.sni', 'string'],
]);

/** Keys that take a name in brackets: `request.headers[User-Agent]`. */
const MAP_KEYS = ['request.headers', 'request.experimental.inline.headers', 'request.auth.claims'] as const;
const EXPERIMENTAL_PREFIX = 'experimental.envoy.filters.';

/** Attributes Istio once had and now rejects, with its reason. */
const RETIRED_KEYS: ReadonlyMap<string, string> = new Map([
  ['destination.namespace', 'it is replaced by the policy\'s own namespace'],
  ['destination.labels', 'it is replaced by the workload selector'],
  ['destination.name', 'it was only supported in v1alpha1'],
  ['destination.user', 'it was only supported in v1alpha1'],
]);

const KNOWN_BASES = [...EXACT_KEYS.keys(), ...MAP_KEYS];

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function suggestion(key: string): string {
  const bracket = key.indexOf('[');
  const base = bracket >= 0 ? key.slice(0, bracket) : key;
  const rest = bracket >= 0 ? key.slice(bracket) : '';
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of KNOWN_BASES) {
    const d = editDistance(base.toLowerCase(), known.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = known;
    }
  }
  if (!best || bestDistance > 3) return '';
  const isMap = (MAP_KEYS as readonly string[]).includes(best);
  return ` (did you mean \`${best}${isMap ? rest || '[NAME]' : ''}\`?)`;
}

/** Whether `key` is `prefix[name]` with a non-empty name. */
function isMapKey(key: string, prefix: string): boolean {
  return key.length > prefix.length + 2 && key.startsWith(prefix) && key[prefix.length] === '[' && key.endsWith(']');
}

const classified = new Map<string, { kind: ValueKind } | { message: string }>();

/** The kind of values a known key takes, or why the key is not known (memoized: keys repeat across policies). */
function classifyKey(key: string): { kind: ValueKind } | { message: string } {
  let result = classified.get(key);
  if (!result) {
    if (classified.size >= 10_000) classified.clear();
    classified.set(key, (result = classifyUncached(key)));
  }
  return result;
}

function classifyUncached(key: string): { kind: ValueKind } | { message: string } {
  const exact = EXACT_KEYS.get(key);
  if (exact) return { kind: exact };
  for (const prefix of MAP_KEYS) {
    if (key === prefix || key.startsWith(prefix + '[')) {
      return isMapKey(key, prefix) ? { kind: 'string' } : { message: `\`${key}\` must name its ${prefix === 'request.auth.claims' ? 'claim' : 'header'} in brackets, as \`${prefix}[NAME]\`` };
    }
  }
  if (key.startsWith(EXPERIMENTAL_PREFIX)) {
    const open = key.indexOf('[');
    return open > EXPERIMENTAL_PREFIX.length && key.endsWith(']') && open < key.length - 2
      ? { kind: 'string' }
      : { message: `\`${key}\` must have the form \`experimental.envoy.filters.FILTER[KEY]\`` };
  }
  const base = key.includes('[') ? key.slice(0, key.indexOf('[')) : key;
  const retired = RETIRED_KEYS.get(base);
  if (retired) return { message: `\`${key}\` is no longer supported: ${retired}` };
  return { message: `unknown condition key \`${key}\`${suggestion(key)}` };
}

function isCidrOrIp(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return isIP(value) !== 0;
  const address = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  const family = isIP(address);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function valueProblem(kind: ValueKind, value: string): string | undefined {
  if (value === '') return 'an empty value is not allowed';
  switch (kind) {
    case 'ip':
      return isCidrOrIp(value) ? undefined : `\`${value}\` is not an IP address or CIDR range`;
    case 'port': {
      if (!/^\d+$/.test(value) || Number(value) > 65535) return `\`${value}\` is not a port number (0-65535)`;
      return undefined;
    }
    case 'serviceAccount': {
      if (value.includes('*')) return `\`${value}\`: wildcards are not allowed in service accounts`;
      const parts = value.split('/');
      if (parts.length > 2 || parts.some((p) => p === '')) return `\`${value}\` is not \`name\` or \`namespace/name\``;
      if (value.length > 320) return `\`${value.slice(0, 20)}...\` is longer than 320 characters`;
      return undefined;
    }
    default:
      return undefined;
  }
}

export const authorizationConditions: Analyzer = {
  name: 'authorization-conditions',
  codes: [UNKNOWN_CONDITION_KEY, INVALID_CONDITION_VALUE],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const policy of model.authorizationPolicies) {
      const doc = policy.doc;
      for (const { index: i, conditions } of policyRules(policy)) {
        for (const condition of conditions) {
          const key = condition.value.key;
          if (typeof key !== 'string') continue; // the schema reports a missing key
          const known = classifyKey(key);
          if ('message' in known) {
            out.push(diagnostic(UNKNOWN_CONDITION_KEY, doc.locate([...condition.path, 'key'], 'value'), `${known.message} (rule ${i} of ${policyName(policy)})`));
            continue;
          }
          const hasValues = Array.isArray(condition.value.values) && condition.value.values.length > 0;
          const hasNotValues = Array.isArray(condition.value.notValues) && condition.value.notValues.length > 0;
          if (!hasValues && !hasNotValues) {
            out.push(diagnostic(INVALID_CONDITION_VALUE, doc.locate([...condition.path, 'key'], 'value'), `condition \`${key}\` has neither \`values\` nor \`notValues\` (rule ${i} of ${policyName(policy)})`));
            continue;
          }
          for (const field of ['values', 'notValues'] as const) {
            arr(condition.value[field]).forEach((value, k) => {
              if (typeof value !== 'string') return;
              const problem = valueProblem(known.kind, value);
              if (problem) {
                out.push(diagnostic(INVALID_CONDITION_VALUE, doc.locate([...condition.path, field, k], 'value'), `${problem} for condition \`${key}\` (rule ${i} of ${policyName(policy)})`));
              }
            });
          }
        }
      }
    }
    return out;
  },
};
