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
function readLimited(path: string, maxBytes: number): Uint8Array | number {
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
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/**
 * Collects policy files below the given paths: directories recursively (`*.yaml`, `*.yml`,
 * sorted, hidden folders and node_modules skipped), files as named whatever their extension.
 *
 * Reads are synchronous on purpose: for thousands of small files they are several times
 * faster than going through libuv's thread pool, and the compiler is synchronous anyway.
 */
export function readPolicyFiles(paths: readonly string[], maxBytes: number): { sources: SourceFile[]; diagnostics: Diagnostic[] } {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const seenDirectories = new Set<string>();

  function unreadable(path: string, error: unknown): void {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
    diagnostics.push(diagnostic(UNREADABLE_PATH, whole(path), `cannot read ${path}: ${reason}`));
  }

  function readOne(path: string): void {
    try {
      const content = readLimited(path, maxBytes);
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
  return { sources, diagnostics };
}
