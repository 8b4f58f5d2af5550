/**
 * Regular expressions as Envoy and proxyless gRPC compile them: Google RE2 syntax.
 *
 * An invalid RE2 pattern is ACKed by @grpc/grpc-js-xds and then crashes the client
 * process, and Envoy NACKs it, so every regex in a policy is checked here before it can
 * reach a proxy. The check uses RE2 itself (Google's RE2 compiled to WASM), without the
 * JavaScript-to-RE2 rewriting `re2-wasm`'s `RE2` class performs, so what passes here is
 * what RE2 accepts.
 */
import { createRequire } from 'node:module';

interface WrappedRE2Instance {
  ok(): boolean;
  error(): string;
  delete?(): void;
}
type WrappedRE2Constructor = new (pattern: string, ignoreCase: boolean, multiline: boolean, dotAll: boolean) => WrappedRE2Instance;

const require = createRequire(import.meta.url);
let wrapped: WrappedRE2Constructor | undefined;
function engine(): WrappedRE2Constructor {
  wrapped ??= (require('re2-wasm/build/wasm/re2.js') as { WrappedRE2: WrappedRE2Constructor }).WrappedRE2;
  return wrapped;
}

/** Istio rejects regexes longer than this (bytes, as Go counts `len`). */
export const MAX_REGEX_LENGTH = 1024;

export type RegexProblem =
  | { kind: 'too-long'; length: number; message: string }
  | { kind: 'syntax'; message: string };

const cache = new Map<string, RegexProblem | null>();
const CACHE_LIMIT = 10_000;

/**
 * RE2 (since 2023) and Go accept `(?<name>re)` as well as `(?P<name>re)`; the RE2 build in
 * re2-wasm predates that, so the newer spelling is rewritten before compiling.
 * Lookbehind `(?<=` / `(?<!` is left alone: RE2 rejects it, rightly.
 */
function modernNamedGroups(pattern: string): string {
  return pattern.replace(/\(\?<(?=[A-Za-z_])/g, '(?P<');
}

function compileError(pattern: string): string | undefined {
  const Wrapped = engine();
  const re = new Wrapped(modernNamedGroups(pattern), false, false, false);
  try {
    return re.ok() ? undefined : re.error();
  } finally {
    re.delete?.();
  }
}

/**
 * Checks a regex the way Envoy and Istio's validation do: at most 1024 bytes, valid RE2.
 * Returns undefined when it is fine, otherwise the problem with RE2's own message.
 */
export function checkRegex(pattern: string): RegexProblem | undefined {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached ?? undefined;
  let problem: RegexProblem | null = null;
  const length = Buffer.byteLength(pattern, 'utf8');
  if (length > MAX_REGEX_LENGTH) {
    problem = {
      kind: 'too-long',
      length,
      message: `regex is ${length} bytes long; Istio accepts at most ${MAX_REGEX_LENGTH}`,
    };
  } else {
    let error: string | undefined;
    try {
      error = compileError(pattern);
    } catch (e) {
      error = `RE2 could not compile it (${(e as Error).message})`;
    }
    if (error !== undefined) problem = { kind: 'syntax', message: `invalid RE2 syntax: ${error}` };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, problem);
  return problem ?? undefined;
}

/** Convenience: true when `checkRegex` finds nothing wrong. */
export function isValidRegex(pattern: string): boolean {
  return checkRegex(pattern) === undefined;
}
