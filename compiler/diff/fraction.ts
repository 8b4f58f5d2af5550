import type { Fraction } from './types.ts';

export const NOTHING: Fraction = Object.freeze({ num: 0, den: 1, percent: 0 });

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** `part / whole`, reduced when both are integers (Istio weights are). */
export function fraction(part: number, whole: number): Fraction {
  if (part <= 0 || whole <= 0) return NOTHING;
  if (Number.isInteger(part) && Number.isInteger(whole)) {
    const d = gcd(part, whole);
    return { num: part / d, den: whole / d, percent: (part * 100) / whole };
  }
  return { num: part, den: whole, percent: (part * 100) / whole };
}

export function sameFraction(a: Fraction, b: Fraction): boolean {
  return a.num * b.den === b.num * a.den;
}
