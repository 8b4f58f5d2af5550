import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceFile } from '../../compiler/index.ts';

/** Istio's bookinfo sample, kept unchanged in ../shared/conformance (tests may read it; sluice never does). */
export const bookinfoRoot = join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance', 'istio-bookinfo');

export function bookinfoFile(relativePath: string): SourceFile {
  return { path: relativePath, content: readFileSync(join(bookinfoRoot, relativePath), 'utf8') };
}

export function bookinfoFiles(folder: 'networking' | 'gateway-api' | 'platform'): string[] {
  return readdirSync(join(bookinfoRoot, folder))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => `${folder}/${name}`);
}
