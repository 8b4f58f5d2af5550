/**
 * The mTLS mode a workload's port accepts, as Istio composes PeerAuthentication: the
 * workload-level policy (one with a selector in the workload's namespace; Istio ignores
 * selectors in the root namespace), else the namespace policy, else the mesh policy (root namespace, no
 * selector); UNSET inherits from the level above; PERMISSIVE when nothing sets it.
 * Port-level modes (`portLevelMtls`, keyed by the workload's port) count only on a
 * workload-level policy; an UNSET port inherits the workload's mode.
 *
 * This is a pure function of the policies that select the workload, never of other
 * resources, so a workload's TLS decision changes only when its PeerAuthentication does.
 */
import type { Labels, MtlsMode, Origin, PeerAuthentication, PolicyModel } from '../../model/index.ts';
import { peerAuthenticationsFor } from './selection.ts';

export type EffectiveMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface PeerAuthenticationDecision {
  mode: EffectiveMode;
  /** The node that decided (`spec.mtls` or `spec.portLevelMtls.PORT` of a PeerAuthentication); absent for the default. */
  origin?: Origin;
  /** The policy that decided, when one did. */
  policy?: PeerAuthentication;
}

/** The three levels that apply to a workload (the first policy of each level). */
export interface PeerAuthenticationLevels {
  workload?: PeerAuthentication;
  namespace?: PeerAuthentication;
  mesh?: PeerAuthentication;
}

export function peerAuthenticationLevels(model: PolicyModel, namespace: string, labels: Labels): PeerAuthenticationLevels {
  const levels: PeerAuthenticationLevels = {};
  for (const pa of peerAuthenticationsFor(model, namespace, labels)) {
    const selector = pa.selection.selector;
    const hasSelector = selector !== undefined && Object.keys(selector).length > 0;
    if (hasSelector) {
      // as in Istio, a policy with a selector in the root namespace selects nothing
      if (pa.namespace !== model.rootNamespace) levels.workload ??= pa;
    } else if (pa.namespace === model.rootNamespace) {
      levels.mesh ??= pa;
    } else {
      levels.namespace ??= pa;
    }
  }
  return levels;
}

function decided(mode: MtlsMode, policy: PeerAuthentication, path: readonly (string | number)[]): PeerAuthenticationDecision | undefined {
  if (mode === 'UNSET') return undefined;
  return { mode, policy, origin: { doc: policy.doc, path } };
}

/** The mode of one workload port (or of the workload as a whole when `port` is undefined). */
export function decideMode(levels: PeerAuthenticationLevels, port?: number): PeerAuthenticationDecision {
  const workload = levels.workload;
  if (workload && port !== undefined) {
    const key = String(port);
    const portMode = workload.portLevel[key];
    if (portMode !== undefined) {
      const found = decided(portMode, workload, ['spec', 'portLevelMtls', key]);
      if (found) return found;
    }
  }
  for (const pa of [workload, levels.namespace, levels.mesh]) {
    if (!pa) continue;
    const found = decided(pa.mode, pa, ['spec', 'mtls']);
    if (found) return found;
  }
  return { mode: 'PERMISSIVE' };
}

/**
 * The mTLS mode a workload (namespace + labels) accepts on `port` (its own port, the
 * Service's targetPort). Clients decide auto mTLS with the same function: TLS towards
 * STRICT, plaintext otherwise (proxyless gRPC servers serve PERMISSIVE as plaintext).
 */
export function peerAuthenticationMode(model: PolicyModel, namespace: string, labels: Labels, port?: number): PeerAuthenticationDecision {
  return decideMode(peerAuthenticationLevels(model, namespace, labels), port);
}
