import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SourceFile } from '../compiler/index.ts';

/** The commit a revision names, as recorded in Git. */
export interface CommitInfo {
  sha: string;
  author: string;
  email: string;
  /** Committer date, ISO 8601. */
  date: string;
  /** First line of the message. */
  subject: string;
  message: string;
}

export interface TreeAtRevision {
  commit: CommitInfo;
  /** Policy files (`*.yaml`, `*.yml`) below `path`, paths relative to the repository root. */
  sources: SourceFile[];
  /** Policy files left unread because they are over `maxFileBytes`, with their sizes. */
  oversized: { path: string; bytes: number }[];
}

export interface ReadTreeOptions {
  /** Only files below this folder of the repository ('' or undefined: the whole tree). */
  path?: string;
  /** Files larger than this are listed in `oversized`, not read. Default 8 MiB. */
  maxFileBytes?: number;
}

/** A revision that does not name a commit in the repository, or a repository that cannot be read. */
export class RevisionError extends Error {
  constructor(
    message: string,
    readonly revision: string,
  ) {
    super(message);
    this.name = 'RevisionError';
  }
}

const policyFile = /\.ya?ml$/i;
const FIELD = '\x1f';

/** Resolves a revision (branch, tag, sha, `HEAD~2`, ...) to its commit. */
export async function resolveCommit(repoPath: string, revision: string): Promise<CommitInfo> {
  const git = simpleGit({ baseDir: repoPath });
  let raw: string;
  try {
    // `--end-of-options` keeps a revision that starts with '-' from being read as an option.
    raw = await git.raw(['log', '-1', `--format=%H${FIELD}%an${FIELD}%ae${FIELD}%cI${FIELD}%s${FIELD}%B`, '--end-of-options', `${revision}^{commit}`, '--']);
  } catch (error) {
    throw new RevisionError(`cannot resolve '${revision}' in ${repoPath}: ${firstLine(error)}`, revision);
  }
  const [sha, author, email, date, subject, ...rest] = raw.split(FIELD);
  if (!sha || !/^[0-9a-f]{40,64}$/.test(sha)) throw new RevisionError(`cannot resolve '${revision}' in ${repoPath}`, revision);
  return { sha, author: author ?? '', email: email ?? '', date: date ?? '', subject: subject ?? '', message: rest.join(FIELD).trimEnd() };
}

interface TreeEntry {
  blob: string;
  path: string;
  bytes: number;
}

/**
 * Reads the policy files of a commit straight from the object database: no checkout, no
 * temporary copy, nothing written to the repository.
 */
export async function readTreeAtRevision(repoPath: string, revision: string, options: ReadTreeOptions = {}): Promise<TreeAtRevision> {
  const commit = await resolveCommit(repoPath, revision);
  const maxBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
  const folder = policyFolder(options.path);
  const git = simpleGit({ baseDir: repoPath });
  const args = ['ls-tree', '-r', '-z', '--long', '--full-tree', commit.sha];
  if (folder) args.push('--', folder);
  const listing = await git.raw(args);
  const entries: TreeEntry[] = [];
  const oversized: { path: string; bytes: number }[] = [];
  for (const record of listing.split('\0')) {
    if (!record) continue;
    // "<mode> SP <type> SP <object> SP+ <size> TAB <path>"
    const tab = record.indexOf('\t');
    const [, type, blob, size] = record.slice(0, tab).split(/ +/);
    const path = record.slice(tab + 1);
    if (type !== 'blob' || !policyFile.test(path) || isSkipped(path)) continue;
    const bytes = Number(size);
    if (bytes > maxBytes) oversized.push({ path, bytes });
    else entries.push({ blob: blob!, path, bytes });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const contents = await readBlobs(repoPath, entries.map((e) => e.blob));
  return { commit, sources: entries.map((e, i) => ({ path: e.path, content: contents[i]! })), oversized };
}

function isSkipped(path: string): boolean {
  return path.split('/').some((segment, i, all) => i < all.length - 1 && (segment.startsWith('.') || segment === 'node_modules'));
}

/**
 * The folder as a plain path inside the repository. One that leaves it (`..`, absolute) or that
 * git would read as pathspec magic (`:(exclude)...`) is refused: it can only be a mistake.
 */
export function policyFolder(path: string | undefined): string {
  if (!path) return '';
  const trimmed = path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  if (trimmed === '.' || trimmed === '') return '';
  if (isAbsolute(path) || /^[a-z]:/i.test(path) || trimmed.split(/[\\/]/).includes('..') || trimmed.startsWith(':')) {
    throw new RevisionError(`the policy folder '${path}' is not a folder inside the repository; give a path relative to its root, such as 'policies'`, path);
  }
  return trimmed;
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).trim().split('\n')[0] ?? '';
}

/**
 * Reads many blobs through one `git cat-file --batch` process. simple-git cannot feed a
 * process's stdin, and one `git show` per file costs a process each (thousands per commit).
 */
function readBlobs(repoPath: string, blobs: readonly string[]): Promise<Uint8Array[]> {
  if (blobs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: repoPath, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`git cat-file exited ${code}: ${stderr.trim()}`));
      try {
        resolve(splitBatch(Buffer.concat(chunks), blobs.length));
      } catch (error) {
        reject(error as Error);
      }
    });
    child.stdin.end(blobs.join('\n') + '\n');
  });
}

/** Splits `git cat-file --batch` output: per object "<sha> <type> <size>\n<content>\n". */
function splitBatch(output: Buffer, count: number): Uint8Array[] {
  const result: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const newline = output.indexOf(0x0a, offset);
    if (newline < 0) throw new Error('git cat-file: truncated output');
    const header = output.toString('utf8', offset, newline).split(' ');
    if (header[1] === 'missing' || header.length < 3) throw new Error(`git cat-file: object ${header[0]} is missing`);
    const size = Number(header[2]);
    const start = newline + 1;
    result.push(new Uint8Array(output.buffer, output.byteOffset + start, size));
    offset = start + size + 1;
  }
  return result;
}
