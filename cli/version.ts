import { readFileSync } from 'node:fs';

export interface PackageInfo {
  name: string;
  version: string;
  /** package.json `homepage`, if it has one: the SARIF driver's informationUri. */
  homepage?: string;
}

let cached: PackageInfo | undefined;

/** sluice's own package.json (read once). */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const raw = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const info: PackageInfo = {
    name: typeof raw.name === 'string' ? raw.name : 'sluice',
    version: typeof raw.version === 'string' ? raw.version : '0.0.0',
  };
  if (typeof raw.homepage === 'string' && /^https?:\/\//.test(raw.homepage)) info.homepage = raw.homepage;
  cached = info;
  return info;
}
