import { describe, expect, it } from 'vitest';
import {
  aggregateMedcalc,
  medcalcSampleMetrics,
  toUpstreamResults,
  wilsonInterval,
  type MedcalcOutcome,
} from '../../../src/medcalc/index.js';

const o = (calculatorId: number, category: string, noteId: string, correct: boolean): MedcalcOutcome => ({
  row: { calculatorId, calculatorName: `calc ${calculatorId}`, category, noteId },
  correct,
});

// lab 3/4, risk 1/2, date 0/1 → 4/7 overall; the repeated (2, a) record is dropped.
const outcomes = [
  o(2, 'lab', 'a', true),
  o(2, 'lab', 'b', true),
  o(3, 'lab', 'c', true),
  o(3, 'lab', 'd', false),
  o(4, 'risk', 'e', true),
  o(4, 'risk', 'f', false),
  o(13, 'date', 'g', false),
  o(2, 'lab', 'a', false),
];

describe('aggregateMedcalc', () => {
  const agg = aggregateMedcalc(outcomes);

  it('computes micro accuracy, true-n stderr and the table_stats.py numbers (n = 1047 overall)', () => {
    expect(agg.duplicates).toBe(1);
    expect(agg.overall.n).toBe(7);
    expect(agg.overall.correct).toBe(4);
    expect(agg.overall.accuracy).toBeCloseTo(4 / 7, 12);
    expect(agg.overall.stderr).toBeCloseTo(0.187044, 6);
    expect(agg.overall.upstream).toEqual({ average: 57.14, std: 0.02 });
  });

  it('computes per-category and per-calculator groups with their own n', () => {
    expect(Object.keys(agg.byCategory)).toEqual(['lab', 'risk', 'date']);
    const lab = agg.byCategory['lab'];
    expect(lab?.accuracy).toBe(0.75);
    expect(lab?.stderr).toBeCloseTo(0.216506, 6);
    expect(lab?.upstream).toEqual({ average: 75, std: 0.22 });
    expect(lab?.ci95[0]).toBeCloseTo(0.30064, 4);
    expect(lab?.ci95[1]).toBeCloseTo(0.95441, 4);
    expect(agg.byCategory['risk']?.upstream).toEqual({ average: 50, std: 0.35 });
    expect(agg.byCategory['date']).toMatchObject({ accuracy: 0, n: 1, correct: 0, stderr: 0 });
    expect(agg.byCalculator['2']).toMatchObject({ name: 'calc 2', n: 2, correct: 2, accuracy: 1 });
    expect(agg.byCalculator['13']).toMatchObject({ n: 1, correct: 0 });
  });

  it('writes the upstream results shape: categories in first-seen order, then overall', () => {
    const results = toUpstreamResults(agg);
    expect(Object.keys(results)).toEqual(['lab', 'risk', 'date', 'overall']);
    expect(results['overall']).toEqual({ average: 57.14, std: 0.02 });
  });

  it('can use the true n for the overall upstream std', () => {
    expect(aggregateMedcalc(outcomes, { upstreamOverallN: 7 }).overall.upstream.std).toBe(0.19);
  });

  it('returns an empty-safe summary', () => {
    const empty = aggregateMedcalc([]);
    expect(empty.overall).toMatchObject({ n: 0, correct: 0, accuracy: 0, stderr: 0, ci95: [0, 1] });
  });
});

describe('wilsonInterval', () => {
  it('stays inside [0, 1] at the extremes', () => {
    const [lo, hi] = wilsonInterval(10, 10);
    expect(hi).toBe(1);
    expect(lo).toBeCloseTo(0.7225, 4);
    expect(wilsonInterval(0, 10)[0]).toBe(0);
  });
});

describe('medcalcSampleMetrics', () => {
  it('gives accuracy, category and calculator entries of 1 or 0', () => {
    expect(medcalcSampleMetrics({ calculatorId: 69, category: 'date' }, true)).toEqual({
      accuracy: 1,
      'category:date': 1,
      'calculator:69': 1,
    });
    expect(medcalcSampleMetrics({ calculatorId: 2, category: 'lab' }, false)).toEqual({
      accuracy: 0,
      'category:lab': 0,
      'calculator:2': 0,
    });
  });
});
