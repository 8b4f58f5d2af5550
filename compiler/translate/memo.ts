/**
 * Translation across compiles of a changing model: a stage of the translator (clusters,
 * listeners, routes) whose inputs are the same objects as last time for the same proxy class
 * returns its last resources, and reports its last findings again.
 *
 * The stage runs on a recording view of the model (model/recording.ts) and of the options,
 * so its inputs are what it actually read. Its findings are recorded as the calls it made
 * (`reportAt` with a position thunk) and replayed through the new translation's context,
 * so positions are computed afresh and the per-code listing cap counts them as before
 * (past the cap, a code's findings are replayed as one count). Reused resources are frozen:
 * from then on their versions, verification and bytes are reused by identity.
 *
 * When only routes changed, the routes stage reuses virtual hosts (routes/host-memo.ts); when
 * the model says which routes were replaced in place (model/update.ts), only the virtual
 * hosts of those routes are built again and the rest is patched (`patchRoutes`).
 */
import type { CodeDefinition, Located, ReportOptions } from '../diagnostics/index.ts';
import { indexOf } from '../model/lookup.ts';
import { recordingView, sameParts } from '../model/recording.ts';
import type { ModelPart } from '../model/recording.ts';
import type { PolicyModel } from '../model/types.ts';
import { routeChangesOf } from '../model/update.ts';
import type { RouteChanges } from '../model/update.ts';
import { deepFreeze } from './shared-part.ts';
import { HostMemo, patchRoutes, useHostMemo } from './routes/host-memo.ts';
import type { RoutesState } from './routes/host-memo.ts';
import type { Resource, TranslateContext, TranslateOptions, WeightOverlay } from './types.ts';
import { FINDINGS_LISTED_PER_CODE } from './limits.ts';
import { combineStages, registerChanges, resourceChangesOf, sameOrderAs } from './order.ts';

type Finding = [def: CodeDefinition, locate: () => Located, message: string, options: ReportOptions | undefined];

/** A stage's findings as replayed: the calls that can be listed, in order, then per code how many more there were. */
interface Findings {
  listed: Finding[];
  unlisted: Map<CodeDefinition, number>;
}

interface StageRun {
  model: PolicyModel;
  reads: Set<ModelPart>;
  /** Options read, with the value they had (overlays compared by content: callers make new arrays). */
  options: Map<keyof TranslateOptions, string>;
  resources: Resource[];
  findings: Findings;
  frozen: boolean;
  /** False when the stage reported a finding with its position already computed (it cannot be replayed). */
  reusable: boolean;
  /** The routes stage's virtual hosts, reusable one by one when only routes changed. */
  hosts?: HostMemo['next'];
  /** The routes stage's assembly, to patch when routes were replaced in place. */
  routes?: RoutesState;
}

function optionValue(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

const NO_ROUTE_CHANGES: RouteChanges = { replaced: [], inChangedFiles: [], sameClaims: true };
const NO_OVERLAYS: ReadonlySet<string> = new Set();

function overlaysByRoute(overlays: readonly WeightOverlay[] | undefined): Map<string, string> {
  const grouped = new Map<string, WeightOverlay[]>();
  for (const o of overlays ?? []) {
    const key = `${o.namespace}/${o.virtualService}`;
    grouped.set(key, [...(grouped.get(key) ?? []), o]);
  }
  return new Map([...grouped].map(([key, list]) => [key, JSON.stringify(list)]));
}

/** The routes (`namespace/name`) whose rollout overlays differ between the overlays option as it was (JSON) and as it is. */
function changedOverlays(before: string, now: readonly WeightOverlay[] | undefined): ReadonlySet<string> {
  const parsed = JSON.parse(before === 'undefined' ? 'null' : before) as WeightOverlay[] | null;
  const a = overlaysByRoute(parsed ?? undefined);
  const b = overlaysByRoute(now);
  const out = new Set<string>();
  for (const [key, value] of a) if (b.get(key) !== value) out.add(key);
  for (const [key, value] of b) if (a.get(key) !== value) out.add(key);
  return out;
}

/** A context that passes findings on to `ctx` and records them (a stage's findings, kept to replay). */
function recordingFindings(ctx: TranslateContext, findings: Findings, onReport: () => void): Pick<TranslateContext, 'report' | 'reportAt' | 'reportUnlisted'> {
  const perCode = new Map<CodeDefinition, number>();
  return {
    report: (d) => {
      onReport();
      ctx.report(d);
    },
    reportAt(def, locate, message, reportOptions) {
      // past the cap within this stage, a finding is never listed: counting it is enough
      const n = (perCode.get(def) ?? 0) + 1;
      perCode.set(def, n);
      if (n <= FINDINGS_LISTED_PER_CODE) findings.listed.push([def, locate, message, reportOptions]);
      else findings.unlisted.set(def, (findings.unlisted.get(def) ?? 0) + 1);
      ctx.reportAt(def, locate, message, reportOptions);
    },
    reportUnlisted(def, count) {
      findings.unlisted.set(def, (findings.unlisted.get(def) ?? 0) + count);
      ctx.reportUnlisted!(def, count);
    },
  };
}

function replay(ctx: TranslateContext, findings: Findings): void {
  for (const [def, locate, message, options] of findings.listed) ctx.reportAt(def, locate, message, options);
  for (const [def, count] of findings.unlisted) {
    if (ctx.reportUnlisted) ctx.reportUnlisted(def, count);
    else throw new Error('a translation context without reportUnlisted cannot replay a memo');
  }
}

export class TranslationMemo {
  private readonly runs = new Map<string, StageRun>();
  /** Each proxy class's last stage lists and their combination, to tell the next combination what changed. */
  private readonly combined = new Map<string, { stages: readonly Resource[][]; resources: Resource[] }>();

  /** Forgets the translations of proxy classes not in `classes`. */
  retain(classes: ReadonlySet<string>): void {
    for (const key of this.runs.keys()) if (!classes.has(key.slice(0, key.indexOf('\n')))) this.runs.delete(key);
    for (const key of this.combined.keys()) if (!classes.has(key)) this.combined.delete(key);
  }

  /**
   * The stages' resources as one list (`combine`), registered as changed from the class's
   * last list where each stage's list is the same or was patched from the last one
   * (`resourceChangesOf`).
   */
  combine(classKey: string, stages: Resource[][]): Resource[] {
    const { resources, concatenated } = combineStages(stages);
    const last = this.combined.get(classKey);
    this.combined.set(classKey, { stages, resources });
    if (!concatenated || !last || last.stages.length !== stages.length || last.resources.length !== resources.length) return resources;
    const changed: number[] = [];
    let offset = 0;
    for (let k = 0; k < stages.length; k++) {
      const list = stages[k] as Resource[];
      const before = last.stages[k] as Resource[];
      if (list.length !== before.length) return resources;
      if (list !== before) {
        const patched = resourceChangesOf(list, before);
        if (!patched) return resources;
        for (const i of patched) changed.push(offset + i);
      }
      offset += list.length;
    }
    registerChanges(resources, last.resources, changed);
    return resources;
  }

  /** The resources of one stage, from the last run when nothing it read has changed. */
  stage(name: string, ctx: TranslateContext, translateStage: (ctx: TranslateContext) => Resource[]): Resource[] {
    const key = `${ctx.proxy.key}\n${name}`;
    const last = this.runs.get(key);
    if (last?.reusable && sameParts(last.model, ctx.model, last.reads) && [...last.options].every(([k, v]) => optionValue(ctx.options[k]) === v)) {
      replay(ctx, last.findings);
      if (!last.frozen) {
        for (const r of last.resources) deepFreeze(r.json);
        last.frozen = true;
      }
      last.model = ctx.model;
      return last.resources;
    }
    // only routes (or overlays) changed: virtual hosts whose routes did not are kept (routes/host-memo.ts)
    const onlyRoutes =
      name === 'routes' &&
      last?.reusable === true &&
      (last.hosts !== undefined || last.routes !== undefined) &&
      sameParts(last.model, ctx.model, last.reads, 'virtualServices') &&
      [...last.options].every(([k, v]) => k === 'overlays' || optionValue(ctx.options[k]) === v);
    if (onlyRoutes && last.routes) {
      // routes replaced in place, or rollout overlays changed (or both): only the virtual hosts of those routes are built
      const changes = ctx.model === last.model ? NO_ROUTE_CHANGES : routeChangesOf(ctx.model, last.model);
      const overlaysBefore = last.options.get('overlays');
      const overlaysNow = optionValue(ctx.options.overlays);
      if (changes) {
        const findings: Findings = { listed: [], unlisted: new Map() };
        let reusable = true;
        const recorded: TranslateContext = { ...ctx, ...recordingFindings(ctx, findings, () => (reusable = false)) };
        const overlaid = overlaysBefore === undefined || overlaysBefore === overlaysNow ? NO_OVERLAYS : changedOverlays(overlaysBefore, ctx.options.overlays);
        const patched = patchRoutes(last.routes, recorded, changes, overlaid);
        if (patched) {
          sameOrderAs(patched.resources, last.resources);
          registerChanges(patched.resources, last.resources, patched.changed);
          const options = new Map(last.options);
          if (overlaysBefore !== undefined) options.set('overlays', overlaysNow);
          this.runs.set(key, { model: ctx.model, reads: last.reads, options, resources: patched.resources, findings, frozen: false, reusable, routes: patched });
          return patched.resources;
        }
      }
    }
    const reads = new Set<ModelPart>();
    const options = new Map<keyof TranslateOptions, string>();
    const findings: Findings = { listed: [], unlisted: new Map() };
    const model = recordingView(ctx.model, reads);
    let reusable = true;
    const recorded: TranslateContext = {
      ...ctx,
      model,
      index: indexOf(model),
      options: new Proxy(ctx.options, {
        get(target, k) {
          const value = Reflect.get(target, k) as unknown;
          // `built` is a callback on the output, not an input to it
          if (typeof k === 'string' && k !== 'built') options.set(k as keyof TranslateOptions, optionValue(value));
          return value;
        },
      }),
      ...recordingFindings(ctx, findings, () => (reusable = false)),
    };
    let hosts: HostMemo | undefined;
    if (name === 'routes') {
      hosts = new HostMemo(onlyRoutes && last ? last.hosts ?? last.routes?.builtByService() ?? new Map() : new Map());
      useHostMemo(recorded, hosts);
    }
    const resources = translateStage(recorded);
    const routes = hosts?.state;
    this.runs.set(key, { model: ctx.model, reads, options, resources, findings, frozen: false, reusable, ...(hosts ? { hosts: hosts.next } : {}), ...(routes ? { routes } : {}) });
    return resources;
  }
}
