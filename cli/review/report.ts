import type { Diagnostic, LoadedFile, PolicyDiff, ValidationResult } from '../../compiler/index.ts';
import { allCodes, compareDiagnostics, diagnostic, isEmpty } from '../../compiler/index.ts';
import type { TreeAtRevision } from '../../gitops/index.ts';

/** One side of a review: the revision as given, the commit it named, and what was read there. */
export interface ReviewSide {
  /** BASE or HEAD as given (`main`, `origin/main`, a sha, `HEAD`). */
  revision: string;
  /** The full commit sha. */
  commit: string;
  /** First line of the commit message. */
  subject: string;
  documentCount: number;
  fileCount: number;
}

/**
 * What `sluice review` and the pull-request action report: head validated, and what the
 * change from base to head does to traffic and access. Plain data: it is written as JSON
 * (an artifact for the fork-safe workflow) and read back to post the comment.
 */
export interface ReviewReport {
  /** The policy folder inside the repository ('' = the whole repository). */
  path: string;
  base: ReviewSide;
  head: ReviewSide;
  /** Every finding in head, sorted; file paths relative to the repository root. */
  diagnostics: Diagnostic[];
  /** How many validation errors base had (the diff ran on what could be modelled). */
  baseErrors: number;
  diff: PolicyDiff;
}

/** A report and the file texts its diagnostics point into (for code frames; not serialized). */
export interface ReviewResult {
  report: ReviewReport;
  files: ReadonlyMap<string, LoadedFile>;
}

export interface ReviewSides {
  base: { revision: string; tree: TreeAtRevision; validation: ValidationResult };
  head: { revision: string; tree: TreeAtRevision; validation: ValidationResult };
}

/** Files left unread for their size become SLU1005 findings, so nothing disappears silently. */
function oversizedFindings(tree: TreeAtRevision): Diagnostic[] {
  const definition = allCodes().find((c) => c.code === 'SLU1005');
  if (!definition) return [];
  return tree.oversized.map(({ path, bytes }) =>
    diagnostic(definition, { file: path, line: 1, col: 1, endLine: 1, endCol: 1, path: '' }, `${path} is ${bytes} bytes, over the size limit; it is not read`),
  );
}

function side(revision: string, tree: TreeAtRevision, validation: ValidationResult): ReviewSide {
  return {
    revision,
    commit: tree.commit.sha,
    subject: tree.commit.subject,
    documentCount: validation.documentCount,
    fileCount: validation.files.size,
  };
}

/** Assembles the report from both sides, validated, and the diff between their models. */
export function assembleReview(path: string, sides: ReviewSides, diffPolicies: (base: ValidationResult['model'], head: ValidationResult['model']) => PolicyDiff): ReviewResult {
  const { base, head } = sides;
  const diagnostics = [...head.validation.diagnostics, ...oversizedFindings(head.tree)].sort(compareDiagnostics);
  const baseErrors = base.validation.diagnostics.filter((d) => d.severity === 'error').length + base.tree.oversized.length;
  return {
    report: {
      path,
      base: side(base.revision, base.tree, base.validation),
      head: side(head.revision, head.tree, head.validation),
      diagnostics,
      baseErrors,
      diff: diffPolicies(base.validation.model, head.validation.model),
    },
    files: head.validation.files,
  };
}

export interface ReviewCounts {
  errors: number;
  warnings: number;
  infos: number;
}

export function reviewCounts(report: ReviewReport): ReviewCounts {
  const counts = { errors: 0, warnings: 0, infos: 0 };
  for (const d of report.diagnostics) {
    if (d.severity === 'error') counts.errors++;
    else if (d.severity === 'warning') counts.warnings++;
    else counts.infos++;
  }
  return counts;
}

/**
 * True when neither revision has a policy file under the report's path: nothing was
 * reviewed, which is almost always a mistyped path, never a change without effect.
 */
export function nothingReviewed(report: ReviewReport): boolean {
  return report.base.fileCount === 0 && report.head.fileCount === 0 && report.diagnostics.length === 0;
}

/** True when the change does nothing to traffic, clusters or access. */
export function noEffect(report: ReviewReport): boolean {
  return isEmpty(report.diff);
}
