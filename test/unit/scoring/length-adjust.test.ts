import { describe, expect, test } from 'vitest';
import {
  aggregateClipped,
  checkLengthAdjustment,
  codePointLength,
  LENGTH_ADJUSTED_KEY,
  lengthAdjustedScore,
  PUBLISHED_LENGTH_ADJUSTMENT,
} from '../../../src/scoring/index.js';

const PRO = PUBLISHED_LENGTH_ADJUSTMENT.professional;

describe('codePointLength (Python len)', () => {
  test('counts code points, not UTF-16 units', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('é')).toBe(1); // U+00E9
    expect(codePointLength('e\u0301')).toBe(2); // e + combining acute: two code points, as in Python
    expect(codePointLength('医生')).toBe(2);
    expect(codePointLength('😀')).toBe(1);
    expect('😀'.length).toBe(2);
    expect(codePointLength('a😀b𝔸')).toBe(4);
    expect(codePointLength('\ud83d')).toBe(1); // lone high surrogate
    expect(codePointLength('\ude00x')).toBe(2); // lone low surrogate
  });

  test('equals [...s].length on mixed strings', () => {
    const parts = ['a', 'ß', '😀', '\ud83d', '\ude00', '医', '\n', '𝔸'];
    for (let seed = 1; seed < 200; seed += 1) {
      let s = '';
      for (let i = 0; i < 30; i += 1) s += parts[(seed * 7 + i * i * 13) % parts.length];
      expect(codePointLength(s)).toBe([...s].length);
    }
  });
});

describe('lengthAdjustedScore: hand-computed vectors', () => {
  test('the published constants', () => {
    expect(PUBLISHED_LENGTH_ADJUSTMENT).toEqual({
      all: { center: 2000, penalty: 0.0299 },
      hard: { center: 2000, penalty: 0.0392 },
      consensus: { center: 2000, penalty: 0.002 },
      professional: { center: 2000, penalty: 0.0147 },
    });
  });

  test('at the center the score is unchanged', () => {
    expect(lengthAdjustedScore(0.5, 2000, PRO)).toBe(0.5);
  });

  test('500 characters above the center cost one penalty: 0.5 − 0.0147 = 0.4853', () => {
    expect(lengthAdjustedScore(0.5, codePointLength('a'.repeat(2500)), PRO)).toBeCloseTo(0.4853, 12);
  });

  test('non-ASCII: 1000 emoji are 1000 characters (not 2000), 1000 below the center: 0.8 + 2 × 0.0299 = 0.8598', () => {
    const response = '😀'.repeat(1000);
    expect(response.length).toBe(2000); // counting UTF-16 units would give no adjustment at all
    expect(lengthAdjustedScore(0.8, codePointLength(response), PUBLISHED_LENGTH_ADJUSTMENT.all)).toBeCloseTo(0.8598, 12);
  });

  test('mixed scripts: "Não tome 医 😀" × 250 = 3000 code points (3250 UTF-16 units): 0.3 − 0.0392 × 2 = 0.2216', () => {
    const response = 'Não tome 医 😀'.repeat(250);
    expect(codePointLength(response)).toBe(3000);
    expect(response.length).toBe(3250);
    expect(lengthAdjustedScore(0.3, codePointLength(response), PUBLISHED_LENGTH_ADJUSTMENT.hard)).toBeCloseTo(0.2216, 12);
  });

  test('a negative raw score stays negative and is not clipped per example: −0.25 − 0.0392 × 2 = −0.3284', () => {
    expect(lengthAdjustedScore(-0.25, 3000, PUBLISHED_LENGTH_ADJUSTMENT.hard)).toBeCloseTo(-0.3284, 12);
  });

  test('a raw score above 1 is used as given: 1.2 + 0.0147 × 2 = 1.2294', () => {
    expect(lengthAdjustedScore(1.2, 1000, PRO)).toBeCloseTo(1.2294, 12);
  });

  test('an empty response gets the whole bonus: 0 + 0.002 × 4 = 0.008', () => {
    expect(lengthAdjustedScore(0, codePointLength(''), PUBLISHED_LENGTH_ADJUSTMENT.consensus)).toBeCloseTo(0.008, 12);
  });

  test('center and penalty must be finite and non-negative', () => {
    expect(() => checkLengthAdjustment({ center: 2000, penalty: 0 })).not.toThrow();
    expect(() => checkLengthAdjustment({ center: -1, penalty: 0.01 })).toThrow(/`center`.*from 0/);
    expect(() => checkLengthAdjustment({ center: 1, penalty: Number.NaN })).toThrow(/`penalty`/);
  });
});

describe('the aggregate: clipped mean of the adjusted per-example scores', () => {
  const adjusted = (score: number, chars: number): Record<string, number> => ({
    overall_score: score,
    [LENGTH_ADJUSTED_KEY]: lengthAdjustedScore(score, chars, PRO),
  });

  test('mean within [0, 1] is not clipped; n_samples and bootstrap std like every metric', () => {
    // −0.25 at 3000 chars → −0.2794; 1.0 at 1000 chars → 1.0294; mean 0.375
    const m = aggregateClipped([adjusted(-0.25, 3000), adjusted(1, 1000)], { seed: 7 });
    expect(m[LENGTH_ADJUSTED_KEY]).toBeCloseTo(0.375, 12);
    expect(m[`${LENGTH_ADJUSTED_KEY}:n_samples`]).toBe(2);
    const std = m[`${LENGTH_ADJUSTED_KEY}:bootstrap_std`] as number;
    expect(std).toBeGreaterThan(0);
    expect(std).toBeLessThanOrEqual(0.5);
  });

  test('a mean above 1 is clipped to 1, below 0 to 0', () => {
    // 1.0 at 0 chars → 1.0588; 0.99 at 1500 chars → 1.0047: mean > 1
    expect(aggregateClipped([adjusted(1, 0), adjusted(0.99, 1500)], { seed: 1 })[LENGTH_ADJUSTED_KEY]).toBe(1);
    // 0 at 4500 chars → −0.1323; 0.05 at 2500 → 0.0353: mean −0.0485
    expect(aggregateClipped([adjusted(0, 4500), adjusted(0.05, 2500)], { seed: 1 })[LENGTH_ADJUSTED_KEY]).toBe(0);
  });

  test('the adjusted aggregate equals the clipped mean of hand-computed values', () => {
    // 0.6 @ 2000 → 0.6; 0.4 @ 2750 → 0.37795; 0.9 @ 500 → 0.9441: mean 0.640683333…
    const m = aggregateClipped([adjusted(0.6, 2000), adjusted(0.4, 2750), adjusted(0.9, 500)], { seed: 3 });
    expect(m[LENGTH_ADJUSTED_KEY]).toBeCloseTo((0.6 + 0.37795 + 0.9441) / 3, 12);
    expect(m['overall_score']).toBeCloseTo(1.9 / 3, 12);
  });
});
