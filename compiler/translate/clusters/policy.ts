/**
 * The traffic policy in effect for one cluster, part by part, each with the node it came
 * from — Istio's MergeTrafficPolicy:
 *
 * - service cluster: the top-level trafficPolicy; a `portLevelSettings` entry for the port
 *   replaces connectionPool, loadBalancer, outlierDetection and tls as a whole (a part the
 *   entry does not set falls back to the default, not to the top level);
 * - subset cluster: the above, then each part the subset's trafficPolicy sets replaces it,
 *   then the subset's own portLevelSettings entry for the port replaces the four parts.
 */
import type { PathSegment, PolicyDocument } from '../../load/types.ts';
import type { AppliedRules, SubsetRule } from './rules.ts';
import { isRecord, type JsonRecord, type Part } from './json.ts';

export interface PolicyParts {
  connectionPool?: Part;
  loadBalancer?: Part;
  outlierDetection?: Part;
  tls?: Part;
  /** Not translated yet (diagnosed). */
  proxyProtocol?: Part;
  tunnel?: Part;
}

const PORT_PARTS = ['connectionPool', 'loadBalancer', 'outlierDetection', 'tls'] as const;
const ALL_PARTS = [...PORT_PARTS, 'proxyProtocol', 'tunnel'] as const;

function partsOf(policy: JsonRecord, doc: PolicyDocument, base: readonly PathSegment[], names: readonly (keyof PolicyParts)[]): PolicyParts {
  const out: PolicyParts = {};
  for (const name of names) {
    const value = policy[name];
    if (isRecord(value)) out[name] = { doc, path: [...base, name], value };
  }
  return out;
}

/** The parts a portLevelSettings entry for `port` sets, or undefined when no entry names the port. */
function portLevel(policy: JsonRecord, doc: PolicyDocument, base: readonly PathSegment[], port: number): PolicyParts | undefined {
  const list = policy.portLevelSettings;
  if (!Array.isArray(list)) return undefined;
  for (let i = 0; i < list.length; i++) {
    const entry: unknown = list[i];
    if (!isRecord(entry) || !isRecord(entry.port) || entry.port.number !== port) continue;
    return partsOf(entry, doc, [...base, 'portLevelSettings', i], PORT_PARTS);
  }
  return undefined;
}

function replacePortParts(into: PolicyParts, by: PolicyParts): PolicyParts {
  const out: PolicyParts = { ...into };
  for (const name of PORT_PARTS) {
    const part = by[name];
    if (part) out[name] = part;
    else delete out[name];
  }
  return out;
}

const TOP = ['spec', 'trafficPolicy'] as const;

export function servicePolicy(rules: AppliedRules | undefined, port: number): PolicyParts {
  const policy = rules?.policy;
  if (!policy) return {};
  const parts = partsOf(policy.value, policy.rule.doc, TOP, ALL_PARTS);
  const level = portLevel(policy.value, policy.rule.doc, TOP, port);
  return level ? replacePortParts(parts, level) : parts;
}

export function subsetPolicy(rules: AppliedRules | undefined, entry: SubsetRule, port: number): PolicyParts {
  const base = servicePolicy(rules, port);
  const own = entry.subset.trafficPolicy;
  if (!own) return base;
  const where = [...entry.subset.path, 'trafficPolicy'];
  const parts: PolicyParts = { ...base, ...partsOf(own, entry.rule.doc, where, ALL_PARTS) };
  const level = portLevel(own, entry.rule.doc, where, port);
  return level ? replacePortParts(parts, level) : parts;
}
