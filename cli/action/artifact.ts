import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailOn } from '../format/review-markdown.ts';
import type { ReviewReport } from '../review/report.ts';
import { reviewFromData, toReviewJson } from '../review/serialize.ts';

/** The file the analysing job writes and the posting job reads (uploaded as an artifact in between). */
export const ARTIFACT_FILE = 'sluice-review.json';

export interface ReviewArtifact {
  report: ReviewReport;
  failOn: FailOn;
  /** The pull request the analysis ran for, as the analysing job's event named it. */
  pullRequest?: { number: number; headSha: string };
}

export function writeArtifact(dir: string, artifact: ReviewArtifact): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, ARTIFACT_FILE);
  const data = { format: 'sluice-review-artifact/v1', failOn: artifact.failOn, pullRequest: artifact.pullRequest ?? null, review: toReviewJson(artifact.report) };
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

/**
 * Reads what an analysing job wrote. A fork's pull request can change that job, so the file
 * is untrusted: its shape is checked, and the caller checks the pull request against GitHub.
 */
export function readArtifact(dir: string): ReviewArtifact {
  const file = join(dir, ARTIFACT_FILE);
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (typeof data !== 'object' || data === null || data.format !== 'sluice-review-artifact/v1') throw new Error(`${file} is not a sluice review artifact`);
  const failOn = data.failOn;
  if (failOn !== 'error' && failOn !== 'warning' && failOn !== 'never') throw new Error(`${file}: failOn must be error, warning or never`);
  let report: ReviewReport;
  try {
    report = reviewFromData(data.review);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const pr = data.pullRequest as { number?: unknown; headSha?: unknown } | null;
  const artifact: ReviewArtifact = { report, failOn };
  if (pr && Number.isSafeInteger(pr.number) && typeof pr.headSha === 'string' && /^[0-9a-f]{40,64}$/.test(pr.headSha)) {
    artifact.pullRequest = { number: pr.number as number, headSha: pr.headSha };
  }
  return artifact;
}
