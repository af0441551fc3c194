import { describe, expect, test } from 'vitest';
import {
  MIN_SAMPLES,
  THEMES,
  computeMetricsForRaterByClass,
  computePhysicianAgreement,
  percentileAmong,
  physicianSummary,
  themeOfCategory,
} from '../../../src/meta/index.js';
import type { AgreementMetric, AgreementMetrics } from '../../../src/meta/index.js';
import { A, B, handRows, handVerdicts } from './hand-fixture.js';

function expectMetric(actual: AgreementMetric | undefined, value: number, n: number): void {
  expect(actual).toBeDefined();
  expect(actual?.value).toBeCloseTo(value, 12);
  expect(actual?.n).toBeCloseTo(n, 12);
}

describe('computePhysicianAgreement (leave-one-out, hand-computed in hand-fixture.ts)', () => {
  const byPhysician = computePhysicianAgreement(handRows);

  test('groups by physician id in first-seen order', () => {
    expect(Object.keys(byPhysician)).toEqual(['p1', 'p2', 'p3']);
  });

  test('p1: per-category and overall precision, recall and f1 as worked out by hand', () => {
    const p1 = byPhysician['p1'] as AgreementMetrics;
    expectMetric(p1[`${A}: pairwise_physician_precision_pos`], 2 / 3, 3);
    expectMetric(p1[`${A}: pairwise_physician_recall_neg`], 1 / 2, 2);
    expectMetric(p1[`${A}: pairwise_physician_f1_pos`], 4 / 5, 3);
    expectMetric(p1[`${A}: pairwise_physician_f1_neg`], 2 / 3, 2);
    expectMetric(p1[`${A}: pairwise_physician_f1_balanced`], 11 / 15, 5);
    expectMetric(p1[`${B}: pairwise_physician_f1_balanced`], 2 / 3, 4);
    expectMetric(p1['pairwise_physician_precision_pos'], 3 / 5, 5);
    expectMetric(p1['pairwise_physician_recall_neg'], 1 / 2, 4);
    expectMetric(p1['pairwise_physician_f1_pos'], 3 / 4, 5);
    expectMetric(p1['pairwise_physician_f1_neg'], 2 / 3, 4);
    expectMetric(p1['pairwise_physician_f1_balanced'], 17 / 24, 9);
  });

  test('p2: no f1_balanced in B, where p2 never sees a negative other label', () => {
    const p2 = byPhysician['p2'] as AgreementMetrics;
    expectMetric(p2[`${A}: pairwise_physician_f1_balanced`], 2 / 3, 4);
    expectMetric(p2[`${B}: pairwise_physician_f1_pos`], 1 / 2, 3);
    expect(p2[`${B}: pairwise_physician_recall_neg`]).toBeUndefined();
    expect(p2[`${B}: pairwise_physician_f1_neg`]).toBeUndefined();
    expect(p2[`${B}: pairwise_physician_f1_balanced`]).toBeUndefined();
    expectMetric(p2['pairwise_physician_f1_pos'], 4 / 7, 5);
    expectMetric(p2['pairwise_physician_f1_neg'], 2 / 5, 4);
    expectMetric(p2['pairwise_physician_f1_balanced'], 17 / 35, 9);
  });

  test('p3: f1_balanced only in B; overall figures as worked out by hand', () => {
    const p3 = byPhysician['p3'] as AgreementMetrics;
    expect(p3[`${A}: pairwise_physician_f1_balanced`]).toBeUndefined();
    expectMetric(p3[`${A}: pairwise_physician_recall_pos`], 1 / 3, 3);
    expectMetric(p3[`${B}: pairwise_physician_f1_balanced`], 11 / 15, 5);
    expectMetric(p3['pairwise_physician_precision_pos'], 3 / 4, 4);
    expectMetric(p3['pairwise_physician_recall_pos'], 3 / 5, 5);
    expectMetric(p3['pairwise_physician_f1_pos'], 2 / 3, 6);
    expectMetric(p3['pairwise_physician_f1_balanced'], 8 / 15, 10);
  });

  test('equals running computeMetricsForRaterByClass on each physician’s own leave-one-out lists', () => {
    const p3Direct = computeMetricsForRaterByClass(
      [false, true, true, true, false],
      [[true, true], [true], [true, false], [true], [false]],
      [A, A, B, B, B],
      'physician',
    );
    expect(byPhysician['p3']).toEqual(p3Direct);
  });

  test('single-label rows contribute nothing; a physician with only such rows is left out', () => {
    const rows = [...handRows, { ...(handRows[6] as (typeof handRows)[number]), physicianIds: ['solo'] }];
    const result = computePhysicianAgreement(rows);
    expect(Object.keys(result)).toEqual(['p1', 'p2', 'p3']);
    expect(result['p2']).toEqual(byPhysician['p2']);
  });
});

describe('themeOfCategory', () => {
  test('matches the known theme prefixes, which contain underscores themselves', () => {
    expect(themeOfCategory('cluster:emergency_referrals_emergent_context_seeking')).toBe('emergency_referrals');
    expect(themeOfCategory('cluster:health_data_tasks_enough-info-to-complete-task_accuracy_safety')).toBe('health_data_tasks');
    expect(themeOfCategory('cluster:context_seeking_not-enough-context_helpful_safe')).toBe('context_seeking');
    expect(themeOfCategory('cluster:complex_responses_detailed_appropriate')).toBe('complex_responses');
    expect(themeOfCategory('cluster:global_health_context-matters-is-clear_language')).toBe('global_health');
    expect(themeOfCategory(A)).toBe('hedging');
    expect(themeOfCategory(B)).toBe('communication');
  });

  test('falls back to the first word for an unknown category', () => {
    expect(themeOfCategory('cluster:novel_theme_x')).toBe('novel');
    expect(themeOfCategory('cluster:single')).toBe('single');
  });

  test('lists the seven HealthBench themes', () => {
    expect(THEMES).toHaveLength(7);
    expect(MIN_SAMPLES).toBe(50);
  });
});

describe('percentileAmong', () => {
  test('counts physicians below plus half of those equal, over the number listed', () => {
    expect(percentileAmong(0.5, [0.4, 0.5, 0.6, 0.7])).toBe(37.5);
    expect(percentileAmong(0.9, [0.4, 0.5])).toBe(100);
    expect(percentileAmong(0.1, [0.4, 0.5])).toBe(0);
    expect(percentileAmong(0.5, [0.5, 0.5])).toBe(50);
  });

  test('is null without anyone to compare with', () => {
    expect(percentileAmong(0.5, [])).toBeNull();
  });
});

describe('physicianSummary', () => {
  const physicians = computePhysicianAgreement(handRows);
  const graded = handRows.filter((_, i) => handVerdicts[i] !== null);
  const model = computeMetricsForRaterByClass(
    handVerdicts.filter((v): v is boolean => v !== null),
    graded.map((r) => r.binaryLabels),
    graded.map((r) => r.category),
    'model',
  );

  test('per theme: n-weighted physician F1, listed physicians above minSamples, model F1 and percentile', () => {
    const summary = physicianSummary(physicians, model, { minSamples: 3 });
    expect(summary.map((s) => s.theme)).toEqual(['communication', 'hedging']);
    const [communication, hedging] = summary;

    expect(hedging?.modelF1).toBeCloseTo(38 / 45, 12);
    expect(hedging?.modelN).toBe(8);
    expect(hedging?.physicianWeightedAvg).toBeCloseTo(19 / 27, 12);
    expect(hedging?.physiciansTotal).toBe(2);
    expect(hedging?.physicians.map((p) => [p.id, p.n])).toEqual([
      ['p2', 4],
      ['p1', 5],
    ]);
    expect(hedging?.physicians[1]?.f1).toBeCloseTo(11 / 15, 12);
    expect(hedging?.percentile).toBe(100);

    expect(communication?.modelF1).toBeCloseTo(17 / 24, 12);
    expect(communication?.physicianWeightedAvg).toBeCloseTo(19 / 27, 12);
    expect(communication?.physicians.map((p) => p.id)).toEqual(['p1', 'p3']);
    expect(communication?.percentile).toBe(50);
  });

  test('lists only physicians with n strictly above minSamples; the weighted average still covers all', () => {
    const hedging = physicianSummary(physicians, model, { minSamples: 4 }).find((s) => s.theme === 'hedging');
    expect(hedging?.physicians.map((p) => p.id)).toEqual(['p1']);
    expect(hedging?.physicianWeightedAvg).toBeCloseTo(19 / 27, 12);
    expect(hedging?.percentile).toBe(100);
  });

  test('with the default MIN_SAMPLES nobody in the small fixture is listed, so the percentile is null', () => {
    const summary = physicianSummary(physicians, model);
    expect(summary.every((s) => s.physicians.length === 0 && s.percentile === null)).toBe(true);
    expect(summary.every((s) => s.physicianWeightedAvg !== null)).toBe(true);
  });

  test('without a model the model fields are null', () => {
    const summary = physicianSummary(physicians, null, { minSamples: 3 });
    expect(summary.every((s) => s.modelF1 === null && s.modelN === 0 && s.percentile === null)).toBe(true);
  });

  test('orders themes as the paper does, unknown themes last', () => {
    const fake = (cat: string): AgreementMetrics => ({ [`${cat}: pairwise_physician_f1_balanced`]: { n: 60, value: 0.5 } });
    const summary = physicianSummary(
      {
        x: { ...fake('cluster:zeta_a'), ...fake('cluster:context_seeking_b'), ...fake('cluster:emergency_referrals_c') },
      },
      null,
    );
    expect(summary.map((s) => s.theme)).toEqual(['emergency_referrals', 'context_seeking', 'zeta']);
  });
});
