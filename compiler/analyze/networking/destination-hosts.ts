/**
 * SLU3001: a route (or mirror) sends traffic to a host no Service or ServiceEntry
 * declares. Envoy gets a route to a cluster that does not exist and answers 503
 * (istio#15226).
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import { indexOf, isRecord, isWildcardHost, resolveHostName } from '../../model/index.ts';
import type { ModelIndex, VirtualService } from '../../model/index.ts';
import { at, perVirtualService } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';
import { clusterNamespaceOf, registryOf } from './registry.ts';
import type { RegistryView } from './registry.ts';

export const UNKNOWN_DESTINATION_HOST = defineCode({
  code: 'SLU3001',
  stage: 'networking',
  severity: 'error',
  title: 'Destination host is not a known service',
  hint: 'Point the destination at an existing Service (short name in the route\'s namespace, or name.namespace.svc.cluster.local), or declare the host with a ServiceEntry.',
  istio: 'IST0101',
});

function check(
  vs: VirtualService,
  written: string,
  fqdn: string,
  path: readonly PathSegment[],
  what: string,
  index: ModelIndex,
  registry: RegistryView,
  out: Diagnostic[],
): void {
  if (fqdn === '' || index.isKnownHost(fqdn)) return;
  const shown = fqdn === written ? `"${written}"` : `"${written}" (${fqdn})`;
  const loc = at(vs, path);
  // Istio only expands names without a dot: `reviews.other` is not `reviews.other.svc.cluster.local`.
  if (vs.sourceKind === 'VirtualService' && !isWildcardHost(written) && written.includes('.')) {
    const expanded = `${written}.svc.${registry.domainSuffix}`;
    if (index.servicesAt(expanded).length > 0) {
      out.push(
        diagnostic(UNKNOWN_DESTINATION_HOST, loc, `${what} host ${shown} is not a known service; Istio takes a name with a dot literally and does not expand it to ${expanded}`, {
          hint: `Write the full name ${expanded} (Istio only qualifies names without any dot, relative to the route's namespace).`,
        }),
      );
      return;
    }
  }
  const namespace = clusterNamespaceOf(fqdn, registry.domainSuffix);
  if (namespace !== undefined && !registry.namespaces.has(namespace)) {
    const name = fqdn.slice(0, fqdn.indexOf('.'));
    out.push(
      diagnostic(
        UNKNOWN_DESTINATION_HOST,
        loc,
        `${what} host ${shown} is not a known service: the policy set declares no Service in namespace ${namespace}; if ${name} is created outside this repository, this is fine, otherwise requests get 503`,
        { severity: 'warning' },
      ),
    );
    return;
  }
  const detail =
    namespace !== undefined
      ? `no Service ${fqdn.slice(0, fqdn.indexOf('.'))} in namespace ${namespace} and no ServiceEntry for it`
      : 'no ServiceEntry declares it';
  out.push(diagnostic(UNKNOWN_DESTINATION_HOST, loc, `${what} host ${shown} is not a known service (${detail}); requests routed there fail with 503`));
}

function mirrorHosts(vs: VirtualService, visit: (host: string, path: PathSegment[]) => void): void {
  if (vs.sourceKind !== 'VirtualService') return;
  for (const route of vs.http) {
    const mirror = route.raw.mirror;
    if (isRecord(mirror) && typeof mirror.host === 'string') visit(mirror.host, [...route.path, 'mirror', 'host']);
    const mirrors = route.raw.mirrors;
    if (Array.isArray(mirrors)) {
      mirrors.forEach((m, i) => {
        const d = isRecord(m) ? m.destination : undefined;
        if (isRecord(d) && typeof d.host === 'string') visit(d.host, [...route.path, 'mirrors', i, 'destination', 'host']);
      });
    }
  }
}

export const destinationHosts: Analyzer = perVirtualService({
  name: 'destination-hosts',
  codes: [UNKNOWN_DESTINATION_HOST],
  check(vs, model, out) {
    const registry = registryOf(model);
    if (!registry.hasRegistry) return;
    const index = indexOf(model);
    for (const routes of [vs.http, vs.tcp, vs.tls]) {
      for (const route of routes) {
        for (const d of route.destinations) {
          if (d.host.service) continue;
          check(vs, d.host.written, d.host.fqdn, d.host.path, vs.sourceKind === 'VirtualService' ? 'destination' : 'backendRef', index, registry, out);
        }
      }
    }
    mirrorHosts(vs, (host, path) => check(vs, host, resolveHostName(host, vs.namespace, registry.domainSuffix), path, 'mirror', index, registry, out));
  },
});
