/**
 * Policy at a Git revision for `sluice validate --rev` and `sluice diff REV1 REV2`: read from
 * the object database (gitops' readTreeAtRevision: `git ls-tree` + one `git cat-file --batch`),
 * so nothing is checked out, no temp copy is made and the working tree is never touched.
 * Diagnostics carry repository-relative paths; code frames come from the blobs themselves.
 */
import { existsSync } from 'node:fs';
import { posix, relative, resolve, sep } from 'node:path';
import type { Diagnostic, ValidationResult } from '../../compiler/index.ts';
import { CliError } from '../errors.ts';
import type { PolicySource } from './diff.ts';

export interface RevisionPolicy {
  validation: ValidationResult;
  /** The full sha the revision named. */
  sha: string;
  subject: string;
}

/**
 * The folder of the repository a PATH argument names: relative to the working directory when
 * that is inside the repository (as git itself reads paths), else relative to the repository root.
 */
export async function folderInRepository(repo: string, cwd: string, path: string | undefined): Promise<string> {
  const { simpleGit } = await import('simple-git');
  let top = '';
  try {
    top = (await simpleGit({ baseDir: repo }).revparse(['--show-toplevel'])).trim();
  } catch {
    // A bare repository has no working tree: paths are from its root.
  }
  const target = path ?? '.';
  if (top !== '') {
    const fromCwd = relative(top, resolve(cwd, target));
    if (!fromCwd.startsWith('..')) return fromCwd.split(sep).join(posix.sep);
  }
  return posix.normalize(target.split(sep).join(posix.sep)).replace(/^\.\/?$/, '');
}

export async function validateRevision(repo: string, revision: string, folder: string, command: string): Promise<RevisionPolicy> {
  const [{ readTreeAtRevision, RevisionError, gitopsCodes }, { validateSources, diagnostic }] = await Promise.all([import('../../gitops/index.ts'), import('../../compiler/index.ts')]);
  let tree;
  try {
    tree = await readTreeAtRevision(repo, revision, { path: folder });
  } catch (error) {
    if (error instanceof RevisionError) throw new CliError(error.message, command);
    throw new CliError(`cannot read '${revision}' in ${repo}: ${String((error as Error).message).split('\n')[0]}`, command);
  }
  const validation = validateSources(tree.sources);
  const oversized: Diagnostic[] = tree.oversized.map((f) =>
    diagnostic(gitopsCodes.GIT_FILE_TOO_LARGE, { file: f.path, line: 1, col: 1, endLine: 1, endCol: 1, path: '' }, `${f.path} is ${f.bytes} bytes at ${tree.commit.sha.slice(0, 12)}, over the 8 MiB a policy file may have; it was not read`),
  );
  if (tree.sources.length === 0 && tree.oversized.length === 0) {
    throw new CliError(`'${revision}' (${tree.commit.sha.slice(0, 12)}) has no *.yaml or *.yml file below '${folder || '.'}' in ${repo}`, command);
  }
  return { validation: { ...validation, diagnostics: [...oversized, ...validation.diagnostics] }, sha: tree.commit.sha, subject: tree.commit.subject };
}

/**
 * BASE and HEAD of `sluice diff`: with --repo both are revisions; without it, a spec that
 * exists on disk is a path, one that names a commit of the repository around the cwd is a
 * revision, and anything else is reported as the path it is not.
 */
export function revisionOrPathSource(options: { repo: string | undefined; folder: string | undefined; cwd: string; paths: PolicySource }): PolicySource {
  return {
    async load(spec, side) {
      if (options.repo === undefined) {
        // The path source reads relative to the process; a spec relative to another cwd is made absolute.
        if (existsSync(resolve(options.cwd, spec))) return options.paths.load(resolve(options.cwd) === process.cwd() ? spec : resolve(options.cwd, spec), side);
        const { resolveCommit } = await import('../../gitops/index.ts');
        const named = await resolveCommit(options.cwd, spec).then(
          () => true,
          () => false,
        );
        if (!named) return options.paths.load(spec, side);
      }
      const repo = resolve(options.cwd, options.repo ?? '.');
      const folder = await folderInRepository(repo, options.cwd, options.folder);
      return (await validateRevision(repo, spec, folder, 'diff')).validation;
    },
  };
}
