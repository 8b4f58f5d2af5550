/** One cluster, base → head: subset added or removed, labels and settings changed. */
import type { ClusterField, ClusterInfo } from './clusters.ts';
import { CLUSTER_FIELDS } from './clusters.ts';
import { locate } from './location.ts';
import type { NodeRef } from './location.ts';
import type { ClusterChange, DiffLocation, FieldChange, Side } from './types.ts';
import { UNSET } from './values.ts';

function at(side: Side, node: NodeRef): DiffLocation {
  return locate(side, node, node.path);
}

function fieldsBetween(base: ClusterInfo | undefined, head: ClusterInfo | undefined): { fields: FieldChange[]; changed: ClusterField[] } {
  const fields: FieldChange[] = [];
  const changed: ClusterField[] = [];
  const subset = head?.subset ?? base?.subset;
  if (subset !== undefined && base?.labels !== head?.labels) fields.push({ field: 'labels', before: base?.labels ?? UNSET, after: head?.labels ?? UNSET });
  for (const field of CLUSTER_FIELDS) {
    if (base?.canonical[field] === head?.canonical[field]) continue;
    fields.push({ field, before: base?.settings[field] ?? UNSET, after: head?.settings[field] ?? UNSET });
    changed.push(field);
  }
  return { fields, changed };
}

function locationOf(side: Side, info: ClusterInfo, fields: readonly ClusterField[]): DiffLocation | undefined {
  for (const f of fields) {
    const node = info.nodes[f];
    if (node) return locate(side, node, node.path, 'key');
  }
  const node = info.nodes.subset ?? info.origin;
  return node ? at(side, node) : undefined;
}

export function diffCluster(base: ClusterInfo | undefined, head: ClusterInfo | undefined): ClusterChange | undefined {
  const info = head ?? base;
  if (!info) return undefined;
  const { fields, changed } = fieldsBetween(base, head);
  if (fields.length === 0) return undefined;
  // a service-wide cluster appears with its service; only worth a line when it carries settings
  const change: ClusterChange['change'] = !base ? 'added' : !head ? 'removed' : 'changed';
  const location = (head && locationOf('head', head, changed)) ?? (base && locationOf('base', base, changed));
  if (!location) return undefined;
  // key order is the JSON output's order
  const out: ClusterChange = {
    change,
    host: info.host,
    ...(info.port === undefined ? {} : { port: info.port }),
    ...(info.subset === undefined ? {} : { subset: info.subset }),
    name: info.name,
    fields,
    location,
  };
  return out;
}
