/**
 * The mutual TLS mode a destination accepts, from PeerAuthentication: workload policy (its
 * port-level mode for the workload port first) over namespace policy over mesh policy (root
 * namespace), UNSET inheriting from the level above, PERMISSIVE when nothing says otherwise.
 * Of several policies at one level the first in document order wins (Istio: the oldest).
 */
import type { MtlsMode, PeerAuthentication, PolicyModel, Workload } from '../../model/index.ts';

export type EffectiveMode = Exclude<MtlsMode, 'UNSET'>;

export interface ModeDecision {
  mode: EffectiveMode;
  /** The policy that decided it (undefined for the PERMISSIVE default). */
  policy?: PeerAuthentication;
  /** The portLevelMtls key that decided it, when a port-level mode did. */
  port?: string;
}

const DEFAULT: ModeDecision = Object.freeze({ mode: 'PERMISSIVE' });

export class MtlsModes {
  private mesh: PeerAuthentication | undefined;
  private readonly namespaces = new Map<string, PeerAuthentication>();
  private readonly workloads = new Map<Workload, PeerAuthentication>();
  private readonly namespaceCache = new Map<string, ModeDecision>();

  constructor(model: PolicyModel) {
    for (const pa of model.peerAuthentications) {
      if (pa.scope === 'mesh') this.mesh ??= pa;
      else if (pa.scope === 'namespace') {
        if (!this.namespaces.has(pa.namespace)) this.namespaces.set(pa.namespace, pa);
      } else {
        for (const w of pa.selection.workloads) if (!this.workloads.has(w)) this.workloads.set(w, pa);
      }
    }
  }

  /** True when no PeerAuthentication exists at all (every destination is PERMISSIVE). */
  get empty(): boolean {
    return !this.mesh && this.namespaces.size === 0 && this.workloads.size === 0;
  }

  /** The namespace-wide mode (namespace policy, else mesh policy, else PERMISSIVE). */
  forNamespace(namespace: string): ModeDecision {
    let decision = this.namespaceCache.get(namespace);
    if (!decision) {
      const ns = this.namespaces.get(namespace);
      if (ns && ns.mode !== 'UNSET') decision = { mode: ns.mode, policy: ns };
      else if (this.mesh && this.mesh.mode !== 'UNSET') decision = { mode: this.mesh.mode, policy: this.mesh };
      else decision = DEFAULT;
      this.namespaceCache.set(namespace, decision);
    }
    return decision;
  }

  /** The mode a workload accepts on `port` (its workload port); namespace-wide when the workload is unknown. */
  forWorkload(workload: Workload | undefined, namespace: string, port: number | undefined): ModeDecision {
    const pa = workload ? this.workloads.get(workload) : undefined;
    if (pa) {
      const level = port === undefined ? undefined : pa.portLevel[String(port)];
      if (level !== undefined && level !== 'UNSET') return { mode: level, policy: pa, port: String(port) };
      if (pa.mode !== 'UNSET') return { mode: pa.mode, policy: pa };
    }
    return this.forNamespace(workload?.namespace ?? namespace);
  }
}
