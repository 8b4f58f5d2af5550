/**
 * Route and cluster settings rendered for people, in one line each: `timeout 10s`,
 * `attempts=3 perTryTimeout=2s retryOn=5xx`, `ISTIO_MUTUAL`. Equal settings render equally
 * (keys sorted, durations normalized), so comparing renderings compares meanings.
 */
import { formatMs, parseDurationMs } from '../analyze/shared/duration.ts';
import { isRecord } from '../model/json.ts';

export const UNSET = 'unset';

function scalar(value: unknown): string {
  if (typeof value === 'string') {
    const ms = parseDurationMs(value);
    if (ms !== undefined && /[a-zµμ]$/.test(value.trim())) return formatMs(ms);
    return /^[\w./*:@%+~-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return JSON.stringify(value) ?? '';
}

function flatten(value: unknown, prefix: string, out: string[]): void {
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    if (keys.length === 0 && prefix !== '') out.push(`${prefix}={}`);
    for (const key of keys) flatten(value[key], prefix === '' ? key : `${prefix}.${key}`, out);
  } else if (Array.isArray(value)) {
    if (value.every((v) => !isRecord(v) && !Array.isArray(v))) out.push(`${prefix}=[${value.map(scalar).join(',')}]`);
    else value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else {
    out.push(prefix === '' ? scalar(value) : `${prefix}=${scalar(value)}`);
  }
}

/**
 * Any JSON setting as `a.b=1 c=[x,y]`, keys sorted. A `lead` key (`mode` for TLS, `simple`
 * for load balancing) is shown first as a bare value: `ISTIO_MUTUAL sni=x`.
 */
export function compact(value: unknown, lead?: string): string {
  if (value === undefined) return UNSET;
  if (!isRecord(value)) return scalar(value);
  const parts: string[] = [];
  let rest: Record<string, unknown> = value;
  if (lead !== undefined && typeof value[lead] === 'string') {
    parts.push(value[lead]);
    rest = { ...value };
    delete rest[lead];
  }
  flatten(rest, '', parts);
  return parts.length === 0 ? '{}' : parts.join(' ');
}

/** `10s`, `off` for 0. */
export function renderTimeout(value: unknown): string {
  const ms = parseDurationMs(value);
  if (ms === undefined) return compact(value);
  return ms === 0 ? 'off' : formatMs(ms);
}

export function renderRetries(value: unknown): string {
  if (!isRecord(value)) return compact(value);
  if (value.attempts === 0) return 'off';
  return compact(value);
}

function percentOf(value: unknown): string {
  const v = isRecord(value) ? value.value : undefined;
  return typeof v === 'number' ? `${+v.toPrecision(6)}%` : '100%';
}

/** `delay 7s for 100%; abort 500 for 10%`. */
export function renderFault(value: unknown): string {
  if (!isRecord(value)) return compact(value);
  const parts: string[] = [];
  const delay = value.delay;
  if (isRecord(delay)) {
    const fixed = delay.fixedDelay ?? delay.exponentialDelay;
    parts.push(`delay ${fixed === undefined ? compact(delay) : renderTimeout(fixed)} for ${percentOf(delay.percentage ?? (typeof delay.percent === 'number' ? { value: delay.percent } : undefined))}`);
  }
  const abort = value.abort;
  if (isRecord(abort)) {
    const what = abort.httpStatus ?? abort.grpcStatus ?? (abort.http2Error === undefined ? undefined : `http2 ${String(abort.http2Error)}`);
    parts.push(`abort ${what === undefined ? compact(abort) : String(what)} for ${percentOf(abort.percentage)}`);
  }
  return parts.length > 0 ? parts.join('; ') : compact(value);
}

function mirrorTarget(destination: unknown): string {
  if (!isRecord(destination)) return compact(destination);
  const host = typeof destination.host === 'string' ? destination.host : '?';
  const subset = typeof destination.subset === 'string' ? `/${destination.subset}` : '';
  const port = isRecord(destination.port) && typeof destination.port.number === 'number' ? `:${destination.port.number}` : '';
  return `${host}${subset}${port}`;
}

/** `reviews/v2 (50%)`: the `mirror` + `mirrorPercentage` pair, or each of `mirrors`. */
export function renderMirror(raw: Readonly<Record<string, unknown>>): string | undefined {
  const out: string[] = [];
  if (raw.mirror !== undefined) out.push(`${mirrorTarget(raw.mirror)} (${percentOf(raw.mirrorPercentage ?? (typeof raw.mirrorPercent === 'number' ? { value: raw.mirrorPercent } : undefined))})`);
  if (Array.isArray(raw.mirrors)) {
    for (const m of raw.mirrors) out.push(`${mirrorTarget(isRecord(m) ? m.destination : m)} (${percentOf(isRecord(m) ? m.percentage : undefined)})`);
  }
  return out.length > 0 ? out.join(', ') : undefined;
}
