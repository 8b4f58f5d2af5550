/**
 * A human-readable Logger for terminals: `2026-01-01T00:00:00.000Z WARN  message key=value …`.
 * Values that are not plain words are JSON-quoted, so a line stays one line.
 */
import type { LogFields, Logger, LogLevel } from '../logger.ts';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface TextLoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
}

export function textLogger(options: TextLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const parts = [now().toISOString(), level.toUpperCase().padEnd(5), message.replace(/\s*\n\s*/g, ' ')];
    for (const [key, value] of Object.entries(fields ?? {})) if (value !== undefined) parts.push(`${key}=${formatValue(value)}`);
    write(`${parts.join(' ')}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[\w./:@~|*+-]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? String(value);
}
