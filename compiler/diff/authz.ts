/**
 * Who may call a workload, from the AuthorizationPolicies that apply to it, with Istio's
 * semantics: CUSTOM is consulted first, then DENY (a match denies), then ALLOW: no ALLOW
 * policy admits anyone, ALLOW policies admit what one of their rules matches, and ALLOW
 * policies without rules admit no one. Rules are OR; inside a rule from/to/when are AND;
 * inside each, list values are OR.
 */
import { arr, isRecord, rec } from '../model/json.ts';
import type { AuthorizationPolicy } from '../model/types.ts';
import { canonical, compareText } from './canonical.ts';
import type { Access, Grant } from './types.ts';

type Json = Readonly<Record<string, unknown>>;

const MAX_EXPANSION = 20;

function list(value: unknown): string[] {
  return arr(value).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
}

const SOURCE_FIELDS: readonly [field: string, negated: string, render: (v: string) => string][] = [
  ['principals', 'notPrincipals', (v) => (v === '*' ? 'any authenticated peer' : v)],
  ['requestPrincipals', 'notRequestPrincipals', (v) => (v === '*' ? 'any request with a JWT' : `request principal ${v}`)],
  ['namespaces', 'notNamespaces', (v) => `namespace ${v}`],
  ['serviceAccounts', 'notServiceAccounts', (v) => `service account ${v}`],
  ['ipBlocks', 'notIpBlocks', (v) => `ip ${v}`],
  ['remoteIpBlocks', 'notRemoteIpBlocks', (v) => `remote ip ${v}`],
];

/** One `from[].source` → the callers it admits: one string per combination of values. */
function callers(source: Json): string[] {
  let combos: string[][] = [[]];
  const except: string[] = [];
  for (const [field, negated, render] of SOURCE_FIELDS) {
    const values = list(source[field]).map(render);
    if (values.length > 0) {
      const next = combos.flatMap((c) => values.map((v) => [...c, v]));
      combos = next.length <= MAX_EXPANSION ? next : combos.map((c) => [...c, values.join('|')]);
    }
    const not = list(source[negated]).map(render);
    if (not.length > 0) except.push(not.join('|'));
  }
  const tail = except.length > 0 ? ` except ${except.join(', ')}` : '';
  return combos.map((c) => (c.length === 0 ? 'anyone' : c.join(' and ')) + tail);
}

/** One `to[].operation` → `GET|POST /api/* port 9080`; undefined when it constrains nothing. */
function operationText(operation: Json): string | undefined {
  const parts: string[] = [];
  const add = (field: string, render: (joined: string) => string) => {
    const values = list(operation[field]);
    if (values.length > 0) parts.push(render(values.join('|')));
  };
  add('methods', (v) => v);
  add('notMethods', (v) => `not ${v}`);
  add('paths', (v) => v);
  add('notPaths', (v) => `not ${v}`);
  add('ports', (v) => `port ${v}`);
  add('notPorts', (v) => `not port ${v}`);
  add('hosts', (v) => `host ${v}`);
  add('notHosts', (v) => `not host ${v}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function conditionText(condition: Json): string {
  const key = typeof condition.key === 'string' ? condition.key : '?';
  const parts: string[] = [];
  const values = list(condition.values);
  const notValues = list(condition.notValues);
  if (values.length === 1) parts.push(`${key} = ${values[0]}`);
  else if (values.length > 1) parts.push(`${key} in [${values.join(', ')}]`);
  if (notValues.length === 1) parts.push(`${key} != ${notValues[0]}`);
  else if (notValues.length > 1) parts.push(`${key} not in [${notValues.join(', ')}]`);
  return parts.join(' and ') || key;
}

function grant(from: string, to: string | undefined, when: string | undefined): Grant {
  const extra = [to, when === undefined ? undefined : `when ${when}`].filter((x): x is string => x !== undefined);
  const g: Grant = { from, text: extra.length > 0 ? `${from} (${extra.join(', ')})` : from };
  if (to !== undefined) g.to = to;
  if (when !== undefined) g.when = when;
  return g;
}

/** A rule → the grants it stands for (callers × operations, under its conditions). */
export function grantsOf(rule: unknown): Grant[] {
  const r = rec(rule) ?? {};
  const sources = arr(r.from).map((f) => rec(rec(f)?.source)).filter(isRecord);
  const operations = arr(r.to).map((t) => rec(rec(t)?.operation)).filter(isRecord);
  const conditions = arr(r.when).filter(isRecord);
  const froms = sources.length === 0 ? ['anyone'] : sources.flatMap(callers);
  const tos = operations.length === 0 ? [undefined] : operations.map(operationText);
  const when = conditions.length === 0 ? undefined : conditions.map(conditionText).join(' and ');
  return froms.flatMap((from) => tos.map((to) => grant(from, to, when)));
}

function uniqueSorted(grants: Grant[]): Grant[] {
  const byText = new Map<string, Grant>();
  for (const g of grants) if (!byText.has(g.text)) byText.set(g.text, g);
  return [...byText.values()].sort((a, b) => compareText(a.text, b.text));
}

/** The access the given policies (those that apply to one workload) decide. */
export function accessOf(policies: readonly AuthorizationPolicy[]): Access {
  const allowPolicies = policies.filter((p) => p.action === 'ALLOW');
  const deny = uniqueSorted(policies.filter((p) => p.action === 'DENY').flatMap((p) => (p.rules ?? []).flatMap(grantsOf)));
  const custom = new Set<string>();
  for (const p of policies) {
    if (p.action !== 'CUSTOM') continue;
    const provider = p.provider ?? 'unnamed provider';
    for (const g of uniqueSorted((p.rules ?? []).flatMap(grantsOf))) custom.add(`${provider} for ${g.text}`);
  }
  let allow: Access['allow'];
  if (allowPolicies.length === 0) allow = 'anyone';
  else {
    const grants = uniqueSorted(allowPolicies.flatMap((p) => (p.rules ?? []).flatMap(grantsOf)));
    if (grants.length === 0) allow = 'no one';
    else if (grants.some((g) => g.text === 'anyone')) allow = 'anyone';
    else allow = grants;
  }
  return { allow, deny, custom: [...custom].sort(compareText) };
}

export function sameAccess(a: Access, b: Access): boolean {
  return canonical(accessKey(a)) === canonical(accessKey(b));
}

function accessKey(a: Access): unknown {
  return { allow: typeof a.allow === 'string' ? a.allow : a.allow.map((g) => g.text), deny: a.deny.map((g) => g.text), custom: a.custom };
}

/** `anyone`, `no one`, or the grants' texts. */
export function allowTexts(access: Access): string[] {
  return typeof access.allow === 'string' ? [access.allow] : access.allow.map((g) => g.text);
}
