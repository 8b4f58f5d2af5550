import { indexOf } from '../model/index.ts';
import type { PolicyModel } from '../model/index.ts';
import { diagnostic } from '../diagnostics/index.ts';
import type { CodeDefinition, Diagnostic, Located } from '../diagnostics/index.ts';
import { translateClusters } from './clusters/index.ts';
import { translateListeners } from './listeners/index.ts';
import { translateRoutes } from './routes/index.ts';
import { TranslationMemo } from './memo.ts';
import { FINDINGS_LISTED_PER_CODE } from './limits.ts';
import { combine } from './order.ts';
import type { ProxyClass, Resource, TranslateContext, TranslateOptions, TranslateResult } from './types.ts';

export { TranslationMemo };
export { inOrder, resourceChangesOf } from './order.ts';
export { sharedPart } from './shared-part.ts';

export type * from './types.ts';
export * from './naming.ts';
export { classifyNode, proxyClass } from './proxy-class.ts';
export type { NodeIdentity } from './proxy-class.ts';
export { FINDINGS_LISTED_PER_CODE };

/**
 * The model → Envoy v3 resources for one proxy class. Pure; the order of resources is
 * stable (clusters, endpoints, listeners, routes, each by name) so output diffs are minimal.
 * With a memo kept between translations, stages whose inputs did not change are reused (memo.ts).
 */
export function translate(model: PolicyModel, proxy: ProxyClass, options: TranslateOptions = {}, memo?: TranslationMemo): TranslateResult {
  const { ctx, diagnostics } = createTranslateContext(model, proxy, options);
  const stage = (name: string, run: (ctx: TranslateContext) => Resource[]) => (memo ? memo.stage(name, ctx, run) : run(ctx));
  const stages = [stage('clusters', translateClusters), stage('listeners', translateListeners), stage('routes', translateRoutes)];
  const resources = memo ? memo.combine(proxy.key, stages) : combine(stages);
  return { proxy, resources, diagnostics: diagnostics() };
}

/**
 * The context every part of the translator gets, and the findings it collected (with the
 * summaries of findings past FINDINGS_LISTED_PER_CODE) once the parts are done.
 */
export function createTranslateContext(model: PolicyModel, proxy: ProxyClass, options: TranslateOptions = {}): { ctx: TranslateContext; diagnostics: () => Diagnostic[] } {
  const collected: Diagnostic[] = [];
  const perCode = new Map<CodeDefinition, { listed: number; unlisted: number; first: Located }>();
  const ctx: TranslateContext = {
    model,
    index: indexOf(model),
    proxy,
    options,
    report: (d) => collected.push(d),
    reportAt(def, locate, message, reportOptions) {
      const seen = perCode.get(def);
      if (seen && seen.listed >= FINDINGS_LISTED_PER_CODE) {
        seen.unlisted++;
        return;
      }
      const at = locate();
      collected.push(diagnostic(def, at, message, reportOptions));
      if (seen) seen.listed++;
      else perCode.set(def, { listed: 1, unlisted: 0, first: at });
    },
    reportUnlisted(def, count) {
      const seen = perCode.get(def);
      if (!seen || seen.listed < FINDINGS_LISTED_PER_CODE) throw new Error(`reportUnlisted: ${def.code} has ${seen?.listed ?? 0} findings listed, not ${FINDINGS_LISTED_PER_CODE}`);
      seen.unlisted += count;
    },
  };
  const diagnostics = () => {
    const summaries: Diagnostic[] = [];
    for (const [def, { unlisted, first }] of perCode) {
      if (unlisted === 0) continue;
      summaries.push(
        diagnostic(def, first, `${unlisted.toLocaleString('en-US')} more ${def.code} findings for proxy class ${proxy.key} are not listed (${FINDINGS_LISTED_PER_CODE} are)`, {
          hint: `${def.hint} The same setting is likely used fleet-wide: fix it where it is defined, or accept it for this flavor.`,
        }),
      );
    }
    return [...collected, ...summaries];
  };
  return { ctx, diagnostics };
}
