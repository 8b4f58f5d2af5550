import { parseArgs } from 'node:util';
import type { PolicyDiff } from '../../compiler/diff/index.ts';
import type { PolicyModel, ValidationResult } from '../../compiler/index.ts';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { CliError, UsageError } from '../errors.ts';
import { shouldUseColor } from '../format/ansi.ts';
import { formatDiffHuman } from '../format/diff-human.ts';
import { formatDiffJson } from '../format/diff-json.ts';
import { formatDiffMarkdown } from '../format/diff-markdown.ts';
import type { DiffFormatName, DiffFormatter, DiffReport, DiffSide } from '../format/diff-report.ts';
import { diffFormatNames } from '../format/diff-report.ts';

/**
 * Where BASE and HEAD come from: policy directories or files on disk (pathSource), or Git
 * revisions (revisions.ts revisionOrPathSource, the default, which falls back to paths).
 */
export interface PolicySource {
  /**
   * Reads and validates one side, as the user wrote it. Throws CliError when it cannot be
   * read at all; validation errors are returned, not thrown (the diff runs on what could
   * be modelled).
   */
  load(spec: string, side: 'base' | 'head'): Promise<ValidationResult>;
}

export type DiffPolicies = (base: PolicyModel, head: PolicyModel) => PolicyDiff;

const usage = `Usage: sluice diff BASE HEAD [options]
       sluice diff REV1 REV2 [--repo PATH] [--path FOLDER]

Shows what changing the policy from BASE to HEAD does to traffic: per service port, the
split of default traffic before → after, routes added, removed and changed, which
requests now go elsewhere, cluster settings (load balancing, circuit breaking, outlier
detection, TLS) per subset, and who can call whom (AuthorizationPolicy, mTLS mode).
Computed on the resolved policy, not the text: reordering YAML or renaming files is no
change. BASE and HEAD are policy directories or files, or Git revisions (a branch, tag,
sha, HEAD~1 ...): with --repo both are revisions of that repository; without it, one that
is not a path on disk is a revision of the repository around the current directory.
Revisions are read from Git's object database: nothing is checked out or written.

Options:
  --format <format>   Output format: ${listOr(diffFormatNames)} (default: human)
                        human     a block per service port, for a terminal
                        json      {"base", "head", "empty", "services", "access"}
                        markdown  tables and lists for a pull-request comment
  --repo <path>       Read BASE and HEAD as revisions of this repository
  --path <folder>     With revisions: only the policy below this folder of the repository
  -h, --help          Show this help

Validation errors in BASE or HEAD are summarized on stderr; the diff still runs on what
could be read (run 'sluice validate' for the details).

Exit codes:
  0  the diff ran (whether or not anything changed: it is a report, not a check)
  2  BASE or HEAD cannot be read (a path, or a revision that does not resolve), usage
     error or internal error

Environment:
  NO_COLOR=1, FORCE_COLOR=1  colour in the human format (default: only on a terminal)
`;

const formatters: Record<DiffFormatName, DiffFormatter> = {
  human: formatDiffHuman,
  json: formatDiffJson,
  markdown: formatDiffMarkdown,
};

/** SLU1011: a path that does not exist or cannot be read. */
const UNREADABLE_PATH = 'SLU1011';

/** BASE and HEAD as directories or files on disk, validated by the compiler (loaded on first use). */
export function pathSource(validatePaths?: (paths: string[]) => Promise<ValidationResult>): PolicySource {
  return {
    async load(spec) {
      const validate = validatePaths ?? (await import('../../compiler/index.ts')).validatePaths;
      const result = await validate([spec]);
      const unreadable = result.diagnostics.find((d) => d.code === UNREADABLE_PATH);
      if (unreadable) throw new CliError(unreadable.message, 'diff');
      return result;
    },
  };
}

export interface DiffDependencies {
  /** Where BASE and HEAD are read from; directories and files by default. */
  source?: PolicySource;
  /** The diff; `diffPolicies` from compiler/diff by default, loaded on first use. */
  diffPolicies?: DiffPolicies;
}

function sideOf(label: string, result: ValidationResult): DiffSide {
  return { label, documentCount: result.documentCount, errors: result.diagnostics.filter((d) => d.severity === 'error') };
}

export function createDiffCommand(dependencies: DiffDependencies = {}): Command {
  return {
    name: 'diff',
    summary: 'Show what a policy change does to traffic, clusters and access',
    usage,
    async run(args, context) {
      const { values, positionals } = parseOrUsageError('diff', () =>
        parseArgs({
          args,
          allowPositionals: true,
          strict: true,
          options: {
            format: { type: 'string' },
            repo: { type: 'string' },
            path: { type: 'string' },
            help: { type: 'boolean', short: 'h' },
          },
        }),
      );
      if (values.help) {
        context.stdout.write(usage);
        return 0;
      }
      const format = oneOf('diff', 'format', values.format ?? 'human', diffFormatNames);
      if (positionals.length !== 2) throw new UsageError(`expected BASE and HEAD, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`, 'diff');
      const [baseSpec = '', headSpec = ''] = positionals;

      const source = dependencies.source ?? (await import('./revisions.ts')).revisionOrPathSource({ repo: values.repo, folder: values.path, cwd: context.cwd, paths: pathSource() });
      const [base, head] = await Promise.all([source.load(baseSpec, 'base'), source.load(headSpec, 'head')]);
      const diffPolicies = dependencies.diffPolicies ?? (await import('../../compiler/diff/index.ts')).diffPolicies;
      const report: DiffReport = { diff: diffPolicies(base.model, head.model), base: sideOf(baseSpec, base), head: sideOf(headSpec, head) };

      for (const [side, name] of [[report.base, 'base'], [report.head, 'head']] as const) {
        const n = side.errors.length;
        if (n > 0) context.stderr.write(`sluice diff: ${name} ${side.label} has ${n} validation error${n === 1 ? '' : 's'}; run 'sluice validate ${side.label}' for details\n`);
      }
      context.stdout.write(formatters[format](report, { color: format === 'human' && shouldUseColor(context.stdout, context.env) }));
      return 0;
    },
  };
}

export const diffCommand: Command = createDiffCommand();
