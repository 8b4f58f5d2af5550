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
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceFile } from '../compiler/index.ts';
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
    repo: policy.repo,
    branch: policy.branch,
    path: policy.path,
    commit: policy.commit,
    savedAt: policy.savedAt,
    sources: policy.sources.map((s) => ({ path: s.path, content: (typeof s.content === 'string' ? Buffer.from(s.content, 'utf8') : Buffer.from(s.content.buffer, s.content.byteOffset, s.content.byteLength)).toString('base64') })),
  };
  const target = join(stateDir, FILE);
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(data));
  renameSync(temp, target);
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
  if (data.format !== FORMAT || !Array.isArray(data.sources) || !data.commit?.sha) return { problem: `${join(stateDir, FILE)} is not a state file this version of sluice wrote; ignoring it` };
  for (const key of ['repo', 'branch', 'path'] as const) {
    if (data[key] !== expected[key]) return { problem: `${join(stateDir, FILE)} holds ${key} '${data[key]}', not '${expected[key]}'; ignoring it (use a state dir per repository)` };
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

const HISTORY = 'commits.json';

/** The commit records `/debug/commits` lists, kept across restarts (newest first). */
export function saveHistory<T>(stateDir: string, records: readonly T[]): void {
  mkdirSync(stateDir, { recursive: true });
  const target = join(stateDir, HISTORY);
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ format: FORMAT, records }));
  renameSync(temp, target);
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
