/**
 * `portLevelMtls` entries for ports that none of the selected workloads serve. Port-level
 * mTLS is keyed by the port on the workload (a Service's targetPort, not its port), so a
 * Service port number there is a common slip that silently does nothing.
 *
 * Only reported when every selected workload's ports are known: each is behind at least
 * one Service and every targetPort resolves to a number (named container ports count too). (`portLevelMtls` on a policy
 * without a selector is rejected by the CRD's own rule, which the schema stage reports.)
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { nameList, policyName, securityIndex, workloadNames } from './context.ts';

export const PORT_LEVEL_MTLS_UNKNOWN_PORT = defineCode({
  code: 'SLU5022',
  stage: 'security',
  severity: 'warning',
  title: 'portLevelMtls names a port the selected workloads do not serve',
  hint: 'Keys of `portLevelMtls` are ports on the workload (the container port a Service\'s `targetPort` points at), not Service ports. Use the workload port, or remove the entry.',
});

export const peerAuthenticationPortLevel: Analyzer = {
  name: 'peer-authentication-port-level',
  codes: [PORT_LEVEL_MTLS_UNKNOWN_PORT],
  run(model: PolicyModel): Diagnostic[] {
    const index = securityIndex(model);
    const out: Diagnostic[] = [];
    for (const pa of model.peerAuthentications) {
      const keys = Object.keys(pa.portLevel);
      if (keys.length === 0 || pa.scope !== 'workload' || pa.selection.workloads.length === 0) continue;
      const served = new Set<number>();
      const described: string[] = [];
      let knowable = true;
      for (const w of pa.selection.workloads) {
        const ports = index.portsByWorkload.get(w);
        if (!ports || ports.length === 0 || ports.some((p) => p.port === undefined)) {
          knowable = false;
          break;
        }
        const numbers = [...ports.map((p) => p.port ?? 0), ...Object.values(w.ports)];
        for (const n of numbers) {
          if (!served.has(n)) {
            served.add(n);
            described.push(String(n));
          }
        }
      }
      if (!knowable) continue;
      for (const key of keys) {
        if (served.has(Number(key))) continue;
        out.push(
          diagnostic(
            PORT_LEVEL_MTLS_UNKNOWN_PORT,
            pa.doc.locate(['spec', 'portLevelMtls', key], 'key'),
            `${policyName(pa)} sets mTLS for port ${key}, but ${workloadNames(pa.selection.workloads)} serve${pa.selection.workloads.length === 1 ? 's' : ''} only port${described.length === 1 ? '' : 's'} ${nameList(described, 8)}: the setting has no effect`,
          ),
        );
      }
    }
    return out;
  },
};
