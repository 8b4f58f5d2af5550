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

/** Natural-ish comparison for labels: `v2` before `v10`. */
export function compareText(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** `namespace/name` order: how Istio breaks ties between policies with no creation time to compare. */
export function byNamespaceName<T extends { namespace: string; name: string }>(a: T, b: T): number {
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name);
}
