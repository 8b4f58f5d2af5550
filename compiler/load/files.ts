import { closeSync, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { diagnostic } from '../diagnostics/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { FILE_TOO_LARGE, UNREADABLE_PATH } from './codes.ts';
import type { SourceFile } from './types.ts';

const policyFile = /\.ya?ml$/i;
const skippedDirectories = new Set(['node_modules', '.git']);

function whole(file: string) {
  return { file, line: 1, col: 1, endLine: 1, endCol: 1, path: '' };
}

function tooLarge(file: string, bytes: number, maxBytes: number): Diagnostic {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return diagnostic(FILE_TOO_LARGE, whole(file), `${file} is ${mib(bytes)}, over the ${mib(maxBytes)} limit; it is not read`);
}

/** Reads a whole file, or returns its size when that is over the limit (never reading past it). */
function readLimited(path: string, maxBytes: number, remember?: (fd: number, content: Uint8Array, startedMs: number) => void): Uint8Array | number {
  const started = Date.now();
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > maxBytes) return size;
    // One byte more than the limit: a file that grew since the stat still cannot blow memory.
    let buffer = new Uint8Array(Math.min(size + 1, maxBytes + 1));
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        if (buffer.length > maxBytes) return filled;
        const larger = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1));
        larger.set(buffer);
        buffer = larger;
      }
      const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const content = buffer.subarray(0, filled);
    remember?.(fd, content, started);
    return content;
  } finally {
    closeSync(fd);
  }
}

interface ReadFile {
  content: Uint8Array;
  size: number;
  /** Milliseconds with the fraction the file system keeps (nanoseconds on Linux, to about a microsecond in a double). */
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

/**
 * What was read from disk last time, to read again only files whose metadata changed (a
 * reload of a large policy folder after one edit). A file is trusted by its metadata (size,
 * modification and change times in nanoseconds, inode) only when it was last modified well
 * before it was read: a file written in the same instant it was read (same timestamps on a
 * coarse clock) is read again until its timestamps are older than that, as git does with its
 * "racily clean" entries.
 */
export class FileReadCache {
  private files = new Map<string, ReadFile>();
  private next = new Map<string, ReadFile>();
  /** How long after its last modification (or change) a file's metadata is trusted: timestamps may be that coarse. */
  private readonly settleMs: number;

  constructor(options: { settleMs?: number } = {}) {
    this.settleMs = options.settleMs ?? 2000;
  }

  /** The content read last time, when the file's metadata says it is unchanged. */
  reuse(path: string): Uint8Array | undefined {
    const known = this.files.get(path);
    if (!known) return undefined;
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info || info.size !== known.size || info.mtimeMs !== known.mtimeMs || info.ctimeMs !== known.ctimeMs || info.ino !== known.ino || info.dev !== known.dev) return undefined;
    this.next.set(path, known);
    return known.content;
  }

  /** Remembers `content` of `path`, read with the file descriptor `fd` (its metadata is taken from it). */
  remember(path: string, fd: number, content: Uint8Array, readStartedMs: number): void {
    const info = fstatSync(fd);
    // modified too close to when it was read: the timestamps cannot tell a later write apart
    if (readStartedMs - info.mtimeMs < this.settleMs || readStartedMs - info.ctimeMs < this.settleMs) return;
    if (info.size !== content.byteLength) return;
    this.next.set(path, { content, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, dev: info.dev });
  }

  /** Ends one read of the policy: files not read this time are forgotten. */
  settle(): void {
    this.files = this.next;
    this.next = new Map();
  }
}


/**
 * Collects policy files below the given paths: directories recursively (`*.yaml`, `*.yml`,
 * sorted, hidden folders and node_modules skipped), files as named whatever their extension.
 *
 * Reads are synchronous on purpose: for thousands of small files they are several times
 * faster than going through libuv's thread pool, and the compiler is synchronous anyway.
 */
export function readPolicyFiles(paths: readonly string[], maxBytes: number, cache?: FileReadCache): { sources: SourceFile[]; diagnostics: Diagnostic[] } {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const seenDirectories = new Set<string>();

  function unreadable(path: string, error: unknown): void {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
    diagnostics.push(diagnostic(UNREADABLE_PATH, whole(path), `cannot read ${path}: ${reason}`));
  }

  function readOne(path: string): void {
    try {
      const known = cache?.reuse(path);
      if (known) {
        sources.push({ path, content: known });
        return;
      }
      const content = readLimited(path, maxBytes, cache && ((fd, read, started) => cache.remember(path, fd, read, started)));
      if (typeof content === 'number') diagnostics.push(tooLarge(path, content, maxBytes));
      else sources.push({ path, content });
    } catch (error) {
      unreadable(path, error);
    }
  }

  function visit(path: string, explicit: boolean): void {
    try {
      const info = statSync(path);
      if (info.isDirectory()) {
        const real = realpathSync(path);
        if (seenDirectories.has(real)) return; // a symlink loop, or the same folder named twice
        seenDirectories.add(real);
        const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
          if (entry.name.startsWith('.') || skippedDirectories.has(entry.name)) continue;
          const child = join(path, entry.name);
          if (entry.isDirectory() || entry.isSymbolicLink()) visit(child, false);
          else if (entry.isFile() && policyFile.test(entry.name)) readOne(child);
        }
      } else if (info.isFile() && (explicit || policyFile.test(path))) {
        readOne(path);
      }
    } catch (error) {
      unreadable(path, error);
    }
  }

  for (const path of paths) visit(path, true);
  cache?.settle();
  return { sources, diagnostics };
}
