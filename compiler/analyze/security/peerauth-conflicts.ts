/**
 * Several PeerAuthentications at one level: two mesh-wide policies in the root namespace,
 * two namespace-wide policies in one namespace, or two workload policies selecting the
 * same workload. Istio applies only the oldest of them; a policy repository has no
 * creation times, so which one wins is not written anywhere.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PeerAuthentication, PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { policyName, related, securityIndex } from './context.ts';

export const PEER_AUTHENTICATION_CONFLICT = defineCode({
  code: 'SLU5020',
  stage: 'security',
  severity: 'error',
  title: 'Conflicting PeerAuthentications at the same level',
  hint: 'Keep one PeerAuthentication per level: one mesh-wide in the root namespace, one namespace-wide per namespace, one per workload. Istio applies only the oldest of several, so which mTLS mode is in force depends on creation order, which Git does not record. Merge them into one policy (port-level settings go in `portLevelMtls`).',
});

function nameAt(pa: PeerAuthentication) {
  return pa.doc.locate(['metadata', 'name'], 'value');
}

export const peerAuthenticationConflicts: Analyzer = {
  name: 'peer-authentication-conflicts',
  codes: [PEER_AUTHENTICATION_CONFLICT],
  run(model: PolicyModel): Diagnostic[] {
    const index = securityIndex(model);
    const out: Diagnostic[] = [];

    const levelConflict = (list: readonly PeerAuthentication[], level: string) => {
      const [first, ...rest] = list;
      if (!first) return;
      for (const pa of rest) {
        out.push(
          diagnostic(PEER_AUTHENTICATION_CONFLICT, nameAt(pa), `${policyName(pa)} and ${policyName(first)} are both ${level} PeerAuthentications: Istio applies only the older one`, {
            related: [related(nameAt(first), `the other ${level} PeerAuthentication`)],
          }),
        );
      }
    };
    levelConflict(index.meshPeerAuth, 'mesh-wide');
    for (const [namespace, list] of index.namespacePeerAuth) levelConflict(list, `namespace-wide (namespace ${namespace})`);

    // Workload level: report each pair once, at the later policy's selector.
    const reported = new Map<PeerAuthentication, Set<PeerAuthentication>>();
    for (const [workload, list] of index.workloadPeerAuth) {
      const [first, ...rest] = list;
      if (!first) continue;
      for (const pa of rest) {
        let seen = reported.get(pa);
        if (!seen) reported.set(pa, (seen = new Set()));
        if (seen.has(first)) continue;
        seen.add(first);
        out.push(
          diagnostic(
            PEER_AUTHENTICATION_CONFLICT,
            pa.doc.locate(pa.selection.path, 'key'),
            `${policyName(pa)} and ${policyName(first)} both select workload ${workload.name} (${workload.kind}): Istio applies only the older one`,
            { related: [related(first.doc.locate(first.selection.path, 'key'), 'the other PeerAuthentication selecting it')] },
          ),
        );
      }
    }
    return out;
  },
};
