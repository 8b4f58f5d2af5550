import type { CodeDefinition, Diagnostic } from '../diagnostics/index.ts';
import type { PolicyModel, VirtualService } from '../model/types.ts';

/** One semantic check. Analyzers are pure: the model in, findings out, never a throw. */
export interface Analyzer {
  /** Short kebab-case name, shown by `sluice validate --explain` and in docs. */
  name: string;
  /** Every code this analyzer can report. */
  codes: readonly CodeDefinition[];
  run(model: PolicyModel): Diagnostic[];
  /**
   * Set by analyzers whose findings are each about one route (see shared/per-virtual-service.ts):
   * the findings about `vs`. `run` is then the union of these over `model.virtualServices`.
   */
  forVirtualService?(vs: VirtualService, model: PolicyModel): Diagnostic[];
  /**
   * Of the routes, reads only what they claim (model/update.ts `sameClaims`): routes replaced
   * by routes claiming the same hosts leave its findings as they were (analyze/cache.ts).
   */
  readsRouteClaimsOnly?: boolean;
  /** With `forVirtualService`: findings about the model as a whole, after the routes' (part of `run`). */
  afterRoutes?(model: PolicyModel): Diagnostic[];
}
