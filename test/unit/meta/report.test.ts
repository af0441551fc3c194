import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildMetaReport, parseMetaRecord, renderMetaMarkdown } from '../../../src/meta/index.js';
import type { MetaRow } from '../../../src/meta/index.js';
import { A, B, handRows, handVerdicts } from './hand-fixture.js';

function loadFixture(): MetaRow[] {
  const file = new URL('../../fixtures/meta/meta-small.jsonl', import.meta.url);
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    const result = parseMetaRecord(JSON.parse(line), 'meta-small.jsonl', i + 1);
    if (!('row' in result)) throw new Error(JSON.stringify(result.issues));
    return result.row;
  });
}

describe('buildMetaReport (grader mode, hand fixture)', () => {
  const report = buildMetaReport({ rows: handRows, modelVerdicts: handVerdicts, seed: 7, minSamples: 3 });

  test('headline score is pairwise_model_f1_balanced over rows with a verdict', () => {
    expect(report.mode).toBe('grader');
    expect(report.score).toBeCloseTo(51 / 65, 12);
    expect(report.modelAgreement?.['pairwise_model_f1_balanced']?.n).toBe(17);
    expect(report.modelAgreement?.[`${A}: pairwise_model_f1_balanced`]?.value).toBeCloseTo(38 / 45, 12);
    expect(report.modelAgreement?.[`${B}: pairwise_model_f1_balanced`]?.value).toBeCloseTo(17 / 24, 12);
  });

  test('counts the grader error and leaves that row out of the model figures and row aggregates', () => {
    expect(report.rows).toBe(7);
    expect(report.graded).toBe(6);
    expect(report.graderErrors).toBe(1);
    expect(report.rowAggregates['model_predicted_positive']).toMatchObject({ mean: 0.5, n: 6 });
    expect(report.rowAggregates['num_physician_labels']?.mean).toBeCloseTo(14 / 6, 12);
    expect(report.rowAggregates['percent_physician_pos']?.mean).toBeCloseTo(5 / 9, 12);
    expect(report.rowAggregates[`${B}: model_predicted_positive`]).toMatchObject({ mean: 1 / 3, n: 3 });
  });

  test('row aggregates are unclipped with a seeded bootstrap std', () => {
    for (const aggregate of Object.values(report.rowAggregates)) {
      expect(aggregate.bootstrapStd).toBeGreaterThanOrEqual(0);
    }
    expect(report.rowAggregates['num_physician_labels']?.mean).toBeGreaterThan(1);
    expect(report.rowAggregates['model_predicted_positive']?.bootstrapStd).toBeGreaterThan(0);
    const again = buildMetaReport({ rows: handRows, modelVerdicts: handVerdicts, seed: 7, minSamples: 3 });
    expect(again.rowAggregates).toEqual(report.rowAggregates);
    const other = buildMetaReport({ rows: handRows, modelVerdicts: handVerdicts, seed: 8, minSamples: 3 });
    expect(other.rowAggregates['model_predicted_positive']?.bootstrapStd).not.toBe(
      report.rowAggregates['model_predicted_positive']?.bootstrapStd,
    );
  });

  test('physician baselines use every row, and the theme table matches the hand computation', () => {
    expect(Object.keys(report.physicianAgreement)).toEqual(['p1', 'p2', 'p3']);
    const hedging = report.themes.find((t) => t.theme === 'hedging');
    expect(hedging?.modelF1).toBeCloseTo(38 / 45, 12);
    expect(hedging?.physicianWeightedAvg).toBeCloseTo(19 / 27, 12);
    expect(hedging?.percentile).toBe(100);
    expect(report.themes.find((t) => t.theme === 'communication')?.percentile).toBe(50);
  });

  test('throws when the verdicts are not parallel to the rows', () => {
    expect(() => buildMetaReport({ rows: handRows, modelVerdicts: [true], seed: 1 })).toThrow(RangeError);
  });

  test('markdown puts the grader F1 beside the physicians’ min / median / max, weighted average and percentile', () => {
    const md = renderMetaMarkdown(report);
    expect(md).toContain('| `hedging` | 0.844 | 2 / 2 | 0.667 | 0.700 | 0.733 | 0.704 | 100.0 |');
    expect(md).toContain('| `communication` | 0.708 | 2 / 2 | 0.667 | 0.700 | 0.733 | 0.704 | 50.0 |');
    expect(md).toContain('Grader macro F1 (pairwise_model_f1_balanced): **0.785** (n 17)');
    expect(md).toContain('grader errors: 1 (excluded)');
    expect(md).not.toContain('Physicians-only mode');
  });
});

describe('buildMetaReport (physicians-only mode)', () => {
  const report = buildMetaReport({ rows: handRows, seed: 7, minSamples: 3 });

  test('model fields are null and row aggregates cover every row without model_predicted_positive', () => {
    expect(report.mode).toBe('physicians-only');
    expect(report.score).toBeNull();
    expect(report.modelAgreement).toBeNull();
    expect(report.graderErrors).toBeNull();
    expect(report.rowAggregates['model_predicted_positive']).toBeUndefined();
    expect(report.rowAggregates['num_physician_labels']?.n).toBe(7);
    expect(report.themes.every((t) => t.modelF1 === null && t.percentile === null)).toBe(true);
    expect(report.themes.map((t) => t.physicianWeightedAvg)).toEqual([expect.closeTo(19 / 27, 12), expect.closeTo(19 / 27, 12)]);
  });

  test('markdown says so and leaves the grader columns empty', () => {
    const md = renderMetaMarkdown(report);
    expect(md).toContain('Physicians-only mode');
    expect(md).toContain('| `hedging` | — | 2 / 2 | 0.667 | 0.700 | 0.733 | 0.704 | — |');
    expect(md).toContain('**—**');
    expect(md).toContain('grader errors: — (no grader)');
  });
});

describe('meta-small.jsonl fixture end to end', () => {
  const rows = loadFixture();

  test('every line validates: 12 rows, 2–4 labels each, ≥3 physicians, 4 themes', () => {
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.binaryLabels.length >= 2 && r.binaryLabels.length <= 4)).toBe(true);
    expect(new Set(rows.flatMap((r) => r.physicianIds)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(rows.map((r) => r.category)).size).toBe(4);
  });

  test('a grader that always says "met" gets a report with every theme and no f1_neg', () => {
    const report = buildMetaReport({ rows, modelVerdicts: rows.map(() => true), seed: 0, minSamples: 2 });
    expect(report.themes.map((t) => t.theme)).toEqual(['emergency_referrals', 'complex_responses', 'global_health', 'context_seeking']);
    expect(report.modelAgreement?.['pairwise_model_f1_neg']).toBeUndefined();
    expect(report.score).toBeNull();
    expect(report.rowAggregates['model_predicted_positive']).toMatchObject({ mean: 1, n: 12 });
    expect(renderMetaMarkdown(report)).toContain('| `global_health` |');
  });

  test('a grader following the physician majority scores a macro F1 in (0, 1] with every theme filled', () => {
    const verdicts = rows.map((r) => r.binaryLabels.filter(Boolean).length * 2 >= r.binaryLabels.length);
    const report = buildMetaReport({ rows, modelVerdicts: verdicts, seed: 0, minSamples: 2 });
    expect(report.score).toBeGreaterThan(0);
    expect(report.score).toBeLessThanOrEqual(1);
    expect(report.themes.every((t) => t.modelF1 !== null && t.physicianWeightedAvg !== null)).toBe(true);
    expect(Object.keys(report.physicianAgreement).sort()).toEqual(['phys-a', 'phys-b', 'phys-c', 'phys-d']);
    const complex = report.modelAgreement?.['cluster:complex_responses_simple_appropriate: pairwise_model_f1_balanced'];
    expect(complex?.value).not.toBeNull();
  });
});
