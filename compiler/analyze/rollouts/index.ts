import type { Analyzer } from '../types.ts';
import { analysisAnnotations } from './analysis-annotations.ts';
import { analysisConditions } from './analysis-conditions.ts';
import { analysisDuplicateMetrics } from './analysis-duplicate-metrics.ts';
import { analysisLimits } from './analysis-limits.ts';
import { analysisProviders } from './analysis-provider.ts';
import { analysisQueries } from './analysis-query.ts';
import { rolloutAnalysis } from './rollout-analysis.ts';
import { rolloutConflicts } from './rollout-conflicts.ts';
import { rolloutHeaderRoutes } from './rollout-header-route.ts';
import { rolloutPromotion } from './rollout-promotion.ts';
import { rolloutTargets } from './rollout-target.ts';
import { rolloutWindows } from './rollout-windows.ts';

export { parseCondition } from './expression.ts';
export type { ConditionNode, ParsedCondition } from './expression.ts';
// For the rollout controller, which resolves templates at run time with the same rules.
export { INVALID_SLUICE_ANNOTATION } from './analysis-annotations.ts';
export { INVALID_DURATION, NEGATIVE_LIMIT } from './analysis-limits.ts';
export { INVALID_PROMQL } from './analysis-query.ts';
export { promqlSyntaxError, substituteArgs } from './promql.ts';
export { MISSING_ARGS, TEMPLATE_NOT_FOUND } from './rollout-analysis.ts';
export { BUILTIN_TEMPLATE_NAME, findTemplate, templateName } from './templates.ts';

/** Rollout and analysis checks (SLU6xxx). */
export const rolloutAnalyzers: readonly Analyzer[] = [
  rolloutTargets,
  rolloutConflicts,
  rolloutAnalysis,
  rolloutWindows,
  rolloutHeaderRoutes,
  rolloutPromotion,
  analysisQueries,
  analysisProviders,
  analysisConditions,
  analysisLimits,
  analysisDuplicateMetrics,
  analysisAnnotations,
];
