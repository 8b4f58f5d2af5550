/**
 * Durations as Istio reads them from YAML: protobuf Duration strings ("1.5s") and the
 * Go-style forms Istio also accepts ("500ms", "1m30s", "1h"). Returns milliseconds, or
 * undefined when the value is not a duration at all (the schema reports that).
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  let rest = value.trim();
  if (rest === '') return undefined;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  let total = 0;
  let parts = 0;
  while (rest.length > 0) {
    const m = PART.exec(rest);
    if (!m) return undefined;
    const unit = UNIT_MS[m[2] ?? ''];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
    parts++;
  }
  return parts > 0 ? sign * total : undefined;
}

/** "0.5ms" → "0.5ms", 1500 → "1.5s": for messages. */
export function formatMs(ms: number): string {
  if (ms !== 0 && Math.abs(ms) < 1) return `${+(ms * 1000).toPrecision(6)}µs`;
  if (Math.abs(ms) < 1000) return `${+ms.toPrecision(6)}ms`;
  return `${+(ms / 1000).toPrecision(6)}s`;
}
