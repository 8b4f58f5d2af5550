/**
 * The xDS server's logging seam: four levels, a message and structured fields. The default
 * writes one JSON object per line to stderr (what log collectors ingest); tests inject a
 * recording logger to assert on warnings such as NACKs.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** Where a finished line goes (default: process.stderr). */
  write?: (line: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

/** JSON lines: `{"time":"…","level":"warn","msg":"…",…fields}`. */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    // Fields come after time/level/msg so those three are always where readers look first,
    // and a field can never overwrite them.
    write(`${JSON.stringify({ ...fields, time: now().toISOString(), level, msg: message }, replacer)}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface LogRecord {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/** Keeps every record in memory (tests). */
export function memoryLogger(): Logger & { readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const log = (level: LogLevel) => (message: string, fields: LogFields = {}) => void records.push({ level, message, fields });
  return { records, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
