import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { diffRuns, flippedCriteria, hasSignificantRegression, type RunDiff } from '../../../src/compare/index.js';
import { criterion, failed, sample, side } from './make-run.js';

// (exampleId, repeat, base, head). Prompt c has two repeats that must resample together.
const ROWS: Array<[string, number, number, number]> = [
  ['a', 0, 0.5, 0.4],
  ['b', 0, 0.8, 0.8],
  ['c', 0, 0.2, 0.1],
  ['c', 1, 0.4, 0.3],
  ['d', 0, 1.0, 0.6],
  ['e', 0, -0.1, 0.0],
  ['f', 0, 0.7, 0.75],
  ['g', 0, 0.3, 0.1],
  ['h', 0, 0.9, 0.9],
];

function rowsDiff(seed: number, bootstrapSamples: number): RunDiff {
  // Shuffled input order: pairing and the bootstrap must not depend on it.
  const base = side('base', ROWS.map(([id, repeat, b]) => sample(id, b, { repeat })).reverse());
  const head = side(
    'head',
    ROWS.map(([id, repeat, , h]) => sample(id, h, { repeat })),
  );
  return diffRuns(base, head, { seed, bootstrapSamples });
}

function group(diff: RunDiff, name: string) {
  const g = diff.groups.find((x) => x.group === name);
  if (!g) throw new Error(`no group ${name}`);
  return g;
}

describe('diffRuns – paired bootstrap', () => {
  // Expected values computed independently with CPython's random.Random(seed)._randbelow and numpy
  // (np.mean, np.percentile linear) resampling prompts with their repeats.
  test('seed 42, 200 resamples gives the reference CI and means', () => {
    const g = group(rowsDiff(42, 200), 'overall');
    expect(g.base).toBe(0.5222222222222223);
    expect(g.head).toBe(0.4388888888888889);
    expect(g.delta).toBe(-0.08333333333333337);
    expect(g.ci[0]).toBe(-0.18000000000000005);
    expect(g.ci[1]).toBe(-5.4123372450476066e-17);
    expect(g.n).toBe(9);
    expect(g.prompts).toBe(8);
  });

  test('a CI bound that is zero up to float64 rounding is not called significant', () => {
    const g = group(rowsDiff(42, 200), 'overall');
    expect(g.ci[1]).toBeLessThan(0);
    expect(g.significant).toBe(false);
    expect(g.direction).toBe('unchanged');
  });

  test('seed 7, 1000 resamples gives the reference CI', () => {
    const g = group(rowsDiff(7, 1000), 'overall');
    expect(g.ci).toEqual([-0.18003125000000014, 0]);
  });

  test('the same seed and inputs give identical diffs; another seed changes the CI', () => {
    expect(rowsDiff(3, 300)).toEqual(rowsDiff(3, 300));
    expect(group(rowsDiff(3, 300), 'overall').ci).not.toEqual(group(rowsDiff(4, 300), 'overall').ci);
  });

  test('a consistent drop on 20 prompts is a significant regression', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `q${String(i).padStart(2, '0')}`);
    const base = side(
      'b',
      ids.map((id, i) => sample(id, 0.6 + (i % 5) * 0.05, { tags: ['theme:emergency_referrals'] })),
    );
    const head = side(
      'h',
      ids.map((id, i) => sample(id, 0.6 + (i % 5) * 0.05 - 0.1 - (i % 3) * 0.02, { tags: ['theme:emergency_referrals'] })),
    );
    const diff = diffRuns(base, head, { seed: 1 });
    for (const name of ['overall', 'theme:emergency_referrals', 'language:en']) {
      const g = group(diff, name);
      expect(g.significant).toBe(true);
      expect(g.direction).toBe('regressed');
      expect(g.ci[1]).toBeLessThan(0);
    }
    expect(hasSignificantRegression(diff)).toBe(true);
  });

  test('symmetric noise on 40 prompts is not significant', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    const base = side(
      'b',
      ids.map((id) => sample(id, 0.5)),
    );
    // Alternating ±0.2 changes that cancel out exactly.
    const head = side(
      'h',
      ids.map((id, i) => sample(id, i % 2 === 0 ? 0.7 : 0.3)),
    );
    const diff = diffRuns(base, head, { seed: 11 });
    const g = group(diff, 'overall');
    expect(g.delta).toBeCloseTo(0, 12);
    expect(g.ci[0]).toBeLessThan(0);
    expect(g.ci[1]).toBeGreaterThan(0);
    expect(g.significant).toBe(false);
    expect(hasSignificantRegression(diff)).toBe(false);
  });

  test('a unanimous drop on fewer prompts than minPromptsForSignificance is not significant', () => {
    const ids = ['x1', 'x2', 'x3', 'x4', 'x5'];
    const base = side(
      'b',
      ids.map((id) => sample(id, 0.8)),
    );
    const head = side(
      'h',
      ids.map((id) => sample(id, 0.2)),
    );
    const g = group(diffRuns(base, head, { seed: 0 }), 'overall');
    expect(g.ci).toEqual([-0.6000000000000001, -0.6000000000000001]);
    expect(g.significant).toBe(false);
    const lowered = group(diffRuns(base, head, { seed: 0, minPromptsForSignificance: 5 }), 'overall');
    expect(lowered.significant).toBe(true);
  });
});

describe('diffRuns – groups', () => {
  test('reports overall, theme, axis, physician category and language groups, overall first', () => {
    const tags = ['theme:hedging', 'physician_agreed_category:enough-context'];
    const base = side('b', [
      sample('a', 0.5, { tags, language: 'es', extra: { 'axis:accuracy': 0.4, 'cluster:x': 0.1, 'level:example': 0.5 } }),
    ]);
    const head = side('h', [
      sample('a', 0.7, { tags, language: 'es', extra: { 'axis:accuracy': 0.9, 'cluster:x': 0.2, 'level:example': 0.7 } }),
    ]);
    const diff = diffRuns(base, head, { seed: 0, bootstrapSamples: 10 });
    expect(diff.groups.map((g) => g.group)).toEqual([
      'overall',
      'axis:accuracy',
      'language:es',
      'physician_agreed_category:enough-context',
      'theme:hedging',
    ]);
    expect(group(diff, 'axis:accuracy').delta).toBeCloseTo(0.5, 12);
    expect(group(diff, 'language:es').head).toBe(0.7);
  });

  test('HealthBench group scores are clipped means; MedCalc accuracy is a plain mean', () => {
    const hb = diffRuns(side('b', [sample('a', -0.4), sample('b', 0.1)]), side('h', [sample('a', 0.2), sample('b', 0.2)]), {
      seed: 0,
      bootstrapSamples: 10,
    });
    expect(group(hb, 'overall').base).toBe(0);
    expect(group(hb, 'overall').head).toBe(0.2);
    expect(hb.headlineMetric).toBe('overall_score');
    expect(hb.clipped).toBe(true);

    const mc = { task: 'medcalc' as const, grader: null };
    const mcDiff = diffRuns(
      side(
        'b',
        [
          sample('a', 1, { task: 'medcalc', extra: { 'category:lab': 1 } }),
          sample('b', 0, { task: 'medcalc', extra: { 'category:lab': 0 } }),
        ],
        mc,
      ),
      side(
        'h',
        [
          sample('a', 1, { task: 'medcalc', extra: { 'category:lab': 1 } }),
          sample('b', 1, { task: 'medcalc', extra: { 'category:lab': 1 } }),
        ],
        mc,
      ),
      { seed: 0, bootstrapSamples: 10 },
    );
    expect(mcDiff.headlineMetric).toBe('accuracy');
    expect(mcDiff.clipped).toBe(false);
    expect(group(mcDiff, 'overall').base).toBe(0.5);
    expect(group(mcDiff, 'category:lab').head).toBe(1);
  });
});

describe('diffRuns – pairing', () => {
  test('examples in one run only are counted, listed with their repeats and left out of the groups', () => {
    const base = side('b', [sample('a', 0.5), sample('b', 0.5), sample('b', 0.6, { repeat: 1 }), sample('gone', 0.9)]);
    const head = side('h', [sample('a', 0.5), sample('b', 0.5), sample('new', 0.1), sample('new', 0.2, { repeat: 1 })]);
    const diff = diffRuns(base, head, { seed: 0, bootstrapSamples: 10 });
    expect(diff.onlyInBase).toEqual([
      { exampleId: 'b', repeats: [1] },
      { exampleId: 'gone', repeats: [0] },
    ]);
    expect(diff.onlyInHead).toEqual([{ exampleId: 'new', repeats: [0, 1] }]);
    expect(diff.pairs.paired).toBe(2);
    expect(group(diff, 'overall').n).toBe(2);
    expect(diff.warnings).toContain('2 sample(s) only in base and 2 only in head are left out of every group');
  });

  test('a pair with a failed sample on either side is excluded and counted per side', () => {
    const base = side('b', [sample('a', 0.5), failed('b'), sample('c', 0.4), failed('d')]);
    const head = side('h', [sample('a', 0.6), sample('b', 0.5), failed('c'), failed('d')]);
    const diff = diffRuns(base, head, { seed: 0, bootstrapSamples: 10 });
    expect(diff.pairs).toEqual({ paired: 1, prompts: 1, excludedErrors: { base: 2, head: 2, total: 3 } });
    expect(group(diff, 'overall').n).toBe(1);
  });

  test('a later record of the same (exampleId, repeat) replaces an earlier one, as after a resumed run', () => {
    const base = side('b', [sample('a', 0.5)]);
    const head = side('h', [failed('a'), sample('a', 0.9)]);
    const diff = diffRuns(base, head, { seed: 0, bootstrapSamples: 10 });
    expect(diff.pairs.excludedErrors.total).toBe(0);
    expect(group(diff, 'overall').head).toBe(0.9);
  });
});

describe('diffRuns – most changed examples', () => {
  test('lists samples by |delta| with the criteria whose verdict flipped, matched by text', () => {
    const crit = (refer: boolean, remedy: boolean, ask: boolean | null) => [
      criterion('Refers to emergency care', 5, refer),
      criterion('Recommends a home remedy', -4, remedy),
      criterion('Asks about duration', 2, ask),
    ];
    const base = side('b', [
      sample('big', 0.8, { criteria: crit(true, false, true) }),
      sample('small', 0.5, { criteria: crit(true, false, false) }),
      sample('same', 0.4, { criteria: crit(true, false, false) }),
    ]);
    const head = side('h', [
      // Head lists the criteria in another order: matching is by text, not position.
      sample('big', 0.1, { criteria: crit(false, true, true).reverse() }),
      sample('small', 0.6, { criteria: crit(true, false, null) }),
      sample('same', 0.4, { criteria: crit(true, false, false) }),
    ]);
    const diff = diffRuns(base, head, { seed: 0, bootstrapSamples: 10 });
    expect(diff.topChanged.map((e) => e.exampleId)).toEqual(['big', 'small']);
    expect(diff.topChanged[0]).toMatchObject({ base: 0.8, head: 0.1 });
    expect(diff.topChanged[0]?.delta).toBeCloseTo(-0.7, 12);
    expect(diff.topChanged[0]?.flipped).toEqual([
      { text: 'Refers to emergency care', points: 5, base: true, head: false },
      { text: 'Recommends a home remedy', points: -4, base: false, head: true },
    ]);
    // A criterion without a verdict (grader error) is not a flip.
    expect(diff.topChanged[1]?.flipped).toEqual([]);
    expect(diffRuns(base, head, { seed: 0, bootstrapSamples: 10, topExamples: 1 }).topChanged).toHaveLength(1);
  });

  test('flippedCriteria pairs duplicate texts in order', () => {
    const base = [criterion('Same text', 1, true), criterion('Same text', 1, false)];
    const head = [criterion('Same text', 1, true), criterion('Same text', 1, true)];
    expect(flippedCriteria(base, head)).toEqual([{ text: 'Same text', points: 1, base: false, head: true }]);
  });
});

describe('diffRuns – comparability', () => {
  const base = side('base-run', [sample('a', 0.5)]);
  const otherGrader = side('head-run', [sample('a', 0.5)], {
    grader: { spec: 'anthropic:other', params: {}, templateSha256: 'u'.repeat(64), officialTemplate: false, mode: 'per-criterion' },
  });

  test('refuses runs with another grader or template, naming each difference', () => {
    expect(() => diffRuns(base, otherGrader, { seed: 0 })).toThrow(UsageError);
    expect(() => diffRuns(base, otherGrader, { seed: 0 })).toThrow(/grader differs: base openai:g, head anthropic:other/);
    expect(() => diffRuns(base, otherGrader, { seed: 0 })).toThrow(/grader template sha256 differs/);
  });

  test('refuses runs on another dataset digest', () => {
    const head = side('head-run', [sample('a', 0.5)], {
      dataset: { name: 'demo', sha256: 'e'.repeat(64), officialSha256: 'n/a', count: 1 },
    });
    expect(() => diffRuns(base, head, { seed: 0 })).toThrow(/dataset sha256 differs: base d{64} \(demo\), head e{64}/);
  });

  test('with allowGraderChange the differences become warnings', () => {
    const diff = diffRuns(base, otherGrader, { seed: 0, allowGraderChange: true, bootstrapSamples: 10 });
    expect(diff.warnings).toEqual([
      'compared despite: grader differs: base openai:g, head anthropic:other',
      `compared despite: grader template sha256 differs: base ${'t'.repeat(64)}, head ${'u'.repeat(64)}`,
    ]);
  });

  test('refuses runs of different tasks even with allowGraderChange', () => {
    const mc = side('mc', [sample('a', 1, { task: 'medcalc' })], { task: 'medcalc' });
    expect(() => diffRuns(base, mc, { seed: 0, allowGraderChange: true })).toThrow(/different tasks/);
  });

  test('rejects a non-integer seed and a zero resample count', () => {
    expect(() => diffRuns(base, base, { seed: 1.5 })).toThrow(UsageError);
    expect(() => diffRuns(base, base, { seed: 0, bootstrapSamples: 0 })).toThrow(/bootstrapSamples/);
  });
});
