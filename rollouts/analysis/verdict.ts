/**
 * One measurement's verdict from its result, by Argo Rollouts' rules (utils/evaluate):
 * - a condition that cannot be evaluated (it errors, or is not true/false) → Error;
 * - only a successCondition: true → Successful, false → Failed;
 * - only a failureCondition: true → Failed, false → Successful;
 * - both: failure wins; neither true → Inconclusive;
 * - neither condition → Inconclusive (Argo's documented meaning; its code says Successful).
 *   A measurement that decides nothing must not be able to promote a canary.
 * No data (an empty or all-NaN result) is decided before the conditions: see run.ts.
 */
import { evaluateCondition } from './evaluate.ts';
import type { MeasurementPhase } from './types.ts';

export interface Verdict {
  phase: MeasurementPhase;
  message: string;
}

interface Conditions {
  successCondition?: string;
  failureCondition?: string;
}

function shown(value: number | number[]): string {
  const values = Array.isArray(value) ? value : [value];
  const text = values.slice(0, 5).map((v) => String(+v.toPrecision(6)));
  return values.length > 5 ? `[${text.join(', ')}, … ${values.length} values]` : values.length === 1 ? (text[0] ?? '') : `[${text.join(', ')}]`;
}

export function verdictOf(metric: Conditions, value: number | number[]): Verdict {
  const { successCondition: success, failureCondition: failure } = metric;
  if (success === undefined && failure === undefined) {
    return { phase: 'Inconclusive', message: `result ${shown(value)}; the metric has neither successCondition nor failureCondition, so it decides nothing` };
  }
  let succeeded: boolean | undefined;
  let failed: boolean | undefined;
  if (failure !== undefined) {
    const e = evaluateCondition(failure, value);
    if (!e.ok) return { phase: 'Error', message: `failureCondition \`${failure}\` cannot be evaluated on ${shown(value)}: ${e.message}` };
    failed = e.value;
  }
  if (success !== undefined) {
    const e = evaluateCondition(success, value);
    if (!e.ok) return { phase: 'Error', message: `successCondition \`${success}\` cannot be evaluated on ${shown(value)}: ${e.message}` };
    succeeded = e.value;
  }
  if (failed === true) return { phase: 'Failed', message: `result ${shown(value)} met failureCondition \`${failure}\`` };
  if (succeeded === true) return { phase: 'Successful', message: `result ${shown(value)} met successCondition \`${success}\`` };
  if (failed === undefined) return { phase: 'Failed', message: `result ${shown(value)} did not meet successCondition \`${success}\`` };
  if (succeeded === undefined) return { phase: 'Successful', message: `result ${shown(value)} did not meet failureCondition \`${failure}\`` };
  return { phase: 'Inconclusive', message: `result ${shown(value)} met neither successCondition \`${success}\` nor failureCondition \`${failure}\`` };
}

export { shown as formatResult };
