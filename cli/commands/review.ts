import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { CliError, UsageError } from '../errors.ts';
import { shouldUseColor } from '../format/ansi.ts';
import type { FailOn } from '../format/review-markdown.ts';
import type { ReviewInput } from '../review/compute.ts';
import type { ReviewResult } from '../review/report.ts';

const formats = ['human', 'json', 'markdown'] as const;
const failOnLevels = ['error', 'warning', 'never'] as const satisfies readonly FailOn[];

const usage = `Usage: sluice review --base REV [--head REV] [options]

Reviews a policy change the way the pull-request action does: validates the policy at
HEAD (every finding with file:line:col) and shows what changing it from BASE to HEAD does
to traffic and access. Both revisions are read straight from git (branches, tags, shas,
HEAD~2, ...): the working tree is neither read nor touched.

Options:
  --base <rev>        The revision before the change (required), e.g. origin/main
  --head <rev>        The revision after it (default: HEAD)
  --repo <path>       The git repository (default: the current directory)
  --path <dir>        Only the policy files below this folder of the repository
  --format <format>   Output format: ${listOr(formats)} (default: human)
                        human     findings with code frames, then the diff per service
                        json      {"format": "sluice-review/v1", "base", "head", "summary",
                                   "diagnostics", "diff"}: what the action posts from
                        markdown  the job summary the action writes
  --fail-on <level>   Lowest severity in head that fails: ${listOr(failOnLevels)} (default: error)
  -h, --help          Show this help

Exit codes:
  0  no finding in head at or above --fail-on
  1  findings at or above --fail-on
  2  a revision or the repository cannot be read, usage error or internal error
`;

export type ComputeReview = (input: ReviewInput) => Promise<ReviewResult>;

export interface ReviewDependencies {
  /** Reads, validates and diffs both revisions; cli/review/compute.ts by default, loaded on first use. */
  computeReview?: ComputeReview;
}

export function createReviewCommand(dependencies: ReviewDependencies = {}): Command {
  return {
    name: 'review',
    summary: 'Validate a change between two git revisions and show its effect on traffic',
    usage,
    async run(args, context) {
      const { values } = parseOrUsageError('review', () =>
        parseArgs({
          args,
          allowPositionals: false,
          strict: true,
          options: {
            base: { type: 'string' },
            head: { type: 'string' },
            repo: { type: 'string' },
            path: { type: 'string' },
            format: { type: 'string' },
            'fail-on': { type: 'string' },
            help: { type: 'boolean', short: 'h' },
          },
        }),
      );
      if (values.help) {
        context.stdout.write(usage);
        return 0;
      }
      const format = oneOf('review', 'format', values.format ?? 'human', formats);
      const failOn = oneOf('review', 'fail-on', values['fail-on'] ?? 'error', failOnLevels);
      if (!values.base) throw new UsageError('--base is required (the revision before the change, e.g. origin/main)', 'review');

      const compute = dependencies.computeReview ?? (await import('../review/compute.ts')).computeReview;
      const input: ReviewInput = { repo: resolve(context.cwd, values.repo ?? '.'), base: values.base, head: values.head ?? 'HEAD' };
      if (values.path !== undefined) input.path = values.path;
      let result: ReviewResult;
      try {
        result = await compute(input);
      } catch (error) {
        if ((error as Error).name === 'RevisionError') throw new CliError((error as Error).message, 'review');
        throw error;
      }
      const { report, files } = result;

      if (format === 'json') {
        const { toReviewJson } = await import('../review/serialize.ts');
        context.stdout.write(JSON.stringify(toReviewJson(report), null, 2) + '\n');
      } else if (format === 'markdown') {
        const { formatReviewMarkdown, JOB_SUMMARY_LIMIT } = await import('../format/review-markdown.ts');
        context.stdout.write(formatReviewMarkdown(report, { limit: JOB_SUMMARY_LIMIT, measure: 'bytes', failOn, hints: true }));
      } else {
        const { formatReviewHuman } = await import('../format/review-human.ts');
        const color = shouldUseColor(context.stdout, context.env);
        context.stdout.write(formatReviewHuman(report, { color, failOn: failOn === 'never' ? 'error' : failOn, files }));
      }
      const { failing } = await import('../format/review-markdown.ts');
      return failing(report, failOn) ? 1 : 0;
    },
  };
}

export const reviewCommand: Command = createReviewCommand();
