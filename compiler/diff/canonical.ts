/**
 * Order-insensitive JSON text for semantic comparison: object keys sorted, so
 * `{a: 1, b: 2}` and `{b: 2, a: 1}` are the same setting. Array order is kept (it matters
 * in policy: routes, destinations, rules).
 */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Natural-ish comparison for labels: `v2` before `v10`. (One collator: `localeCompare` with options makes one per call.) */
export function compareText(a: string, b: string): number {
  return collator.compare(a, b);
}

function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `namespace/name` order: how Istio breaks ties between policies with no creation time to compare. */
export function byNamespaceName<T extends { namespace: string; name: string }>(a: T, b: T): number {
  return codePointOrder(a.namespace, b.namespace) || codePointOrder(a.name, b.name);
}
