// Helpers shared by the cli tests (not a test file itself).
import type { Diagnostic } from '../compiler/diagnostics/index.ts';
import type { CommandContext } from './context.ts';

export interface MemoryContext {
  context: CommandContext;
  stdout(): string;
  stderr(): string;
}

/** A CommandContext that records what is written, not a terminal unless `isTTY`. */
export function memoryContext(options: { env?: Record<string, string | undefined>; isTTY?: boolean; cwd?: string } = {}): MemoryContext {
  let out = '';
  let err = '';
  const context: CommandContext = {
    stdout: { write: (chunk) => void (out += chunk), isTTY: options.isTTY ?? false },
    stderr: { write: (chunk) => void (err += chunk), isTTY: false },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  };
  return { context, stdout: () => out, stderr: () => err };
}

/** A diagnostic with defaults for every field not given. */
export function diag(fields: Partial<Diagnostic> = {}): Diagnostic {
  const line = fields.line ?? 1;
  const col = fields.col ?? 1;
  return {
    code: 'SLU9001',
    severity: 'error',
    message: 'something is wrong',
    file: 'policies/a.yaml',
    line,
    col,
    endLine: line,
    endCol: col + 1,
    path: '',
    ...fields,
  };
}
