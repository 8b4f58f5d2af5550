/**
 * What the policy set knows about its service registry, shared by the reference checks:
 * whether there is a registry at all, and which namespaces it covers. A policy repo
 * without any Service/ServiceEntry cannot be checked for unknown hosts; a namespace the
 * repo carries no Service for (say `istio-system`) may well hold services created
 * outside Git, so findings there are softer.
 */
import type { PolicyModel } from '../../model/types.ts';
import { DEFAULT_DOMAIN_SUFFIX } from '../../model/index.ts';

export interface RegistryView {
  hasRegistry: boolean;
  /** Namespaces with at least one Kubernetes Service or ServiceEntry. */
  namespaces: ReadonlySet<string>;
  domainSuffix: string;
}

/** By the model's services (kept from one model to the next when only routes change). */
const cache = new WeakMap<PolicyModel['services'], RegistryView>();

export function registryOf(model: PolicyModel): RegistryView {
  const domainSuffix = model.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  let view = cache.get(model.services);
  if (!view || view.domainSuffix !== domainSuffix) {
    const namespaces = new Set<string>();
    for (const s of model.services) namespaces.add(s.namespace);
    view = { hasRegistry: model.services.length > 0, namespaces, domainSuffix };
    cache.set(model.services, view);
  }
  return view;
}

/** `reviews.bookinfo.svc.cluster.local` → `bookinfo`; undefined for hosts outside the cluster domain. */
export function clusterNamespaceOf(fqdn: string, domainSuffix: string): string | undefined {
  const tail = `.svc.${domainSuffix}`;
  if (!fqdn.endsWith(tail)) return undefined;
  const parts = fqdn.slice(0, -tail.length).split('.');
  return parts.length === 2 ? parts[1] : undefined;
}
