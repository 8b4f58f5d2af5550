import { indexOf } from '../model/index.ts';
import type { PolicyModel } from '../model/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { translateClusters } from './clusters/index.ts';
import { translateListeners } from './listeners/index.ts';
import { translateRoutes } from './routes/index.ts';
import type { ProxyClass, TranslateContext, TranslateOptions, TranslateResult } from './types.ts';

export type * from './types.ts';
export * from './naming.ts';
export { classifyNode, proxyClass } from './proxy-class.ts';
export type { NodeIdentity } from './proxy-class.ts';

/**
 * The model → Envoy v3 resources for one proxy class. Pure; the order of resources is
 * stable (clusters, endpoints, listeners, routes, each by name) so output diffs are minimal.
 */
export function translate(model: PolicyModel, proxy: ProxyClass, options: TranslateOptions = {}): TranslateResult {
  const diagnostics: Diagnostic[] = [];
  const ctx: TranslateContext = { model, index: indexOf(model), proxy, options, report: (d) => diagnostics.push(d) };
  const resources = [...translateClusters(ctx), ...translateListeners(ctx), ...translateRoutes(ctx)];
  const order = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration', 'Secret'];
  const rank = (typeUrl: string) => order.findIndex((t) => typeUrl.endsWith(`.${t}`));
  resources.sort((a, b) => rank(a.typeUrl) - rank(b.typeUrl) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { proxy, resources, diagnostics };
}
