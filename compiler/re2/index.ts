/**
 * Google's RE2 compiled to WASM (re2-wasm), used directly (not through its
 * JavaScript-RegExp-compatible wrapper, which rewrites the pattern), so a pattern means what
 * it means to Envoy's validator and to the Kubernetes API server. RE2 runs in linear time:
 * every pattern applied to policy values goes through here, so hostile values cannot make
 * a backtracking engine run for hours (ReDoS).
 */
import { createRequire } from 'node:module';

interface WrappedRE2 {
  ok(): boolean;
  error(): string;
  match(input: string, start: number, getCapturingGroups: boolean): { index: number };
}
type WrappedRE2Constructor = new (pattern: string, ignoreCase: boolean, multiline: boolean, dotAll: boolean) => WrappedRE2;

const require = createRequire(import.meta.url);
let Ctor: WrappedRE2Constructor | undefined;
const compiled = new Map<string, WrappedRE2 | string>();

function compile(pattern: string): WrappedRE2 | string {
  let re = compiled.get(pattern);
  if (re === undefined) {
    Ctor ??= (require('re2-wasm/build/wasm/re2.js') as { WrappedRE2: WrappedRE2Constructor }).WrappedRE2;
    const r = new Ctor(pattern, false, false, false);
    re = r.ok() ? r : r.error();
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether RE2 finds `pattern` in `input` (unanchored, as PGV's generated code does). */
export function re2Matches(pattern: string, input: string): boolean {
  const re = compile(pattern);
  if (typeof re === 'string') throw new Error(`invalid RE2 pattern ${JSON.stringify(pattern)}: ${re}`);
  return re.match(input, 0, false).index >= 0;
}

/** RE2's error for an invalid pattern, undefined when it compiles. */
export function re2Error(pattern: string): string | undefined {
  const re = compile(pattern);
  return typeof re === 'string' ? re : undefined;
}

/** Up to this length a backtracking engine cannot blow up: at most 2^16 steps, well under a millisecond. */
const BACKTRACKING_SAFE_LENGTH = 16;

/**
 * A RegExp stand-in for ajv's `code.regExp` option: schema `pattern`s are matched as the
 * Kubernetes API server matches them, by RE2, in linear time whatever the value. Calls into
 * WebAssembly cost about a microsecond each, so short values (most names and labels) are
 * matched by JavaScript's engine, which cannot take long on them; longer ones by RE2.
 */
export function re2RegExp(pattern: string): { test(input: string): boolean; source: string; flags: string; toString(): string } {
  const problem = re2Error(pattern);
  if (problem !== undefined) throw new Error(`schema pattern ${JSON.stringify(pattern)} is not RE2: ${problem}`);
  let native: RegExp | undefined;
  try {
    native = new RegExp(pattern, 'u');
  } catch {
    native = undefined; // RE2 syntax JavaScript lacks: RE2 only
  }
  const test = (input: string): boolean => (native !== undefined && input.length <= BACKTRACKING_SAFE_LENGTH ? native.test(input) : re2Matches(pattern, input));
  // ajv keys its compiled patterns by toString(): it must differ per pattern.
  return { source: pattern, flags: '', test, toString: () => `/${pattern}/` };
}
