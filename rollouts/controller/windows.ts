/**
 * Deployment windows: cron expressions (node-cron) naming the minutes (or, with a seconds
 * field, the seconds) in which a rollout may begin a step. Five-field expressions match
 * whole minutes, so the time is compared at the start of its minute.
 */
import { createTask } from 'node-cron';
import type { ScheduledTask } from 'node-cron';

const tasks = new Map<string, ScheduledTask>();

function taskFor(expression: string): ScheduledTask {
  let task = tasks.get(expression);
  if (!task) {
    // a task that is never started: used only for its matcher
    task = createTask(expression, () => undefined);
    tasks.set(expression, task);
  }
  return task;
}

function hasSeconds(expression: string): boolean {
  return expression.trim().split(/\s+/).length === 6;
}

/** Whether `at` lies inside one of the windows (always, when there are none). */
export function insideWindows(windows: readonly string[], at: number): boolean {
  if (windows.length === 0) return true;
  for (const w of windows) {
    const date = new Date(hasSeconds(w) ? Math.floor(at / 1000) * 1000 : Math.floor(at / 60_000) * 60_000);
    try {
      if (taskFor(w).match(date)) return true;
    } catch {
      // the analyzers reject invalid windows (SLU6010); one that slips through never matches
    }
  }
  return false;
}
