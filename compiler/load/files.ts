import { open, readdir, realpath, stat } from 'node:fs/promises';
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

async function readLimited(path: string, expectedBytes: number, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  // Read at most maxBytes + 1 so a file that grows between stat and read still cannot blow memory;
  // the buffer is sized by the file, and grows only if the file did.
  const handle = await open(path, 'r');
  try {
    let buffer = new Uint8Array(Math.min(expectedBytes + 1, maxBytes + 1));
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        if (buffer.length > maxBytes) break;
        const larger = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1));
        larger.set(buffer);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled > maxBytes ? 'too-large' : buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function tooLarge(file: string, bytes: number, maxBytes: number): Diagnostic {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return diagnostic(FILE_TOO_LARGE, whole(file), `${file} is ${mib(bytes)}, over the ${mib(maxBytes)} limit; it is not read`);
}

/**
 * Collects policy files below the given paths: directories recursively (`*.yaml`, `*.yml`,
 * sorted, hidden folders and node_modules skipped), files as named whatever their extension.
 */
export async function readPolicyFiles(paths: readonly string[], maxBytes: number): Promise<{ sources: SourceFile[]; diagnostics: Diagnostic[] }> {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const seenDirectories = new Set<string>();

  async function readOne(path: string, size: number): Promise<void> {
    if (size > maxBytes) {
      diagnostics.push(tooLarge(path, size, maxBytes));
      return;
    }
    const content = await readLimited(path, size, maxBytes);
    if (content === 'too-large') diagnostics.push(tooLarge(path, maxBytes + 1, maxBytes));
    else sources.push({ path, content });
  }

  async function visit(path: string, explicit: boolean): Promise<void> {
    try {
      const info = await stat(path);
      if (info.isDirectory()) {
        const real = await realpath(path);
        if (seenDirectories.has(real)) return; // a symlink loop, or the same folder named twice
        seenDirectories.add(real);
        const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
          if (entry.name.startsWith('.') || skippedDirectories.has(entry.name)) continue;
          const child = join(path, entry.name);
          if (entry.isDirectory() || entry.isSymbolicLink()) await visit(child, false);
          else if (entry.isFile() && policyFile.test(entry.name)) await readOne(child, (await stat(child)).size);
        }
      } else if (info.isFile() && (explicit || policyFile.test(path))) {
        await readOne(path, info.size);
      }
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
      diagnostics.push(diagnostic(UNREADABLE_PATH, whole(path), `cannot read ${path}: ${reason}`));
    }
  }

  for (const path of paths) await visit(path, true);
  return { sources, diagnostics };
}
