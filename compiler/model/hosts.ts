/**
 * Host names as Istio resolves them.
 *
 * A host written in a policy is made fully qualified relative to the policy's namespace
 * only when it has no dot at all (`reviews` → `reviews.NS.svc.cluster.local`). Anything
 * with a dot (`reviews.other`, `api.example.com`) is taken as written, and so are `*`
 * and IP addresses: this is pilot's ResolveShortnameToFQDN, and what decides the cluster
 * name Envoy is sent. `reviews.other` therefore does not reach the Kubernetes service
 * `reviews.other.svc.cluster.local` through Istio's routing, even though Kubernetes DNS
 * would resolve it.
 */
import { isIP } from 'node:net';

export const DEFAULT_DOMAIN_SUFFIX = 'cluster.local';
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

export function isWildcardHost(host: string): boolean {
  return host.startsWith('*');
}

/** Istio's shortname expansion (pilot `ResolveShortnameToFQDN`). */
export function resolveHostName(written: string, namespace: string, domainSuffix: string = DEFAULT_DOMAIN_SUFFIX): string {
  if (written === '' || written === '*') return written;
  if (written.includes('.')) return written;
  if (written.includes(':') && isIP(written) !== 0) return written;
  let out = written;
  if (namespace !== '') out += `.${namespace}`;
  if (domainSuffix !== '') out += `.svc.${domainSuffix}`;
  return out;
}

/** The Kubernetes FQDN of a Service. */
export function kubernetesHostname(name: string, namespace: string, domainSuffix: string = DEFAULT_DOMAIN_SUFFIX): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}

/**
 * Does `pattern` (possibly a wildcard, `*.example.com` or `*`) match the concrete or
 * wildcard host `host`? Istio's rule: `*.example.com` matches any host ending in
 * `.example.com` (one or more labels), not `example.com` itself.
 */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (pattern === '*') return true;
  if (!pattern.startsWith('*')) return false;
  const suffix = pattern.slice(1); // ".example.com"
  if (host.startsWith('*')) {
    // wildcard vs wildcard: the pattern must be at least as broad
    return host.slice(1).endsWith(suffix) && host.length >= pattern.length;
  }
  return host.length > suffix.length && host.endsWith(suffix);
}

/** Do two hosts (either may be a wildcard) have any name in common? */
export function hostsOverlap(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}

/**
 * The wildcard patterns that could match `host`, most specific first:
 * `a.b.example.com` → `*.b.example.com`, `*.example.com`, `*.com`, `*`.
 */
export function wildcardCandidates(host: string): string[] {
  const out: string[] = [];
  let rest = host.startsWith('*.') ? host.slice(2) : host;
  if (host.startsWith('*.')) out.push(host);
  let dot = rest.indexOf('.');
  while (dot >= 0) {
    rest = rest.slice(dot + 1);
    out.push(`*.${rest}`);
    dot = rest.indexOf('.');
  }
  out.push('*');
  return out;
}

/** `ns/name`, `name` (relative to the namespace) or legacy `name.ns.svc.cluster.local` gateway references. */
export function resolveGatewayReference(written: string, namespace: string): { namespace: string; name: string } | undefined {
  if (written === 'mesh') return undefined;
  const slash = written.indexOf('/');
  if (slash >= 0) return { namespace: written.slice(0, slash), name: written.slice(slash + 1) };
  const dot = written.indexOf('.');
  if (dot >= 0) {
    const parts = written.split('.');
    return { name: parts[0] ?? written, namespace: parts[1] ?? namespace };
  }
  return { namespace, name: written };
}
