import type { Analyzer } from '../types.ts';
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
];
