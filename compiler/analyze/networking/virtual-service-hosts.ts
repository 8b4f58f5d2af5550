/**
 * SLU3007: one host claimed by several VirtualServices that apply to sidecars. Istio does
 * not merge mesh VirtualServices: sidecars use one of them, which one depends on creation
 * order (istio#5006, #22997). Gateway-bound VirtualServices are merged by Istio and are
 * not reported; Gateway API routes for one Service are merged too.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { isVisible } from '../../model/index.ts';
import type { HostReference, PolicyModel, VirtualService } from '../../model/index.ts';
import { at, describeResource, place, related } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const CONFLICTING_VIRTUAL_SERVICE_HOST = defineCode({
  code: 'SLU3007',
  stage: 'networking',
  severity: 'error',
  title: 'Host defined by several mesh VirtualServices',
  hint: 'Merge the routes for this host into one VirtualService (or bind all but one to a gateway); sidecars use only one VirtualService per host.',
  istio: 'IST0109',
});

/** Could some namespace see both VirtualServices? (exportTo: empty = everywhere, "." = own namespace.) */
function visibilityOverlaps(a: VirtualService, b: VirtualService): boolean {
  if (a.exportTo.length === 0 || b.exportTo.length === 0) return true;
  const candidates = new Set<string>([a.namespace, b.namespace]);
  for (const e of [...a.exportTo, ...b.exportTo]) if (e !== '.' && e !== '*' && e !== '~') candidates.add(e);
  if (a.exportTo.includes('*') && b.exportTo.includes('*')) return true;
  for (const ns of candidates) if (isVisible(a.exportTo, a.namespace, ns) && isVisible(b.exportTo, b.namespace, ns)) return true;
  return false;
}

export const virtualServiceHosts: Analyzer = {
  name: 'virtual-service-hosts',
  codes: [CONFLICTING_VIRTUAL_SERVICE_HOST],
  readsRouteClaimsOnly: true,
  run(model: PolicyModel): Diagnostic[] {
    const byHost = new Map<string, { vs: VirtualService; host: HostReference }[]>();
    for (const vs of model.virtualServices) {
      if (vs.sourceKind !== 'VirtualService' || !vs.appliesToMesh) continue;
      const seen = new Set<string>();
      for (const host of vs.hosts) {
        if (host.fqdn === '' || seen.has(host.fqdn)) continue;
        seen.add(host.fqdn);
        let list = byHost.get(host.fqdn);
        if (!list) byHost.set(host.fqdn, (list = []));
        list.push({ vs, host });
      }
    }
    const out: Diagnostic[] = [];
    for (const [fqdn, claims] of byHost) {
      if (claims.length < 2) continue;
      for (let i = 1; i < claims.length; i++) {
        const claim = claims[i];
        if (!claim) continue;
        const earlier = claims.slice(0, i).find((c) => visibilityOverlaps(c.vs, claim.vs));
        if (!earlier) continue;
        out.push(
          diagnostic(
            CONFLICTING_VIRTUAL_SERVICE_HOST,
            at(claim.vs, claim.host.path),
            `host ${fqdn} is defined by ${describeResource(claim.vs.doc)} and by ${describeResource(earlier.vs.doc)} at ${place(earlier.vs, earlier.host.path)}; both apply to sidecars (mesh), and Istio uses only one of them, so the other's routes are silently ignored`,
            { related: [related(earlier.vs, earlier.host.path, `${describeResource(earlier.vs.doc)} also defines ${fqdn}`)] },
          ),
        );
      }
    }
    return out;
  },
};
