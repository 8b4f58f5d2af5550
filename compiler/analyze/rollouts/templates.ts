/**
 * Shared reading of AnalysisTemplates and of the Rollout fields that refer to them.
 *
 * The Rollout (`rollouts.sluice.dev`) fields read here, next to what the model normalizes:
 * - analysis steps: `steps[i].analysis: {templates: [{templateName, clusterScope?}], args: [{name, value | valueFrom}]}`
 * - background analysis: `analysis` (or `strategy.analysis`) with the same `templates` and
 *   `args`, plus `startingStep`
 * - `setHeaderRoute: {name, match: [{headerName, headerValue: {exact | prefix | regex}}]}` steps
 * - `windows` (or `strategy.windows`): cron schedules, as strings or `{schedule: "..."}` / `{cron: "..."}`
 * - `promotion` (or `strategy.promotion`): whether anything promotes the canary past its last step
 */
import type { PathSegment } from '../../load/types.ts';
import { arr, dig, rec, str } from '../../model/index.ts';
import type { JsonRecord } from '../../model/index.ts';
import type { AnalysisTemplate, PolicyModel, Rollout } from '../../model/types.ts';

export function templateName(t: AnalysisTemplate): string {
  return t.kind === 'ClusterAnalysisTemplate' ? `ClusterAnalysisTemplate ${t.name}` : `AnalysisTemplate ${t.namespace}/${t.name}`;
}

/** Argument name → default value (undefined: none, the rollout must supply it). */
export function argDefaults(t: AnalysisTemplate): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>();
  for (const arg of t.args) values.set(arg.name, arg.value);
  return values;
}

/** Arguments a template requires: declared without `value` and without `valueFrom`. */
export function requiredArgs(t: AnalysisTemplate): string[] {
  const out: string[] = [];
  for (const item of arr(dig(t.doc.data, 'spec', 'args'))) {
    const arg = rec(item);
    const name = str(arg?.name);
    if (!arg || name === undefined) continue;
    if (arg.value === undefined && arg.valueFrom === undefined) out.push(name);
  }
  return out;
}

/**
 * Names of the golden-signal templates built into sluice's rollout controller
 * (rollouts/analysis/builtins.ts, which tests that every built-in matches): a rollout may
 * name them without the repository defining them; a repository template of the same name wins.
 */
export const BUILTIN_TEMPLATE_NAME = /^sluice-(istio|envoy|grpc)-(success-rate|error-rate|latency-p99|request-volume|judge|latency-judge)$/;

const cache = new WeakMap<PolicyModel, Map<string, AnalysisTemplate>>();

function key(kind: AnalysisTemplate['kind'], namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

/** Finds a template the way Argo does: namespace-local, or cluster-scoped with `clusterScope: true`. */
export function findTemplate(model: PolicyModel, name: string, namespace: string, clusterScope: boolean): AnalysisTemplate | undefined {
  let index = cache.get(model);
  if (!index) {
    index = new Map();
    for (const t of model.analysisTemplates) {
      const k = key(t.kind, t.namespace, t.name);
      if (!index.has(k)) index.set(k, t);
    }
    cache.set(model, index);
  }
  return clusterScope ? index.get(key('ClusterAnalysisTemplate', '', name)) : index.get(key('AnalysisTemplate', namespace, name));
}

/** An analysis a rollout runs: an analysis step, or the background analysis. */
export interface AnalysisUse {
  /** `step N` or `background analysis`, for messages. */
  label: string;
  value: JsonRecord;
  path: PathSegment[];
}

/** The rollout spec field `name`, directly under `spec` or under `spec.strategy`. */
export function specField(rollout: Rollout, name: string): { value: unknown; path: PathSegment[] } | undefined {
  if (rollout.raw[name] !== undefined) return { value: rollout.raw[name], path: ['spec', name] };
  const strategy = rec(rollout.raw.strategy);
  if (strategy && strategy[name] !== undefined) return { value: strategy[name], path: ['spec', 'strategy', name] };
  return undefined;
}

export function analysisUses(rollout: Rollout): AnalysisUse[] {
  const uses: AnalysisUse[] = [];
  for (const step of rollout.steps) {
    const analysis = rec(step.raw.analysis);
    if (step.kind === 'analysis' && analysis) uses.push({ label: `step ${step.index}`, value: analysis, path: [...step.path, 'analysis'] });
  }
  const background = specField(rollout, 'analysis');
  const value = rec(background?.value);
  if (background && value) uses.push({ label: 'background analysis', value, path: background.path });
  return uses;
}
