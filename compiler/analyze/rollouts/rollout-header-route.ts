/**
 * `setHeaderRoute` steps: a header `regex` goes into the Envoy route as an RE2 pattern,
 * which Envoy NACKs (and proxyless gRPC crashes on) when it does not compile; checked with
 * RE2 itself.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { arr, dig, rec, str } from '../../model/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import { checkRegex } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const INVALID_HEADER_REGEX = defineCode({
  code: 'SLU6011',
  stage: 'rollouts',
  severity: 'error',
  title: 'setHeaderRoute regex is not valid RE2',
  hint: 'Envoy matches headers with Google RE2: no lookaround (`(?=`, `(?!`, `(?<=`), no backreferences (`\\1`), at most 1024 bytes. Rewrite the pattern, or use `exact` or `prefix`.',
});

export const rolloutHeaderRoutes: Analyzer = {
  name: 'rollout-header-routes',
  codes: [INVALID_HEADER_REGEX],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const rollout of model.rollouts) {
      for (const step of rollout.steps) {
        if (step.kind !== 'setHeaderRoute') continue;
        arr(dig(step.raw, 'setHeaderRoute', 'match')).forEach((item, j) => {
          const regex = str(dig(rec(item), 'headerValue', 'regex'));
          if (regex === undefined) return;
          const problem = checkRegex(regex);
          if (!problem) return;
          const header = str(rec(item)?.headerName) ?? '?';
          out.push(
            diagnostic(INVALID_HEADER_REGEX, rollout.doc.locate([...step.path, 'setHeaderRoute', 'match', j, 'headerValue', 'regex'], 'value'), `step ${step.index} of rollout ${rollout.name} matches header ${header} with a regex Envoy cannot use: ${problem.message}`),
          );
        });
      }
    }
    return out;
  },
};
