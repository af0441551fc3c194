import { describe, expect, test } from 'vitest';
import { compareForDrift, decideAlarms, unpairedBootstrap, type DriftComparison } from '../../../src/compare/drift.js';
import { diffRuns, type RunSide } from '../../../src/compare/index.js';
import { bootstrapPValue, erfc, holmAdjust } from '../../../src/compare/multiple-comparisons.js';
import { report, sample } from './make-run.js';

function side(runId: string, scores: Array<[string, number, string[]?]>): RunSide {
  return { runId, report: report({ runId }), samples: scores.map(([id, s, tags]) => sample(id, s, { tags: tags ?? [] })) };
}

/** A deterministic spread of scores in [0, 1]. */
const spread = (i: number): number => ((i * 37) % 100) / 100;

describe('holmAdjust', () => {
  test('step-down: sorted p × (m − k), running maximum, capped at 1, returned in input order', () => {
    expect(holmAdjust([0.01, 0.04, 0.03, 0.5])).toEqual([0.04, 0.09, 0.09, 0.5]);
    expect(holmAdjust([0.6, 0.4])).toEqual([0.8, 0.8]);
    expect(holmAdjust([])).toEqual([]);
    expect(holmAdjust([0.02])).toEqual([0.02]);
  });
  test('a p that passes alone can fail among many', () => {
    const alone = holmAdjust([0.03])[0] as number;
    const amongTen = holmAdjust([0.03, ...Array<number>(9).fill(0.9)])[0] as number;
    expect(alone).toBeLessThan(0.05);
    expect(amongTen).toBeCloseTo(0.3, 12);
  });
});

describe('bootstrapPValue', () => {
  test('a zero observed delta gives 1; a delta without any spread gives 0', () => {
    expect(bootstrapPValue(0, Float64Array.from([0.1, -0.1]), 1e-12)).toBe(1);
    expect(bootstrapPValue(-0.1, Float64Array.from([-0.1, -0.1]), 1e-12)).toBe(0);
  });
  test('normal tail: a delta of 1.96 bootstrap standard errors gives p ≈ 0.05, 3 gives ≈ 0.0027, in both directions', () => {
    const d = Float64Array.from([-1, 1]); // mean 0, population std 1
    expect(bootstrapPValue(1.959964, d, 1e-12)).toBeCloseTo(0.05, 6);
    expect(bootstrapPValue(-3, d, 1e-12)).toBeCloseTo(0.0026998, 6);
  });
  test('erfc matches known values', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.1572992, 7);
    expect(erfc(-1)).toBeCloseTo(1.8427008, 7);
  });
});

describe('diff --correction holm', () => {
  const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
  const themes = ['theme:a', 'theme:b', 'theme:c', 'theme:d'];
  const base = side(
    'base',
    ids.map((id, i) => [id, spread(i), [themes[i % 4] as string]]),
  );
  // A small drop on every prompt of theme a only.
  const head = side(
    'head',
    ids.map((id, i) => [id, i % 4 === 0 ? Math.max(0, spread(i) - 0.12) : spread(i), [themes[i % 4] as string]]),
  );

  test('p-values are reported per group; holm adjusts them over the groups with enough prompts', () => {
    const plain = diffRuns(base, head, { seed: 1 });
    const holm = diffRuns(base, head, { seed: 1, correction: 'holm' });
    expect(plain.correction).toBe('none');
    expect(holm.correction).toBe('holm');
    expect(plain.groups.every((g) => g.pAdjusted === null && g.p > 0 && g.p <= 1)).toBe(true);
    const tested = holm.groups.filter((g) => g.pAdjusted !== null);
    expect(tested.map((g) => g.group).sort()).toEqual(['language:en', 'overall', 'theme:a', 'theme:b', 'theme:c', 'theme:d']);
    for (const g of tested) expect(g.pAdjusted).toBeGreaterThanOrEqual(g.p);
    const a = holm.groups.find((g) => g.group === 'theme:a');
    expect(a?.direction).toBe('regressed');
    expect(holm.groups.find((g) => g.group === 'theme:b')?.direction).toBe('unchanged');
  });
});

describe('drift', () => {
  const ids = Array.from({ length: 30 }, (_, i) => `q${i}`);
  const run = (runId: string, shift: number, tag = 'theme:t'): RunSide =>
    side(
      runId,
      ids.map((id, i) => [id, Math.max(0, spread(i) - shift), [tag]]),
    );

  test('a repeat of the same run: paired, every delta 0, p = 1, no alarm', () => {
    const c = compareForDrift('s', run('r1', 0), run('r2', 0), { seed: 42 });
    expect(c.method).toBe('paired');
    const [decided] = decideAlarms([c]);
    expect(decided?.tests.map((t) => [t.group, t.delta, t.p, t.alarm])).toEqual([
      ['overall', 0, 1, false],
      ['theme:t', 0, 1, false],
    ]);
  });

  test('a planted drop fires (paired); the same drop in a family of many unchanged series still fires, a weak one does not', () => {
    const strong = compareForDrift('drop', run('r1', 0), run('r2', 0.2), { seed: 42 });
    expect(decideAlarms([strong])[0]?.tests.every((t) => t.alarm)).toBe(true);
    const quiet = Array.from({ length: 20 }, (_, k) => compareForDrift(`same-${k}`, run('a', 0), run('b', 0), { seed: k }));
    const decided = decideAlarms([strong, ...quiet]);
    expect(decided.filter((c) => c.tests.some((t) => t.alarm)).map((c) => c.series)).toEqual(['drop']);
    expect(decided[0]?.tests.filter((t) => t.pAdjusted !== null).length).toBe(2);
  });

  test('Holm across series: a borderline drop significant alone is not an alarm among many tests', () => {
    const borderline: DriftComparison = {
      series: 'b',
      baseRunId: 'x',
      headRunId: 'y',
      method: 'paired',
      tests: [
        { group: 'overall', base: 0.5, head: 0.45, delta: -0.05, ci: [-0.09, -0.01], p: 0.02, pAdjusted: null, prompts: 30, alarm: false },
      ],
    };
    const others: DriftComparison[] = Array.from({ length: 5 }, (_, k) => ({
      ...borderline,
      series: `o${k}`,
      tests: [{ ...borderline.tests[0]!, delta: 0.01, p: 0.7 }],
    }));
    expect(decideAlarms([borderline])[0]?.tests[0]?.alarm).toBe(true);
    expect(decideAlarms([borderline, ...others])[0]?.tests[0]?.alarm).toBe(false);
    // A gain is never an alarm, however significant.
    expect(decideAlarms([{ ...borderline, tests: [{ ...borderline.tests[0]!, delta: 0.05 }] }])[0]?.tests[0]?.alarm).toBe(false);
  });

  test('runs without shared prompts use the unpaired bootstrap', () => {
    const a = side(
      'a',
      ids.slice(0, 15).map((id, i) => [id, spread(i), ['theme:t']]),
    );
    const b = side(
      'b',
      ids.slice(15).map((id, i) => [id, Math.max(0, spread(i + 15) - 0.5), ['theme:t']]),
    );
    const c = compareForDrift('s', a, b, { seed: 3 });
    expect(c.method).toBe('unpaired');
    expect(c.tests.map((t) => t.group)).toEqual(['overall', 'theme:t']);
    expect(c.tests[0]?.prompts).toBe(15);
    expect(decideAlarms([c])[0]?.tests[0]?.alarm).toBe(true);
  });

  test('unpairedBootstrap: seeded (same inputs, same CI), means are clipped means, identical sides give p = 1', () => {
    const base = [[0.2], [0.4, 0.6], [0.9]];
    const r1 = unpairedBootstrap(base, base, true, 5, 500, 0.05);
    const r2 = unpairedBootstrap(base, base, true, 5, 500, 0.05);
    expect(r1).toEqual(r2);
    expect(r1.base).toBeCloseTo(0.525, 15);
    expect(r1.delta).toBe(0);
    expect(r1.ci[0]).toBeLessThan(0);
    expect(r1.ci[1]).toBeGreaterThan(0);
    expect(r1.p).toBeGreaterThan(0.5);
  });
});
