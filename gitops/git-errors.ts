/**
 * What went wrong talking to the policy repository, from git's own message: one kind per
 * SLU8xxx code, so the log line and the status entry say what to fix.
 */
import type { CodeDefinition } from '../compiler/index.ts';
import { GIT_AUTH_FAILED, GIT_BRANCH_MISSING, GIT_FAILED, GIT_UNREACHABLE } from './codes.ts';

export type GitFailureKind = 'auth' | 'unreachable' | 'branch-missing' | 'too-large' | 'history-rewritten' | 'git';

export interface ClassifiedGitError {
  kind: GitFailureKind;
  code: CodeDefinition;
  /** The first meaningful line of git's message (credentials in URLs masked). */
  detail: string;
}

// Checked in order: an SSH key refused also says "Could not read from remote repository".
const RULES: readonly [RegExp, GitFailureKind, CodeDefinition][] = [
  [/authentication failed|could not read (username|password)|terminal prompts disabled|permission denied \(publickey|access denied|invalid credentials|returned error: 40[13]|http basic/i, 'auth', GIT_AUTH_FAILED],
  [/couldn't find remote ref|remote branch .* not found|no such ref|unknown revision or path not in the working tree.*refs\/remotes/i, 'branch-missing', GIT_BRANCH_MISSING],
  [
    /could not resolve host|unable to access|connection refused|connection timed out|timed out|network is unreachable|no route to host|does not appear to be a git repository|could not read from remote repository|failed to connect|unable to connect|repository .* not found|the remote end hung up|early eof|ssl/i,
    'unreachable',
    GIT_UNREACHABLE,
  ],
];

/**
 * `https://user:token@host/x` → `https://***@host/x`. Up to the last `@` before the path: a
 * password may hold an `@` itself, and stopping at the first would print the rest of it.
 */
export function maskCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s'"]*@/gi, '$1***@');
}

export function classifyGitError(error: unknown): ClassifiedGitError {
  const message = maskCredentials(String((error as Error)?.message ?? error));
  for (const [pattern, kind, code] of RULES) if (pattern.test(message)) return { kind, code, detail: firstMeaningfulLine(message) };
  return { kind: 'git', code: GIT_FAILED, detail: firstMeaningfulLine(message) };
}

/** git prefixes its real complaint with `fatal:` or `error:`; hints and progress lines are noise. */
function firstMeaningfulLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const fatal = lines.find((l) => /^(fatal|error):/i.test(l));
  return (fatal ?? lines[0] ?? 'git failed').slice(0, 300);
}
