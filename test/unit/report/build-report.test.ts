import { describe, expect, test } from 'vitest';
import type { SampleRecord } from '../../../src/core/types.js';
import { buildHealthbenchReport, type OrderedSample } from '../../../src/report/build-report.js';
import { RESPONSE_EXCERPT_CHARS } from '../../../src/report/types.js';
import { aggregateClipped, meanClipped } from '../../../src/scoring/index.js';
import { CTX, SAMPLES } from './hand-samples.js';

const ordered = (samples: readonly SampleRecord[]): OrderedSample[] => samples.map((sample, position) => ({ position, sample }));
const scored = SAMPLES.filter((s) => s.error === null);
/** The values of one per-example metric across the scored samples, in order, skipping samples without it. */
const valuesOf = (key: string): number[] => scored.flatMap((s) => (s.metrics?.[key] === undefined ? [] : [s.metrics[key]]));

describe('buildHealthbenchReport', () => {
  const report = buildHealthbenchReport(ordered(SAMPLES), CTX);

  test('samples given in any order give the identical report', () => {
    const items = ordered(SAMPLES);
    const permutation = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4];
    const shuffled = permutation.map((i) => items[i] as OrderedSample);
    expect(buildHealthbenchReport(shuffled, CTX)).toEqual(report);
    expect(buildHealthbenchReport([...items].reverse(), CTX)).toEqual(report);
    expect(JSON.stringify(buildHealthbenchReport(shuffled, CTX))).toBe(JSON.stringify(report));
  });

  test('copies the run identity from the context', () => {
    expect(report).toMatchObject({
      formatVersion: 1,
      runId: CTX.runId,
      createdAt: CTX.createdAt,
      task: 'healthbench',
      tool: { name: 'healthbench', version: '0.1.0' },
      dataset: CTX.dataset,
      model: CTX.model,
      grader: CTX.grader,
      seed: 42,
      repeats: 1,
      testDouble: false,
      notes: [],
    });
  });

  test('error samples are excluded from every mean, counted and listed in order', () => {
    expect(report.overall.n).toBe(8);
    expect(report.overall.errors).toBe(2);
    expect(report.overall.score).toBe(meanClipped(valuesOf('overall_score')));
    expect(report.metrics['overall_score:n_samples']).toBe(8);
    expect(report.errors).toEqual([
      { exampleId: 'e3', repeat: 0, stage: 'candidate', message: 'HTTP 500 | upstream' },
      { exampleId: 'e7', repeat: 0, stage: 'grader', message: 'no valid verdict after 3 attempts' },
    ]);
    const withoutErrors = buildHealthbenchReport(ordered(scored), CTX);
    expect(report.metrics).toEqual(withoutErrors.metrics);
    expect(report.byTheme).toEqual(withoutErrors.byTheme);
    expect(report.byLanguage).toEqual(withoutErrors.byLanguage);
  });

  test('metrics is the reference flat map of the scored samples', () => {
    expect(report.metrics).toEqual(
      aggregateClipped(
        scored.map((s) => s.metrics as Record<string, number>),
        { seed: 42 },
      ),
    );
    expect(report.metrics['score']).toBe(report.metrics['overall_score']);
  });

  test('overall carries a 95% interval around its score', () => {
    const [lo, hi] = report.overall.ci95;
    expect(lo).toBeLessThanOrEqual(report.overall.score);
    expect(hi).toBeGreaterThanOrEqual(report.overall.score);
    expect(report.overall.bootstrapStd).toBe(report.metrics['overall_score:bootstrap_std']);
  });

  test('byTheme has n and the clipped mean score of each theme', () => {
    expect(Object.keys(report.byTheme)).toEqual(['communication', 'emergency_referrals', 'hedging']);
    expect(report.byTheme['hedging']?.n).toBe(4);
    expect(report.byTheme['emergency_referrals']?.n).toBe(2);
    expect(report.byTheme['communication']?.n).toBe(2);
    for (const theme of Object.keys(report.byTheme)) {
      expect(report.byTheme[theme]?.score).toBe(meanClipped(valuesOf(`theme:${theme}`)));
    }
  });

  test('a theme whose mean is negative is clipped to 0', () => {
    // e5: 0 of 8 positive points met and -8 met, so its score is -1.
    expect(report.byTheme['emergency_referrals']?.score).toBe(meanClipped([(8 + 4 - 7) / 12, -1]));
    const lone = buildHealthbenchReport(ordered([SAMPLES[4] as SampleRecord]), CTX);
    expect(lone.byTheme['emergency_referrals']?.score).toBe(0);
    expect(lone.overall.score).toBe(0);
  });

  test('byAxis counts only the samples that have positive points on that axis', () => {
    expect(Object.keys(report.byAxis)).toEqual(['accuracy', 'communication_quality', 'completeness', 'context_awareness']);
    expect(report.byAxis['accuracy']?.n).toBe(valuesOf('axis:accuracy').length);
    expect(report.byAxis['accuracy']?.n).toBe(7);
    expect(report.byAxis['communication_quality']?.n).toBe(2);
    expect(report.byAxis['context_awareness']?.n).toBe(2);
    for (const axis of Object.keys(report.byAxis)) {
      expect(report.byAxis[axis]?.score).toBe(meanClipped(valuesOf(`axis:${axis}`)));
    }
  });

  test('byLanguage groups the overall scores by sample language', () => {
    expect(Object.keys(report.byLanguage)).toEqual(['de', 'en', 'es']);
    expect(report.byLanguage['en']?.n).toBe(4);
    expect(report.byLanguage['es']?.n).toBe(2);
    expect(report.byLanguage['de']?.n).toBe(2);
    const overallOf = (lang: string): number[] =>
      scored.filter((s) => s.language === lang).map((s) => s.metrics?.['overall_score'] as number);
    for (const lang of ['de', 'en', 'es']) expect(report.byLanguage[lang]?.score).toBe(meanClipped(overallOf(lang)));
  });

  test("a group's bootstrapStd is the flat map's <name>:bootstrap_std", () => {
    for (const [theme, g] of Object.entries(report.byTheme)) expect(g.bootstrapStd).toBe(report.metrics[`theme:${theme}:bootstrap_std`]);
    for (const [axis, g] of Object.entries(report.byAxis)) expect(g.bootstrapStd).toBe(report.metrics[`axis:${axis}:bootstrap_std`]);
    for (const [family, groups] of Object.entries(report.byGroup)) {
      for (const [name, g] of Object.entries(groups)) expect(g.bootstrapStd).toBe(report.metrics[`${family}:${name}:bootstrap_std`]);
    }
  });

  test('byGroup holds the cluster, physician category and level families', () => {
    expect(Object.keys(report.byGroup).sort()).toEqual(['cluster', 'level', 'physician_agreed_category']);
    expect(report.byGroup['cluster']?.['hedging_no-uncertainty_accurate']?.n).toBe(2);
    expect(Object.keys(report.byGroup['physician_agreed_category'] ?? {})).toEqual(['emergent', 'no-uncertainty']);
    expect(report.byGroup['level']?.['example']?.n).toBe(8);
  });

  test('usage is summed per role over every sample, failed ones included', () => {
    const sum = (role: 'candidate' | 'grader', k: 'calls' | 'inputTokens' | 'outputTokens') =>
      SAMPLES.reduce((acc, s) => acc + s.usage[role][k], 0);
    expect(report.usage['candidate']).toEqual({
      calls: sum('candidate', 'calls'),
      inputTokens: sum('candidate', 'inputTokens'),
      outputTokens: sum('candidate', 'outputTokens'),
      cachedInputTokens: 0,
    });
    expect(report.usage['grader']?.calls).toBe(sum('grader', 'calls'));
    expect(report.usage['candidate']?.calls).toBe(9);
  });

  test('lowest lists the worst samples first with the criteria they missed', () => {
    const scores = report.lowest.map((l) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(report.lowest).toHaveLength(8);
    expect(report.lowest[0]).toEqual({
      exampleId: 'e5',
      repeat: 0,
      score: -1,
      theme: 'emergency_referrals',
      missed: [
        { text: 'criterion 1 of e5', points: 6, met: false },
        { text: 'criterion 2 of e5', points: 2, met: false },
        { text: 'criterion 3 of e5', points: -8, met: true },
      ],
      response: 'answer to e5',
    });
    const e2 = report.lowest.find((l) => l.exampleId === 'e2');
    expect(e2?.missed).toEqual([{ text: 'Tilts the head back.', points: -7, met: true }]);
    expect(buildHealthbenchReport(ordered(SAMPLES), { ...CTX, lowest: 3 }).lowest).toHaveLength(3);
  });

  test('lowest keeps only an excerpt of a long response', () => {
    const long = SAMPLES.map((s) => (s.exampleId === 'e5' ? { ...s, response: 'x'.repeat(5000) } : s));
    const e5 = buildHealthbenchReport(ordered(long), CTX).lowest.find((l) => l.exampleId === 'e5');
    expect(e5?.response).toBe('x'.repeat(RESPONSE_EXCERPT_CHARS));
  });

  test('a run where every sample failed reports zeros and lists the errors', () => {
    const failedOnly = SAMPLES.filter((s) => s.error !== null);
    const r = buildHealthbenchReport(ordered(failedOnly), CTX);
    expect(r.overall).toEqual({ score: 0, bootstrapStd: 0, ci95: [0, 0], n: 0, errors: 2 });
    expect(r.metrics).toEqual({});
    expect(r.byTheme).toEqual({});
    expect(r.lowest).toEqual([]);
  });

  test('the same seed gives the same figures; another seed changes only the bootstrap', () => {
    expect(buildHealthbenchReport(ordered(SAMPLES), CTX)).toEqual(report);
    const other = buildHealthbenchReport(ordered(SAMPLES), { ...CTX, seed: 7 });
    expect(other.overall.score).toBe(report.overall.score);
    expect(other.overall.bootstrapStd).not.toBe(report.overall.bootstrapStd);
  });
});
