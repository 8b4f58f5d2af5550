/**
 * `windows` of a Rollout: cron schedules, validated with node-cron (five fields, or six
 * with seconds first; ranges, steps, names such as `mon-fri`, and `@daily`-style
 * nicknames).
 */
import { validateDetailed } from 'node-cron';
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import { arr, rec, str } from '../../model/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { specField } from './templates.ts';

export const INVALID_CRON = defineCode({
  code: 'SLU6010',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout window is not a valid cron expression',
  hint: 'Write the window as a cron expression: minute hour day-of-month month day-of-week, e.g. "0 9-17 * * mon-fri" (an optional seconds field may come first).',
});

/** node-cron's verdicts, by expression: windows repeat across rollouts, and validating is not cheap. */
const verdicts = new Map<string, string | undefined>();
const VERDICT_LIMIT = 10_000;

/** Why a cron expression is invalid, or undefined when node-cron accepts it. */
export function cronProblem(text: string): string | undefined {
  if (verdicts.has(text)) return verdicts.get(text);
  const result = validateDetailed(text);
  const problem = result.valid ? undefined : result.errors.map((e) => e.message).join('; ');
  if (verdicts.size >= VERDICT_LIMIT) verdicts.clear();
  verdicts.set(text, problem);
  return problem;
}

const SCHEDULE_KEYS = ['schedule', 'cron', 'start'] as const;

/** Each cron expression in `windows`, with its path. */
function schedules(value: unknown, base: PathSegment[]): { text: string; path: PathSegment[] }[] {
  const out: { text: string; path: PathSegment[] }[] = [];
  arr(value).forEach((item, i) => {
    const direct = str(item);
    if (direct !== undefined) {
      out.push({ text: direct, path: [...base, i] });
      return;
    }
    const entry = rec(item);
    for (const key of SCHEDULE_KEYS) {
      const text = str(entry?.[key]);
      if (text !== undefined) out.push({ text, path: [...base, i, key] });
    }
  });
  return out;
}

export const rolloutWindows: Analyzer = {
  name: 'rollout-windows',
  codes: [INVALID_CRON],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const rollout of model.rollouts) {
      const windows = specField(rollout, 'windows');
      if (!windows) continue;
      for (const { text, path } of schedules(windows.value, windows.path)) {
        const reasons = cronProblem(text);
        if (reasons === undefined) continue;
        out.push(diagnostic(INVALID_CRON, rollout.doc.locate(path, 'value'), `window "${text}" of rollout ${rollout.name} is not a valid cron expression: ${reasons}`));
      }
    }
    return out;
  },
};
