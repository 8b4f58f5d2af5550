/**
 * Go's `time.ParseDuration`, exactly: what Kubernetes' CEL `duration()` accepts and what
 * Istio, Gateway API and Argo Rollouts mean by a duration string ("300ms", "1.5h", "2h45m").
 * Valid units: ns, us (µs, μs), ms, s, m, h. "0" alone needs no unit. Range: int64 nanoseconds.
 */

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // U+00B5 micro sign
  ['\u03bcs', 1_000n], // U+03BC Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX = (1n << 63n) - 1n;
const LIMIT = 1n << 63n;

export type DurationResult = { nanos: bigint } | { error: string };

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parses a Go duration string into nanoseconds, or says why it is not one. */
export function parseGoDuration(text: string): DurationResult {
  const invalid = { error: `invalid duration "${text}"` };
  let s = text;
  let negative = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { nanos: 0n };
  if (s === '') return invalid;
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid;
    // [0-9]*
    let i = 0;
    let whole = 0n;
    while (isDigit(s[i])) {
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > LIMIT) return invalid; // overflow
      i++;
    }
    const hasWhole = i > 0;
    s = s.slice(i);
    // (\.[0-9]*)?
    let fraction = 0n;
    let scale = 1;
    let hasFraction = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        // Like Go: digits past int64 precision are consumed and ignored.
        if (!overflow) {
          if (fraction > (LIMIT - 1n) / 10n) overflow = true;
          else {
            fraction = fraction * 10n + BigInt(s.charCodeAt(j) - 48);
            scale *= 10;
          }
        }
        j++;
      }
      hasFraction = j > 0;
      s = s.slice(j);
    }
    if (!hasWhole && !hasFraction) return invalid;
    // The unit: everything up to the next digit or dot.
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) return { error: `missing unit in duration "${text}"` };
    const unitName = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS.get(unitName);
    if (unit === undefined) return { error: `unknown unit "${unitName}" in duration "${text}"` };
    if (whole > LIMIT / unit) return invalid;
    let value = whole * unit;
    if (fraction > 0n) {
      // Go computes this part in float64 and truncates; so does this.
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > LIMIT) return invalid;
    }
    total += value;
    if (total > LIMIT) return invalid;
  }
  if (negative) return { nanos: -total };
  if (total > MAX) return invalid;
  return { nanos: total };
}

/** Nanoseconds of a duration string, or undefined when it is not one. */
export function durationNanos(text: string): bigint | undefined {
  const result = parseGoDuration(text);
  return 'nanos' in result ? result.nanos : undefined;
}
