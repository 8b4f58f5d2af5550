/**
 * Translation across compiles of a changing model: a stage of the translator (clusters,
 * listeners, routes) whose inputs are the same objects as last time for the same proxy class
 * returns its last resources, and reports its last findings again.
 *
 * The stage runs on a recording view of the model (model/recording.ts) and of the options,
 * so its inputs are what it actually read. Its findings are recorded as the calls it made
 * (`reportAt` with a position thunk) and replayed through the new translation's context,
 * so positions are computed afresh and the per-code listing cap counts them as before.
 * Reused resources are frozen: from then on their versions, verification and bytes are
 * reused by identity.
 */
import type { CodeDefinition, Located, ReportOptions } from '../diagnostics/index.ts';
import { indexOf } from '../model/lookup.ts';
import { recordingView, sameParts } from '../model/recording.ts';
import type { ModelPart } from '../model/recording.ts';
import type { PolicyModel } from '../model/types.ts';
import { deepFreeze } from './routes/frozen.ts';
import { HostMemo, useHostMemo } from './routes/host-memo.ts';
import type { Resource, TranslateContext, TranslateOptions } from './types.ts';

type Finding = [def: CodeDefinition, locate: () => Located, message: string, options: ReportOptions | undefined];

interface StageRun {
  model: PolicyModel;
  reads: Set<ModelPart>;
  /** Options read, with the value they had (overlays compared by content: callers make new arrays). */
  options: Map<keyof TranslateOptions, string>;
  resources: Resource[];
  findings: Finding[];
  frozen: boolean;
  /** False when the stage reported a finding with its position already computed (it cannot be replayed). */
  reusable: boolean;
  /** The routes stage's virtual hosts, reusable one by one when only routes changed. */
  hosts?: HostMemo['next'];
}

function optionValue(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

export class TranslationMemo {
  private readonly runs = new Map<string, StageRun>();

  /** Forgets the translations of proxy classes not in `classes`. */
  retain(classes: ReadonlySet<string>): void {
    for (const key of this.runs.keys()) if (!classes.has(key.slice(0, key.indexOf('\n')))) this.runs.delete(key);
  }

  /** The resources of one stage, from the last run when nothing it read has changed. */
  stage(name: string, ctx: TranslateContext, translateStage: (ctx: TranslateContext) => Resource[]): Resource[] {
    const key = `${ctx.proxy.key}\n${name}`;
    const last = this.runs.get(key);
    if (last?.reusable && sameParts(last.model, ctx.model, last.reads) && [...last.options].every(([k, v]) => optionValue(ctx.options[k]) === v)) {
      for (const [def, locate, message, options] of last.findings) ctx.reportAt(def, locate, message, options);
      if (!last.frozen) {
        for (const r of last.resources) deepFreeze(r.json);
        last.frozen = true;
      }
      last.model = ctx.model;
      return last.resources;
    }
    const reads = new Set<ModelPart>();
    const options = new Map<keyof TranslateOptions, string>();
    const findings: Finding[] = [];
    const model = recordingView(ctx.model, reads);
    let reusable = true;
    const recorded: TranslateContext = {
      ...ctx,
      model,
      index: indexOf(model),
      options: new Proxy(ctx.options, {
        get(target, k) {
          const value = Reflect.get(target, k) as unknown;
          if (typeof k === 'string') options.set(k as keyof TranslateOptions, optionValue(value));
          return value;
        },
      }),
      report: (d) => {
        reusable = false;
        ctx.report(d);
      },
      reportAt(def, locate, message, reportOptions) {
        findings.push([def, locate, message, reportOptions]);
        ctx.reportAt(def, locate, message, reportOptions);
      },
    };
    let hosts: HostMemo | undefined;
    if (name === 'routes') {
      // only routes (or overlays) changed: virtual hosts whose routes did not are kept (routes/host-memo.ts)
      const onlyRoutes = last?.reusable && last.hosts && sameParts(last.model, ctx.model, [...last.reads].filter((part) => part !== 'virtualServices')) &&
        [...last.options].every(([k, v]) => k === 'overlays' || optionValue(ctx.options[k]) === v);
      hosts = new HostMemo(onlyRoutes && last.hosts ? last.hosts : new Map());
      useHostMemo(recorded, hosts);
    }
    const resources = translateStage(recorded);
    this.runs.set(key, { model: ctx.model, reads, options, resources, findings, frozen: false, reusable, ...(hosts ? { hosts: hosts.next } : {}) });
    return resources;
  }
}
