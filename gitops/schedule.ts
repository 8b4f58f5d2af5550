/**
 * `--poll 15s` → a node-cron expression. Durations that divide a minute (seconds) or an hour
 * (minutes) map to an even schedule; anything else would poll unevenly (`*\/45` fires at :00
 * and :45), so it is refused with the nearest choices. A cron expression is taken as written.
 */
import cron from 'node-cron';

export type PollSchedule = { expression: string; description: string } | { expression: undefined; description: 'off' };

export class PollScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PollScheduleError';
  }
}

export function pollSchedule(text: string): PollSchedule {
  const value = text.trim();
  if (value === '0' || value === 'off' || value === 'never') return { expression: undefined, description: 'off' };
  const m = /^(\d+)\s*(s|m|h)$/.exec(value);
  if (m) {
    const n = Number(m[1]);
    const unit = m[2];
    if (unit === 's' && n > 0 && n < 60 && 60 % n === 0) return { expression: `*/${n} * * * * *`, description: `every ${n}s` };
    if (unit === 's' && n >= 60 && n % 60 === 0) return pollSchedule(`${n / 60}m`);
    if (unit === 'm' && n > 0 && n < 60 && 60 % n === 0) return { expression: `0 */${n} * * * *`, description: `every ${n}m` };
    if (unit === 'm' && n === 60) return pollSchedule('1h');
    if (unit === 'h' && n > 0 && n < 24 && 24 % n === 0) return { expression: `0 0 */${n} * * *`, description: `every ${n}h` };
    throw new PollScheduleError(`--poll ${value} does not divide a minute, an hour or a day evenly; use e.g. 10s, 15s, 30s, 1m, 5m, 15m or a cron expression`);
  }
  if (value.split(/\s+/).length >= 5 && cron.validate(value)) return { expression: value, description: `cron "${value}"` };
  throw new PollScheduleError(`--poll takes a duration (15s, 1m, 5m), 'off', or a cron expression, got '${value}'`);
}
