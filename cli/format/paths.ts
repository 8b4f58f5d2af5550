import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * A diagnostic's file as a forward-slash path relative to `root` (the repository root),
 * which is what GitHub annotations and SARIF artifact URIs expect.
 */
export function rootRelative(file: string, cwd: string, root: string): string {
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const rel = relative(root, absolute);
  return (rel === '' ? '.' : rel).split(sep).join('/');
}

/** A relative path as a relative URI reference: each segment percent-encoded. */
export function pathToRelativeUri(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment === '.' || segment === '..' ? segment : encodeURIComponent(segment)))
    .join('/');
}
