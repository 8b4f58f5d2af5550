/**
 * Kubernetes core kinds sluice reads as its service registry. Each schema describes the
 * fields sluice reads, with their real types and limits, and allows every other field:
 * real manifests carry many fields sluice has no business checking.
 *
 * Objects whose whole field set is small and fixed (LabelSelector) are closed, because a
 * typo there (`matchLabel:`) silently changes what a selector selects.
 */
import type { JsonSchema } from '../convert.ts';
import { DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_VALUE, OBJECT_META_ID, QUALIFIED_NAME } from '../envelope.ts';

/**
 * An IANA service name, as Kubernetes checks named ports: ≤15 chars, a DNS label with at
 * least one letter. Two patterns, because RE2 (which matches every schema pattern) has no
 * lookahead.
 */
const IANA_SVC_NAME: JsonSchema = { allOf: [{ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }, { pattern: '[a-z]' }] };
const PROTOCOL: JsonSchema = { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] };
const PORT: JsonSchema = { type: 'integer', minimum: 1, maximum: 65535 };

const labelMap: JsonSchema = {
  type: 'object',
  propertyNames: { type: 'string', maxLength: 317, pattern: QUALIFIED_NAME },
  additionalProperties: { type: 'string', maxLength: 63, pattern: LABEL_VALUE },
};

const labelSelector: JsonSchema = {
  type: 'object',
  properties: {
    matchLabels: labelMap,
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string', maxLength: 317, pattern: QUALIFIED_NAME },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
        'x-kubernetes-validations': [
          {
            rule: "self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",
            message: 'operators In and NotIn need values; Exists and DoesNotExist take none',
          },
        ],
      },
    },
  },
  additionalProperties: false,
};

const containerPort: JsonSchema = {
  type: 'object',
  required: ['containerPort'],
  properties: {
    containerPort: PORT,
    name: { type: 'string', maxLength: 15, ...IANA_SVC_NAME },
    // A missing protocol is TCP when ports are compared for duplicates.
    protocol: { ...PROTOCOL, default: 'TCP' },
    hostPort: PORT,
    hostIP: { type: 'string' },
  },
};

const container: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', maxLength: 63, pattern: DNS1123_LABEL },
    ports: {
      type: 'array',
      items: containerPort,
      'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
    },
  },
};

const podSpec: JsonSchema = {
  type: 'object',
  required: ['containers'],
  properties: {
    serviceAccountName: { type: 'string', maxLength: 253, pattern: DNS1123_SUBDOMAIN },
    serviceAccount: { type: 'string', maxLength: 253, pattern: DNS1123_SUBDOMAIN },
    containers: { type: 'array', minItems: 1, items: container },
    initContainers: { type: 'array', items: container },
  },
};

const podTemplate: JsonSchema = {
  type: 'object',
  properties: {
    metadata: { type: 'object', properties: { labels: labelMap, annotations: { type: 'object', additionalProperties: { type: 'string' } } } },
    spec: podSpec,
  },
};

/** The object envelope for core kinds: every field besides the ones listed is allowed. */
function k8sObject(properties: Record<string, JsonSchema>, options: { required?: string[]; metadata?: JsonSchema } = {}): JsonSchema {
  return {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', ...(options.required ?? [])],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: options.metadata ?? { $ref: OBJECT_META_ID },
      ...properties,
    },
  };
}

export const serviceSchema: JsonSchema = k8sObject(
  {
    spec: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] },
        clusterIP: { type: 'string' },
        selector: { type: 'object', additionalProperties: { type: 'string', maxLength: 63, pattern: LABEL_VALUE }, propertyNames: { type: 'string', maxLength: 317, pattern: QUALIFIED_NAME } },
        ports: {
          type: 'array',
          items: {
            type: 'object',
            required: ['port'],
            properties: {
              name: { type: 'string', maxLength: 63, pattern: DNS1123_LABEL },
              port: PORT,
              targetPort: { type: ['integer', 'string'], minimum: 1, maximum: 65535, maxLength: 15, ...IANA_SVC_NAME },
              protocol: { ...PROTOCOL, default: 'TCP' },
              appProtocol: { type: 'string', maxLength: 317 },
              nodePort: { type: 'integer', minimum: 0, maximum: 65535 },
            },
          },
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          'x-kubernetes-validations': [
            {
              rule: "size(self) <= 1 || self.all(p, has(p.name) && p.name != '')",
              message: 'every port needs a name when the Service has more than one port',
            },
            {
              rule: "self.all(p, !has(p.name) || p.name == '' || self.exists_one(q, has(q.name) && q.name == p.name))",
              message: 'port names must be unique within the Service',
            },
          ],
        },
      },
    },
  },
  // Service names are DNS-1035 labels: they become DNS names, so they start with a letter.
  { metadata: { $ref: OBJECT_META_ID, type: 'object', properties: { name: { type: 'string', maxLength: 63, pattern: DNS1035_LABEL } } } },
);

export const serviceAccountSchema: JsonSchema = k8sObject({});

function workload(extra: Record<string, JsonSchema> = {}): JsonSchema {
  return k8sObject({
    spec: {
      type: 'object',
      required: ['selector', 'template'],
      properties: {
        selector: labelSelector,
        template: podTemplate,
        ...extra,
      },
    },
  });
}

export const deploymentSchema: JsonSchema = workload();
export const statefulSetSchema: JsonSchema = workload({ serviceName: { type: 'string' } });

export const podSchema: JsonSchema = k8sObject({ spec: podSpec });

export const endpointSliceSchema: JsonSchema = k8sObject(
  {
    addressType: { type: 'string', enum: ['IPv4', 'IPv6', 'FQDN'] },
    endpoints: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['addresses'],
        properties: {
          addresses: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string' } },
          conditions: {
            type: 'object',
            properties: {
              ready: { type: ['boolean', 'null'] },
              serving: { type: ['boolean', 'null'] },
              terminating: { type: ['boolean', 'null'] },
            },
          },
          hostname: { type: 'string', maxLength: 63, pattern: DNS1123_LABEL },
          nodeName: { type: 'string' },
          zone: { type: 'string' },
          targetRef: { type: 'object', properties: { kind: { type: 'string' }, name: { type: 'string' }, namespace: { type: 'string' } } },
        },
      },
    },
    ports: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', maxLength: 63 },
          port: { type: 'integer', minimum: 0, maximum: 65535 },
          protocol: PROTOCOL,
          appProtocol: { type: 'string' },
        },
      },
    },
  },
  { required: ['addressType', 'endpoints'] },
);
