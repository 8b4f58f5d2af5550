/**
 * A provider that cannot be reached at all (connection refused, timeout, a 5xx from the
 * metrics backend) knows nothing about the canary: the run treats it as no data — held
 * within the metric's no-data budget, then failed — not as an Error measurement. A query
 * the backend rejects (bad PromQL) stays an Error.
 */
export class MetricsUnavailableError extends Error {
  readonly unavailable = true;
}

export function isUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { unavailable?: unknown }).unavailable === true;
}
