import { describe, expect, test } from 'vitest';
import { computeMetricsForRaterByClass } from '../../../src/meta/index.js';

describe('computeMetricsForRaterByClass', () => {
  // docs/healthbench.md §12 test vector (the reference's healthbench_meta_eval_test.py).
  const metrics = computeMetricsForRaterByClass(
    [true, false, true],
    [[true, true, false], [true, false], [false]],
    ['a', 'a', 'b'],
    'model',
  );

  test('reproduces every key, value and n of the §12 test vector exactly', () => {
    expect(metrics).toEqual({
      pairwise_model_precision_pos: { n: 4, value: 0.5 },
      pairwise_model_precision_neg: { n: 2, value: 0.5 },
      pairwise_model_recall_pos: { n: 3, value: 2 / 3 },
      pairwise_model_recall_neg: { n: 3, value: 1 / 3 },
      pairwise_model_f1_pos: { n: 5, value: 0.5714285714285715 },
      pairwise_model_f1_neg: { n: 4, value: 0.4 },
      pairwise_model_f1_balanced: { n: 9, value: 0.48571428571428577 },
      pairwise_model_precision_balanced: { n: 6, value: 0.5 },
      pairwise_model_recall_balanced: { n: 6, value: 0.5 },
      'a: pairwise_model_precision_pos': { n: 3, value: 2 / 3 },
      'a: pairwise_model_precision_neg': { n: 2, value: 0.5 },
      'a: pairwise_model_recall_pos': { n: 3, value: 2 / 3 },
      'a: pairwise_model_recall_neg': { n: 2, value: 0.5 },
      'a: pairwise_model_f1_pos': { n: 4, value: 2 / 3 },
      'a: pairwise_model_f1_neg': { n: 3, value: 0.5 },
      'a: pairwise_model_f1_balanced': { n: 7, value: 0.5833333333333333 },
      'a: pairwise_model_precision_balanced': { n: 5, value: 0.5833333333333333 },
      'a: pairwise_model_recall_balanced': { n: 5, value: 0.5833333333333333 },
      'b: pairwise_model_precision_pos': { n: 1, value: 0 },
      'b: pairwise_model_recall_neg': { n: 1, value: 0 },
    });
  });

  test('bit-exact headline values (toBe, not toBeCloseTo)', () => {
    expect(metrics['pairwise_model_f1_balanced']?.value).toBe(0.48571428571428577);
    expect(metrics['a: pairwise_model_f1_balanced']?.value).toBe(0.5833333333333333);
    expect(metrics['pairwise_model_f1_pos']?.value).toBe(0.5714285714285715);
  });

  test('cluster b gets no f1 key: its precision_pos has no recall_pos twin', () => {
    const bKeys = Object.keys(metrics).filter((k) => k.startsWith('b: '));
    expect(bKeys.sort()).toEqual(['b: pairwise_model_precision_pos', 'b: pairwise_model_recall_neg']);
  });

  test('keys come in the reference insertion order: lists, then f1, then balanced', () => {
    const keys = Object.keys(metrics);
    expect(keys.slice(0, 4)).toEqual([
      'pairwise_model_precision_pos',
      'a: pairwise_model_precision_pos',
      'pairwise_model_recall_pos',
      'a: pairwise_model_recall_pos',
    ]);
    const firstF1 = keys.findIndex((k) => k.includes('_f1_'));
    const firstBalanced = keys.findIndex((k) => k.endsWith('_balanced'));
    expect(keys.slice(0, firstF1).every((k) => !k.includes('_f1_') && !k.endsWith('_balanced'))).toBe(true);
    expect(firstBalanced).toBeGreaterThan(firstF1);
  });

  test('f1 is 0 when precision and recall are both 0, with n = n_P + n_R − 0', () => {
    const m = computeMetricsForRaterByClass([true, false], [[false], [true]], ['c', 'c'], 'physician');
    expect(m['pairwise_physician_f1_pos']).toEqual({ n: 2, value: 0 });
    expect(m['pairwise_physician_f1_neg']).toEqual({ n: 2, value: 0 });
    expect(m['pairwise_physician_f1_balanced']).toEqual({ n: 4, value: 0 });
  });

  test('balances categories whose name contains "pos" (only the suffix is swapped, unlike upstream)', () => {
    const cat = 'cluster:complex_responses_simple_appropriate';
    const m = computeMetricsForRaterByClass([true, false], [[true], [false]], [cat, cat], 'model');
    expect(m[`${cat}: pairwise_model_f1_balanced`]).toEqual({ n: 2, value: 1 });
    expect(m[`${cat}: pairwise_model_precision_balanced`]).toEqual({ n: 2, value: 1 });
    expect(Object.keys(m).some((k) => k.includes('resnegnses') || k.includes('resbalancednses'))).toBe(false);
  });

  test('uses the rater name in every key', () => {
    const m = computeMetricsForRaterByClass([true], [[true]], ['x'], 'physician');
    expect(Object.keys(m).every((k) => k.includes('pairwise_physician_'))).toBe(true);
    expect(m['x: pairwise_physician_f1_pos']).toEqual({ n: 1, value: 1 });
  });

  test('rows without other labels add nothing; no rows give an empty map', () => {
    expect(computeMetricsForRaterByClass([true], [[]], ['x'], 'model')).toEqual({});
    expect(computeMetricsForRaterByClass([], [], [], 'model')).toEqual({});
  });

  test('throws when the input lists are not parallel', () => {
    expect(() => computeMetricsForRaterByClass([true], [[true], [false]], ['x'], 'model')).toThrow(RangeError);
    expect(() => computeMetricsForRaterByClass([true], [[true]], [], 'model')).toThrow(/equal lengths/);
  });
});
