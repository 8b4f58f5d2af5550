/**
 * The Kubernetes object envelope every input kind shares: apiVersion, kind, metadata,
 * spec, status. `metadata` is one schema, referenced by `$id` from every kind's schema.
 */
import type { JsonSchema } from './convert.ts';

export const OBJECT_META_ID = 'https://sluice.dev/schemas/k8s/object-meta.json';

/** DNS-1123 subdomain (what Kubernetes requires of most object names). */
export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** DNS-1123 label (namespaces, and the names of some kinds). */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** DNS-1035 label (Service names: must start with a letter). */
export const DNS1035_LABEL = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
/** A label or annotation key: optional DNS subdomain prefix and `/`, then a name. */
export const QUALIFIED_NAME = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$';
/** A label value: empty, or up to 63 alphanumerics with `-`, `_`, `.` inside. */
export const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

const stringMap = (keyMax: number, value: JsonSchema): JsonSchema => ({
  type: 'object',
  propertyNames: { type: 'string', maxLength: keyMax, pattern: QUALIFIED_NAME },
  additionalProperties: value,
});

/**
 * ObjectMeta as sluice reads it: name (required), namespace, labels and annotations are
 * checked the way the API server checks them; every other metadata field is allowed.
 */
export const objectMetaSchema: JsonSchema = {
  $id: OBJECT_META_ID,
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN },
    namespace: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL },
    labels: stringMap(317, { type: 'string', maxLength: 63, pattern: LABEL_VALUE }),
    annotations: stringMap(317, { type: 'string' }),
  },
};

/**
 * Wraps a kind's `spec` schema in the object envelope. `required` lists the top-level
 * fields the upstream schema requires besides apiVersion, kind and metadata (usually `spec`).
 */
export function envelope(spec: JsonSchema | undefined, required: readonly string[] = []): JsonSchema {
  const top = ['apiVersion', 'kind', 'metadata', ...required.filter((r) => r !== 'apiVersion' && r !== 'kind' && r !== 'metadata')];
  return {
    type: 'object',
    required: top,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: OBJECT_META_ID },
      spec: spec ?? { type: 'object' },
      // Status is written by controllers; sluice never reads it, so any object passes.
      status: { type: 'object' },
    },
    additionalProperties: false,
  };
}
