/** A cluster being built: its JSON, its source map, the flavor it is for, and where findings go. */
import type { Origin } from '../../model/index.ts';
import type { Flavor, JsonPathSegment, SourceMapEntry } from '../types.ts';
import type { Findings } from './findings.ts';

export interface ClusterDraft {
  name: string;
  /** The service host, for messages (findings are said once per policy node, for all its clusters). */
  host: string;
  flavor: Flavor;
  json: Record<string, unknown>;
  sources: SourceMapEntry[];
  findings: Findings;
}

/** Records that the subtree at `path` comes from `origin` (no-op without an origin). */
export function mapSource(draft: ClusterDraft, path: readonly JsonPathSegment[], origin: Origin | undefined): void {
  if (origin) draft.sources.push({ path, origin });
}

export const UINT32_MAX = 0xffffffff;
