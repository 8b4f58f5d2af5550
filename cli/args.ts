import { UsageError } from './errors.ts';

interface NodeError {
  code?: unknown;
  message?: unknown;
}

/**
 * Runs a `node:util` parseArgs call and turns its errors into a short UsageError.
 * Node's messages are long ("To specify a positional argument starting with a '-' ..."):
 * only the part that names the problem is kept.
 */
export function parseOrUsageError<T>(command: string | undefined, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const { code, message } = (error ?? {}) as NodeError;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_') && typeof message === 'string') {
      throw new UsageError(shortParseMessage(code, message), command);
    }
    throw error;
  }
}

function shortParseMessage(code: string, message: string): string {
  const quoted = /'([^']*)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      if (quoted !== undefined) return `unknown option '${quoted}'`;
      break;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      if (quoted !== undefined) return `unexpected argument '${quoted}'`;
      break;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '-f, --format <value>' argument missing" / "Option '--quiet' does not take an argument"
      const name = quoted?.split(/[ ,]+/).find((part) => part.startsWith('--')) ?? quoted;
      if (name !== undefined && /argument missing/.test(message)) return `option '${name}' needs a value`;
      if (name !== undefined && /does not take an argument/.test(message)) return `option '${name}' does not take a value`;
      break;
    }
  }
  const first = message.split(/\.\s|\n/)[0] ?? message;
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** Checks that an option's value is one of `choices`. */
export function oneOf<C extends string>(
  command: string,
  option: string,
  value: string,
  choices: readonly C[],
): C {
  if ((choices as readonly string[]).includes(value)) return value as C;
  throw new UsageError(`invalid value '${value}' for --${option} (expected ${listOr(choices)})`, command);
}

/** "a, b or c" */
export function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
