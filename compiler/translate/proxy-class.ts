import type { Labels } from '../model/index.ts';
import type { Flavor, ProxyClass } from './types.ts';

export function proxyClass(flavor: Flavor, namespace: string, labels: Labels = {}): ProxyClass {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  return { flavor, namespace, labels: { ...labels }, key: `${flavor}/${namespace}/${sorted}` };
}

/** The parts of an xDS `Node` that say who a proxy is (metadata as plain JSON). */
export interface NodeIdentity {
  id?: string;
  userAgentName?: string;
  metadata?: Record<string, unknown>;
}

function labelsFrom(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The class of a connecting proxy, as istiod reads it: `metadata.GENERATOR == "grpc"` or a
 * gRPC user agent means proxyless gRPC; `metadata.NAMESPACE` and `metadata.LABELS` give the
 * namespace and labels, else the namespace is parsed from an Istio node id
 * (`sidecar~10.1.2.3~reviews-v1-7d9.default~default.svc.cluster.local`).
 */
export function classifyNode(node: NodeIdentity, fallbackNamespace = 'default'): ProxyClass {
  const metadata = node.metadata ?? {};
  const agent = (node.userAgentName ?? '').toLowerCase();
  const flavor: Flavor = metadata.GENERATOR === 'grpc' || agent.startsWith('grpc') ? 'grpc' : 'envoy';
  let namespace = typeof metadata.NAMESPACE === 'string' && metadata.NAMESPACE !== '' ? metadata.NAMESPACE : undefined;
  if (!namespace && node.id) {
    const parts = node.id.split('~');
    const podDotNamespace = parts.length === 4 ? parts[2] : undefined;
    const dot = podDotNamespace?.lastIndexOf('.') ?? -1;
    if (podDotNamespace && dot > 0) namespace = podDotNamespace.slice(dot + 1);
  }
  return proxyClass(flavor, namespace ?? fallbackNamespace, labelsFrom(metadata.LABELS));
}
