/**
 * The Prometheus provider: instant queries over Prometheus' HTTP API (`/api/v1/query`)
 * with the platform's fetch. Results are flattened the way Argo Rollouts hands them to
 * conditions: a vector's sample values in the order Prometheus returns them, a scalar as
 * one value, a matrix (range vector or subquery) as every point of every series — the
 * sample a judge compares. Prometheus' own error (bad query, timeout) is thrown with its
 * message, which the run records as an Error measurement.
 */
import type { MetricProvider } from './types.ts';
import { MetricsUnavailableError } from './unavailable.ts';

export interface PrometheusOptions {
  /** Per-request time limit; default 10 s. Also sent as Prometheus' `timeout`. */
  timeoutMs?: number;
}

interface ApiResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Prometheus writes special floats as "NaN", "+Inf", "-Inf". */
function sampleValue(text: unknown): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return typeof text === 'string' ? Number(text) : NaN;
}

const NATIVE_HISTOGRAM = 'Prometheus returned native histogram samples; a metric needs float samples (wrap the query in histogram_quantile(), histogram_count() or histogram_sum())';

function seriesOf(result: unknown): Record<string, unknown>[] {
  if (!Array.isArray(result)) throw new Error('Prometheus returned a result that is not a list of series');
  return result as Record<string, unknown>[];
}

export function flattenResult(data: ApiResponse['data']): number[] {
  const result = data?.result;
  switch (data?.resultType) {
    case 'scalar':
      return [sampleValue(Array.isArray(result) ? result[1] : undefined)];
    case 'vector':
      return seriesOf(result).map((s) => {
        if (!Array.isArray(s.value)) throw new Error(s.histogram !== undefined ? NATIVE_HISTOGRAM : 'Prometheus returned a vector sample without a value');
        return sampleValue(s.value[1]);
      });
    case 'matrix':
      return seriesOf(result).flatMap((s) => {
        if (!Array.isArray(s.values)) throw new Error(s.histograms !== undefined ? NATIVE_HISTOGRAM : 'Prometheus returned a series without values');
        return (s.values as unknown[][]).map((p) => sampleValue(p[1]));
      });
    default:
      throw new Error(`Prometheus returned a ${String(data?.resultType)} result; a metric needs numbers (a scalar, vector or matrix)`);
  }
}

export function prometheusProvider(address: string, options: PrometheusOptions = {}): MetricProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let endpoint: URL | undefined;
  try {
    endpoint = new URL('api/v1/query', address.endsWith('/') ? address : `${address}/`);
  } catch {
    endpoint = undefined;
  }
  // A wrong address is a configuration error (an Error measurement), not an outage (no data).
  const invalid = !endpoint || (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') ? `"${address}" is not a Prometheus address (write http://host:9090)` : undefined;
  return {
    async query(query: string, at?: Date): Promise<number[]> {
      if (invalid || !endpoint) throw new Error(invalid);
      const body = new URLSearchParams({ query, timeout: `${Math.max(1, Math.floor(timeoutMs / 1000))}s` });
      if (at) body.set('time', (at.getTime() / 1000).toFixed(3));
      let response: Response;
      try {
        response = await fetch(endpoint, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const why = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
        throw new MetricsUnavailableError(`Prometheus at ${endpoint.origin} is unreachable: ${why}`, { cause: error });
      }
      let json: ApiResponse;
      try {
        json = (await response.json()) as ApiResponse;
      } catch (error) {
        // The time limit covers the body too: a Prometheus that stalls mid-answer is an outage.
        if ((error as Error).name === 'TimeoutError') throw new MetricsUnavailableError(`Prometheus at ${endpoint.origin} is unreachable: no answer within ${timeoutMs} ms (HTTP ${response.status}, body unfinished)`, { cause: error });
        const message = `Prometheus at ${endpoint.origin} answered HTTP ${response.status} with a body that is not JSON`;
        throw response.status >= 500 ? new MetricsUnavailableError(message, { cause: error }) : new Error(message, { cause: error });
      }
      if (json.status !== 'success' && response.status >= 500) {
        throw new MetricsUnavailableError(`Prometheus at ${endpoint.origin} could not answer (${json.errorType ?? `HTTP ${response.status}`}): ${json.error ?? 'no message'}`);
      }
      if (json.status !== 'success') throw new Error(`Prometheus rejected the query (${json.errorType ?? `HTTP ${response.status}`}): ${json.error ?? 'no message'}`);
      return flattenResult(json.data);
    },
  };
}
