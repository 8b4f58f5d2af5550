import type { Resource, TranslateContext } from '../types.ts';

/** Clusters and ClusterLoadAssignments for every service port (and subset) the proxy class can reach. */
export function translateClusters(_ctx: TranslateContext): Resource[] {
  return [];
}
