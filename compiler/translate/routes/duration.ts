/**
 * Durations as policies write them (protobuf "1.5s", Go "500ms", "1m30s") → the proto3
 * JSON form Envoy reads ("1.500s"), exact to the nanosecond.
 */

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const PART = /^(\d+)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** Nanoseconds of a non-negative duration string; undefined when it is not one. */
export function durationNanos(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  let rest = value.trim();
  if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest.length > 0) {
    const m = PART.exec(rest);
    if (!m) return undefined;
    const unit = UNIT_NS[m[3] ?? ''] ?? 0;
    const whole = Number(m[1]);
    const fraction = m[2] ? Number(`0.${m[2]}`) : 0;
    total += whole * unit + Math.round(fraction * unit);
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Nanoseconds → "5s", "0.100s", "1.000000500s" (0, 3, 6 or 9 fraction digits, as protobuf writes them). */
export function formatNanos(nanos: number): string {
  const seconds = Math.floor(nanos / 1e9);
  const rest = Math.round(nanos - seconds * 1e9);
  if (rest === 0) return `${seconds}s`;
  let digits = String(rest).padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return `${seconds}.${digits}s`;
}

const formatted = new Map<string, string | null>();

/** A policy duration in Envoy's JSON form, or undefined when the value is not a duration. */
export function envoyDuration(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const cached = formatted.get(value);
  if (cached !== undefined) return cached ?? undefined;
  const nanos = durationNanos(value);
  const out = nanos === undefined ? undefined : formatNanos(nanos);
  if (formatted.size < 10_000) formatted.set(value, out ?? null);
  return out;
}
