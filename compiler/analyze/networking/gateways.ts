/**
 * SLU3010: a VirtualService bound to an Istio Gateway the policy set does not define
 * (Istio ignores the binding: the routes never reach that gateway).
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import { indexOf, isRecord, resolveGatewayReference } from '../../model/index.ts';
import type { PolicyModel, VirtualService } from '../../model/index.ts';
import { at, perVirtualService } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const UNKNOWN_GATEWAY = defineCode({
  code: 'SLU3010',
  stage: 'networking',
  severity: 'error',
  title: 'Gateway not found',
  hint: 'Reference an existing Gateway as name (same namespace) or namespace/name, or add the Gateway to the policy set.',
  istio: 'IST0101',
});

/** Istio Gateways by name and the namespaces that have any, per model's gateway list. */
const gatewayNames = new WeakMap<readonly object[], { withGateways: Set<string>; byName: Map<string, string[]> }>();

function namesOf(model: PolicyModel): { withGateways: Set<string>; byName: Map<string, string[]> } {
  let found = gatewayNames.get(model.gateways);
  if (found) return found;
  const withGateways = new Set<string>();
  const byName = new Map<string, string[]>();
  for (const g of model.gateways) {
    if (g.api === 'gateway-api') continue;
    withGateways.add(g.namespace);
    let list = byName.get(g.name);
    if (!list) byName.set(g.name, (list = []));
    list.push(`${g.namespace}/${g.name}`);
  }
  gatewayNames.set(model.gateways, (found = { withGateways, byName }));
  return found;
}

export const gateways: Analyzer = perVirtualService({
  name: 'gateways',
  codes: [UNKNOWN_GATEWAY],
  check(vs, model, out) {
    if (vs.sourceKind !== 'VirtualService') return;
    const index = indexOf(model);
    const { withGateways, byName } = namesOf(model);
    const check = (vs: VirtualService, written: string, path: readonly PathSegment[]) => {
      const ref = resolveGatewayReference(written, vs.namespace);
      if (!ref) return;
      if (index.gateways(ref.namespace, ref.name).some((g) => g.api !== 'gateway-api')) return;
      const loc = at(vs, path);
      const elsewhere = byName.get(ref.name);
      if (elsewhere && elsewhere.length > 0) {
        out.push(
          diagnostic(UNKNOWN_GATEWAY, loc, `gateway "${written}" means ${ref.namespace}/${ref.name}, which is not defined; the Gateway ${ref.name} is in ${elsewhere.length > 1 ? 'namespaces' : 'namespace'} ${elsewhere.map((e) => e.split('/')[0]).join(', ')}: write ${elsewhere[0]}`),
        );
        return;
      }
      if (!withGateways.has(ref.namespace)) {
        out.push(
          diagnostic(UNKNOWN_GATEWAY, loc, `gateway "${written}" (${ref.namespace}/${ref.name}) is not defined in the policy set, which has no Gateway in namespace ${ref.namespace}; if it is installed separately this is fine, otherwise these routes never reach a gateway`, {
            severity: 'warning',
          }),
        );
        return;
      }
      out.push(diagnostic(UNKNOWN_GATEWAY, loc, `gateway "${written}" (${ref.namespace}/${ref.name}) is not defined; Istio ignores the binding and these routes never reach a gateway`));
    };
    const spec = isRecord(vs.doc.data.spec) ? vs.doc.data.spec : {};
    if (Array.isArray(spec.gateways)) {
      spec.gateways.forEach((g, i) => {
        if (typeof g === 'string') check(vs, g, ['spec', 'gateways', i]);
      });
    }
    for (const route of vs.http) {
      route.matches.forEach((m, k) => {
        if (!Array.isArray(m.gateways)) return;
        m.gateways.forEach((g, i) => {
          if (typeof g === 'string') check(vs, g, [...route.path, 'match', k, 'gateways', i]);
        });
      });
    }
  },
});
