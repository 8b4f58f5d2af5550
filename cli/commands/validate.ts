import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Severity } from '../../compiler/diagnostics/index.ts';
import { atLeast, compareDiagnostics } from '../../compiler/diagnostics/index.ts';
import type { ValidationResult } from '../../compiler/index.ts';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import type { Report } from '../format/index.ts';
import { formatNames, formatter, shouldUseColor } from '../format/index.ts';
import { packageInfo } from '../version.ts';

export type ValidatePaths = (paths: string[]) => Promise<ValidationResult>;

const failOnLevels = ['error', 'warning'] as const satisfies readonly Severity[];

const usage = `Usage: sluice validate [PATH...] [options]
       sluice validate --rev REV [--repo PATH] [FOLDER]

Checks policy files (Istio, Gateway API, Kubernetes, sluice rollouts) for errors:
YAML syntax, schema, references between resources, and semantic checks. Nothing is
compiled, served or written. A PATH is a file or a directory, searched for YAML files;
the default is the current directory.

With --rev, the policy is read from that Git revision (a branch, tag, sha, HEAD~2 ...) of
the repository around the current directory (or --repo), straight from Git's object
database: nothing is checked out and nothing is written. FOLDER limits it to a folder of the
repository; paths in the findings are relative to the repository root.

Options:
  --format <format>   Output format: ${listOr(formatNames)} (default: human)
                        human   file:line:col, a code frame and a hint per finding
                        json    {"diagnostics": [...], "summary": {...}}
                        github  GitHub Actions annotations, then the human listing
                        sarif   SARIF 2.1.0, for GitHub code scanning and other viewers
  --fail-on <level>   Lowest severity that fails the run: error or warning (default: error)
  --quiet             Show only findings at or above --fail-on; print nothing when
                      there are none (human and github formats)
  --rev <rev>         Validate the policy at this Git revision instead of the files on disk
  --repo <path>       The repository --rev reads (default: the one around the current directory)
  -h, --help          Show this help

Exit codes:
  0  no findings at or above --fail-on
  1  findings at or above --fail-on
  2  usage error, a revision that cannot be read, or internal error

Environment:
  NO_COLOR=1        no colour in the human format (colour is used only on a terminal)
  FORCE_COLOR=1     colour even when stdout is not a terminal
  GITHUB_WORKSPACE  paths in github and sarif output are relative to it (default: .)
  SLUICE_DEBUG=1    print the stack trace of an internal error
`;

async function loadPipeline(): Promise<ValidatePaths> {
  const compiler = await import('../../compiler/index.ts');
  return (paths) => compiler.validatePaths(paths);
}

export interface ValidateDependencies {
  /** The pipeline; by default `validatePaths` from compiler/index.ts, loaded on first use. */
  validatePaths?: ValidatePaths;
}

export function createValidateCommand(dependencies: ValidateDependencies = {}): Command {
  return {
    name: 'validate',
    summary: 'Check policy files for errors, with file:line:col for each finding',
    usage,
    async run(args, context) {
      const { values, positionals } = parseOrUsageError('validate', () =>
        parseArgs({
          args,
          allowPositionals: true,
          strict: true,
          options: {
            format: { type: 'string' },
            'fail-on': { type: 'string' },
            quiet: { type: 'boolean' },
            rev: { type: 'string' },
            repo: { type: 'string' },
            help: { type: 'boolean', short: 'h' },
          },
        }),
      );
      if (values.help) {
        context.stdout.write(usage);
        return 0;
      }
      const format = oneOf('validate', 'format', values.format ?? 'human', formatNames);
      const failOn = oneOf('validate', 'fail-on', values['fail-on'] ?? 'error', failOnLevels);
      const quiet = values.quiet === true;
      const paths = positionals.length > 0 ? positionals : ['.'];

      let result: ValidationResult;
      if (values.rev !== undefined) {
        if (positionals.length > 1) throw new UsageError('with --rev, give at most one FOLDER of the repository', 'validate');
        const { folderInRepository, validateRevision } = await import('./revisions.ts');
        const repo = resolve(context.cwd, values.repo ?? '.');
        const folder = await folderInRepository(repo, context.cwd, positionals[0]);
        result = (await validateRevision(repo, values.rev, folder, 'validate')).validation;
      } else {
        if (values.repo !== undefined) throw new UsageError('--repo goes with --rev', 'validate');
        const validatePaths = dependencies.validatePaths ?? (await loadPipeline());
        result = await validatePaths(paths);
      }

      const all = [...result.diagnostics].sort(compareDiagnostics);
      const failed = all.some((d) => atLeast(d.severity, failOn));
      const shown = quiet ? all.filter((d) => atLeast(d.severity, failOn)) : all;
      if (quiet && shown.length === 0 && (format === 'human' || format === 'github')) return failed ? 1 : 0;

      const report: Report = {
        diagnostics: shown,
        files: result.files,
        documentCount: result.documentCount,
        fileCount: result.files.size,
      };
      const info = packageInfo();
      const output = formatter(format)(report, {
        color: format === 'human' && shouldUseColor(context.stdout, context.env),
        failOn,
        cwd: context.cwd,
        root: context.env.GITHUB_WORKSPACE || context.cwd,
        tool: { name: 'sluice', version: info.version, ...(info.homepage ? { informationUri: info.homepage } : {}) },
      });
      context.stdout.write(output);
      return failed ? 1 : 0;
    },
  };
}

export const validateCommand: Command = createValidateCommand();
