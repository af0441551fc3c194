import { describe, expect, it } from 'vitest';
import { numpyMean, pairwiseSum, pairwiseSumGathered, pairwiseSumRange } from '../../../src/scoring/index.js';

function naiveSum(values: readonly number[]): number {
  let s = 0;
  for (const x of values) s += x;
  return s;
}

/** Deterministic test data; the expected figures below were produced by numpy 2.4 `np.sum` / `np.mean`. */
function ramp(n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 997 - 0.3);
}

describe('pairwiseSum', () => {
  it('gives numpy 1.0 for ten 0.1s where a left-to-right sum gives 0.9999999999999999', () => {
    const tenths = Array.from({ length: 10 }, () => 0.1);
    expect(naiveSum(tenths)).toBe(0.9999999999999999);
    expect(pairwiseSum(tenths)).toBe(1);
    expect(numpyMean(tenths)).toBe(0.1);
  });

  it('uses eight partial sums from n = 8 on, as numpy does', () => {
    const values = [1e16, 1, 1, 1, 1, 1, 1, 1, -1e16];
    expect(naiveSum(values)).toBe(0);
    expect(pairwiseSum(values)).toBe(6);
  });

  it.each([
    [5, 1.6995987963891672, 0.33991975927783347],
    [8, 2.346238716148445, 0.29327983951855563],
    [9, 2.3992978936810427, 0.2665886548534492],
    [17, 3.9110330992978937, 0.2300607705469349],
    [127, 25.008324974924776, 0.19691594468444706],
    [128, 25.423470411233705, 0.19862086258776332],
    [129, 25.757372116349046, 0.19966955128952749],
    [136, 25.81985957873621, 0.18985190866717802],
    [1000, 201.00300902708125, 0.20100300902708124],
    [5001, 1004.7150451354063, 0.200902828461389],
  ])('matches numpy bit for bit on n = %i', (n, sum, mean) => {
    const values = ramp(n);
    expect(pairwiseSum(values)).toBe(sum);
    expect(numpyMean(values)).toBe(mean);
    expect(pairwiseSum(Float64Array.from(values))).toBe(sum);
  });

  it('differs from a naive sum in the last bits on the n = 1000 case', () => {
    expect(naiveSum(ramp(1000))).toBe(201.00300902708156);
  });

  it('sums a sub-range without copying and equals the sum of the slice', () => {
    const values = ramp(700);
    expect(pairwiseSumRange(values, 100, 300)).toBe(pairwiseSum(values.slice(100, 400)));
  });

  it('sums through an index array exactly as it sums the gathered array, at every block boundary', () => {
    const values = Float64Array.from(ramp(300));
    for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 136, 255, 256, 257, 1000, 5001]) {
      // Repeated and scattered indices, as a bootstrap resample has.
      const indices = Int32Array.from({ length: n }, (_, i) => (i * 7919 + 13) % 300);
      const gathered = Array.from(indices, (j) => values[j] as number);
      expect(pairwiseSumGathered(values, indices)).toBe(pairwiseSum(gathered));
      expect(pairwiseSumGathered(values, indices, Math.floor(n / 2))).toBe(pairwiseSum(gathered.slice(0, Math.floor(n / 2))));
    }
    expect(() => pairwiseSumGathered(values, new Int32Array(3), 4)).toThrow(RangeError);
  });

  it('returns 0 for an empty input and NaN for the mean of nothing, like numpy', () => {
    expect(pairwiseSum([])).toBe(0);
    expect(numpyMean([])).toBeNaN();
  });
});
