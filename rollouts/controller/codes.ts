/**
 * Diagnostic codes of the rollout controller at run time (SLU81xx). They describe what
 * happened to a running rollout, not a line of policy (findings in Rollout and
 * AnalysisTemplate files are SLU6xxx), so they have no fixture: each is the `code` of an
 * abort reason or a log line, in the journal, `sluice rollout status` and the API.
 */
import { defineCode } from '../../compiler/index.ts';

export const ANALYSIS_FAILED = defineCode({
  code: 'SLU8101',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout aborted: its analysis failed',
  hint: 'A metric failed its condition (or errored past consecutiveErrorLimit, or had no data past its budget). The canary got weight 0 in one push; the reason names the metric, value, condition and time. Fix the canary, then `sluice rollout retry NAME` (or push a new canary).',
});

export const ACK_DEADLINE_EXCEEDED = defineCode({
  code: 'SLU8102',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout aborted: proxies did not ACK a step within ackDeadline',
  hint: 'A step\'s new weights were pushed, but not every proxy that routes to the service ACKed them in time (it is disconnected, slow, or rejected the configuration: see `sluice status`). The step\'s clock never started. Raise `ackDeadline`, or fix the proxies, then retry.',
});

export const PROGRESS_DEADLINE_EXCEEDED = defineCode({
  code: 'SLU8103',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout aborted: no verdict within progressDeadline',
  hint: 'An analysis step, or the promotion waiting for background analysis to see a single successful measurement, took longer than `progressDeadline`. sluice never promotes on no data: check that Prometheus has the canary\'s metrics, then retry.',
});

export const ANALYSIS_UNRESOLVED = defineCode({
  code: 'SLU8104',
  stage: 'rollouts',
  severity: 'error',
  title: 'Rollout aborted: its analysis cannot run',
  hint: 'The analysis templates could not be resolved against the served policy (a template or argument is missing after substitution). `sluice validate` reports the same problem at its line (SLU6007, SLU6008).',
});

export const PROMOTION_NOT_WRITTEN = defineCode({
  code: 'SLU8105',
  stage: 'rollouts',
  severity: 'warning',
  title: 'The promotion could not be written to the policy repository',
  hint: 'Every step passed and the canary keeps 100% through the overlay, but the commit or pull request failed (the push was refused, the VirtualService file changed shape, no repository is configured). sluice tries again on every reconcile with a fresh read of the branch.',
});

export const ABORTED_BY_USER = defineCode({
  code: 'SLU8106',
  stage: 'rollouts',
  severity: 'info',
  title: 'Rollout aborted by a person',
  hint: '`sluice rollout abort` (or POST /api/rollouts/NS/NAME/abort) rolled the canary back. `sluice rollout retry NAME` starts it again from step 1.',
});

export const JOURNAL_RECORD_DROPPED = defineCode({
  code: 'SLU8107',
  stage: 'rollouts',
  severity: 'warning',
  title: 'A record of the rollout journal could not be read',
  hint: 'The last record was torn by a crash mid-write (it is dropped and cut from the file), or a line was damaged. The controller resumes from the records before it; at most the decision being written is taken again.',
});
