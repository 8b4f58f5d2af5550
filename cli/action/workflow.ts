import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Diagnostic, Severity } from '../../compiler/index.ts';
import { annotation, ANNOTATIONS_PER_SEVERITY, escapeData } from '../format/github.ts';
import type { ActionIO } from './context.ts';

/** GitHub shows at most 50 annotations per job; 10 per severity per step stays under it. */
export interface AnnotationOverflow {
  shown: number;
  hidden: Record<Severity, number>;
}

/**
 * The step's own messages that are annotations too and count against the same caps: the
 * verdict (`::error::… at or above fail-on`) and a warning for each of the comment and the
 * check run that could not be posted. Findings leave room for them, or GitHub would drop them.
 */
export const RESERVED_ANNOTATIONS: Readonly<Record<Severity, number>> = { error: 1, warning: 2, info: 0 };

/**
 * Workflow-command annotations at each finding's file:line:col, as many of each severity as
 * GitHub shows per step (10; it drops the rest silently) less `reserved`, and the count of
 * the rest so the summary can say so.
 */
export function writeAnnotations(io: ActionIO, diagnostics: readonly Diagnostic[], root: string, reserved: Readonly<Record<Severity, number>> = RESERVED_ANNOTATIONS): AnnotationOverflow {
  const shown: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  const hidden: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) {
    if (shown[d.severity] < ANNOTATIONS_PER_SEVERITY - reserved[d.severity]) {
      shown[d.severity]++;
      io.stdout.write(annotation(d, { cwd: root, root }) + '\n');
    } else hidden[d.severity]++;
  }
  return { shown: shown.error + shown.warning + shown.info, hidden };
}

export function logLine(io: ActionIO, level: 'notice' | 'warning' | 'error' | 'info', message: string): void {
  io.stdout.write(level === 'info' ? `${message}\n` : `::${level}::${escapeData(message)}\n`);
}

/**
 * Text that quotes policy files (which a pull request controls) in the log, folded into a
 * group, with workflow commands off so no line of it can act as one.
 */
export function logQuoted(io: ActionIO, title: string, text: string): void {
  const token = randomUUID().replace(/-/g, '');
  io.stdout.write(`::group::${escapeData(title)}\n::stop-commands::${token}\n${text.replace(/\n?$/, '\n')}::${token}::\n::endgroup::\n`);
}

export function appendSummary(path: string | undefined, markdown: string): void {
  if (path) appendFileSync(path, markdown.replace(/\n?$/, '\n'));
}

/** `name<<DELIMITER` … as the runner reads $GITHUB_OUTPUT. */
export function setOutputs(path: string | undefined, outputs: Record<string, string>): void {
  if (!path) return;
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    const delimiter = `ghadelimiter_${randomUUID()}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  appendFileSync(path, text);
}
