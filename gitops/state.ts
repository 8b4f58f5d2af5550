/**
 * The state dir: the bare clone (`repo.git`) and the last good policy (`last-good.json`),
 * so a restart serves the last good configuration before Git is reached.
 *
 * What is kept is the last good commit's policy files, not compiled xDS: the compiler is a
 * pure function of them, so the snapshots compiled from it at start-up are the very snapshots
 * served before the restart (same versions: `<sha>/<hash>`), for every proxy class, including
 * classes that connect for the first time while Git is down. Written to a temp file and
 * renamed over the old one, so a crash mid-write leaves the previous good state.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceFile } from '../compiler/index.ts';
import { maskCredentials } from './git-errors.ts';
import type { CommitInfo } from './revision.ts';

const FILE = 'last-good.json';
const FORMAT = 1;

export interface PersistedPolicy {
  repo: string;
  branch: string;
  path: string;
  commit: CommitInfo;
  savedAt: string;
  sources: SourceFile[];
}

interface OnDisk {
  format: number;
  repo: string;
  branch: string;
  path: string;
  commit: CommitInfo;
  savedAt: string;
  /** Contents in base64: policy files are bytes, kept exactly. */
  sources: { path: string; content: string }[];
}

export function repositoryDir(stateDir: string): string {
  return join(stateDir, 'repo.git');
}

export function saveLastGood(stateDir: string, policy: PersistedPolicy): void {
  mkdirSync(stateDir, { recursive: true });
  const data: OnDisk = {
    format: FORMAT,
    // The repository without its credentials: a token is no part of which repository it is
    // (a rotated token must still find its state), and the state file is no place for it.
    repo: maskCredentials(policy.repo),
    branch: policy.branch,
    path: policy.path,
    commit: policy.commit,
    savedAt: policy.savedAt,
    sources: policy.sources.map((s) => ({ path: s.path, content: (typeof s.content === 'string' ? Buffer.from(s.content, 'utf8') : Buffer.from(s.content.buffer, s.content.byteOffset, s.content.byteLength)).toString('base64') })),
  };
  writeAtomically(join(stateDir, FILE), JSON.stringify(data));
}

/**
 * Temp file, fsync, rename: a crash or a full disk leaves the previous file whole, and a failed
 * write leaves no temp file behind.
 */
function writeAtomically(target: string, text: string): void {
  const temp = `${target}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export type LoadedState = { policy: PersistedPolicy } | { problem: string } | undefined;

/** The persisted last good policy of this repository, branch and path; undefined when there is none. */
export function loadLastGood(stateDir: string, expected: { repo: string; branch: string; path: string }): LoadedState {
  let text: string;
  try {
    text = readFileSync(join(stateDir, FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { problem: `cannot read ${join(stateDir, FILE)}: ${(e as Error).message}` };
  }
  let data: OnDisk;
  try {
    data = JSON.parse(text) as OnDisk;
  } catch (e) {
    return { problem: `${join(stateDir, FILE)} is not valid JSON (${(e as Error).message}); ignoring it` };
  }
  if (!isOnDisk(data)) return { problem: `${join(stateDir, FILE)} is not a state file this version of sluice wrote; ignoring it` };
  const wanted = { ...expected, repo: maskCredentials(expected.repo) };
  for (const key of ['repo', 'branch', 'path'] as const) {
    const held = key === 'repo' ? maskCredentials(data[key]) : data[key];
    if (held !== wanted[key]) return { problem: `${join(stateDir, FILE)} holds ${key} '${held}', not '${wanted[key]}'; ignoring it (use a state dir per repository)` };
  }
  return {
    policy: {
      repo: data.repo,
      branch: data.branch,
      path: data.path,
      commit: data.commit,
      savedAt: data.savedAt,
      sources: data.sources.map((s) => ({ path: s.path, content: new Uint8Array(Buffer.from(s.content, 'base64')) })),
    },
  };
}

/** Whether parsed JSON has the shape `saveLastGood` writes (a hand-edited or foreign file may not). */
function isOnDisk(data: unknown): data is OnDisk {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Partial<OnDisk>;
  return (
    d.format === FORMAT &&
    typeof d.repo === 'string' &&
    typeof d.branch === 'string' &&
    typeof d.path === 'string' &&
    typeof d.commit?.sha === 'string' &&
    Array.isArray(d.sources) &&
    d.sources.every((s: unknown) => typeof s === 'object' && s !== null && typeof (s as { path?: unknown }).path === 'string' && typeof (s as { content?: unknown }).content === 'string')
  );
}

const HISTORY = 'commits.json';

/** The commit records `/debug/commits` lists, kept across restarts (newest first). */
export function saveHistory<T>(stateDir: string, records: readonly T[]): void {
  mkdirSync(stateDir, { recursive: true });
  writeAtomically(join(stateDir, HISTORY), JSON.stringify({ format: FORMAT, records }));
}

/** The saved records, or [] when there are none or the file is unreadable (history is informative). */
export function loadHistory<T>(stateDir: string): T[] {
  try {
    const data = JSON.parse(readFileSync(join(stateDir, HISTORY), 'utf8')) as { format?: number; records?: unknown };
    return data.format === FORMAT && Array.isArray(data.records) ? (data.records as T[]) : [];
  } catch {
    return [];
  }
}
