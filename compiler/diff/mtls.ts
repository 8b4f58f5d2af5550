/**
 * The mTLS mode a workload accepts, from PeerAuthentication with Istio's precedence: the
 * workload policy, else the namespace policy, else the mesh policy (UNSET inherits from
 * the level above); PERMISSIVE when none sets it. Port-level modes come from the workload
 * policy only. Several policies at one level (a conflict) resolve to the first by name.
 */
import type { PeerAuthentication } from '../model/types.ts';
import { byNamespaceName, compareText } from './canonical.ts';
import type { MtlsView } from './types.ts';

type Mode = MtlsView['mode'];

export function mtlsOf(applying: readonly PeerAuthentication[]): MtlsView {
  const sorted = [...applying].sort(byNamespaceName);
  const workload = sorted.find((p) => p.scope === 'workload');
  const namespace = sorted.find((p) => p.scope === 'namespace');
  const mesh = sorted.find((p) => p.scope === 'mesh');
  let mode: Mode = 'PERMISSIVE';
  let isDefault = true;
  for (const p of [workload, namespace, mesh]) {
    if (p && p.mode !== 'UNSET') {
      mode = p.mode;
      isDefault = false;
      break;
    }
  }
  const ports: Record<string, Mode> = {};
  if (workload) {
    for (const port of Object.keys(workload.portLevel).sort((a, b) => compareText(a, b))) {
      const m = workload.portLevel[port];
      if (m !== undefined && m !== 'UNSET' && m !== mode) ports[port] = m;
    }
  }
  const portText = Object.entries(ports).map(([port, m]) => `, port ${port} ${m}`).join('');
  const text = `${mode}${isDefault ? ' (default)' : ''}${portText}`;
  return { mode, ports, default: isDefault && portText === '', text };
}
