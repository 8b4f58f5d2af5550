// Reference values from scipy 1.17.1: scipy.special.erfc and scipy.stats.mannwhitneyu
// (method='exact' / 'asymptotic' as named in each case).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { erfc, mannWhitneyU, median, twoProportionZ } from './stats.ts';

const close = (actual: number, expected: number, relative = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} is not ${expected}`);

describe('erfc', () => {
  it('matches scipy across the ranges of its approximations', () => {
    const cases: [number, number][] = [
      [0, 1],
      [0.3, 0.6713732405408726],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028516],
      [2, 0.004677734981047266],
      [3.9, 3.479224859723178e-8],
      [4, 1.541725790028002e-8],
      [5, 1.5374597944280347e-12],
      [6, 2.1519736712498913e-17],
      [-1, 1.8427007929497148],
    ];
    for (const [x, expected] of cases) close(erfc(x), expected);
  });
});

describe('mannWhitneyU', () => {
  it('exact: completely separated samples', () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], 'less');
    assert.equal(r.method, 'exact');
    assert.equal(r.u, 0);
    close(r.pValue, 0.0021645021645021645);
  });
  it('exact: overlapping samples, one-sided greater', () => {
    const r = mannWhitneyU([3.1, 2.5, 4.0, 5.2, 6.1, 1.1, 0.5], [2.2, 1.9, 0.8, 3.3, 1.0, 0.2, 0.1, 0.4], 'greater');
    assert.equal(r.u, 46);
    close(r.pValue, 0.020046620046620046);
  });
  const x = [0, 0, 0.1, 0.2, 0, 0.05, 0.1, 0, 0.3, 0.2, 0.1, 0.1];
  const y = [0, 0, 0, 0.1, 0, 0, 0.05, 0, 0, 0, 0.1, 0];
  it('asymptotic with ties (error ratios full of zeros): greater and two-sided', () => {
    const greater = mannWhitneyU(x, y, 'greater');
    assert.equal(greater.method, 'asymptotic');
    assert.equal(greater.u, 107.5);
    close(greater.pValue, 0.013078689682096975, 1e-9);
    close(mannWhitneyU(x, y, 'two-sided').pValue, 0.02615737936419395, 1e-9);
  });
  it('gives no evidence when every value is equal', () => {
    assert.equal(mannWhitneyU([0, 0, 0], [0, 0, 0, 0], 'greater').pValue, 1);
  });
  it('median', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
});

describe('twoProportionZ', () => {
  it('matches the pooled z-test (z by hand, p from scipy.stats.norm.sf)', () => {
    const bad = twoProportionZ(10, 200, 18, 1800, 'greater');
    close(bad.z, 4.567659994014601, 1e-12);
    close(bad.pValue, 2.4659959666720213e-6, 1e-9);
    close(twoProportionZ(10, 200, 18, 1800).pValue, 4.9319919333440426e-6, 1e-9);
    close(twoProportionZ(3, 200, 18, 1800, 'greater').pValue, 0.255231184953652, 1e-9);
    close(twoProportionZ(12.5, 400.2, 30.1, 3601.7, 'greater').pValue, 1.1647047209100623e-5, 1e-9);
    close(twoProportionZ(18, 1800, 10, 200, 'less').pValue, 2.4659959666720213e-6, 1e-9);
  });
  it('no errors anywhere is no evidence', () => {
    assert.deepEqual(twoProportionZ(0, 100, 0, 900, 'greater'), { z: 0, pValue: 1, rate1: 0, rate2: 0 });
  });
});
