import { describe, expect, it } from 'vitest';
import {
  aggregateClipped,
  aggregateUnclipped,
  bootstrapStream,
  fnv1a32,
  meanClipped,
  meanUnclipped,
  metricStats,
  newBootstrapCache,
  summarizeGroup,
} from '../../../src/scoring/index.js';

const VALUES = [0.5, -0.1, 0.9, 0.3, 1.0, 0.2, 0.75, 0.0, 0.6, 0.45, 0.33];

describe('meanClipped / meanUnclipped', () => {
  it('clips the mean to [0, 1] but not the unclipped mean', () => {
    expect(meanClipped([-0.5, 0.1])).toBe(0);
    expect(meanUnclipped([-0.5, 0.1])).toBe(-0.2);
    expect(meanClipped([1.5, 1])).toBe(1);
  });
});

describe('aggregateClipped', () => {
  const perExample = [
    { overall_score: -0.4, 'theme:a': -0.4, 'axis:x': -0.5 },
    { overall_score: 0.1, 'theme:b': 0.1 },
    { overall_score: -0.2, 'theme:a': -0.2, 'axis:x': 0.25 },
  ];

  it('reports a negative mean as 0 while the per-example values stay negative', () => {
    const before = JSON.stringify(perExample);
    const out = aggregateClipped(perExample, { seed: 1, bootstrapSamples: 200 });
    expect(out['theme:a']).toBe(0);
    expect(out['axis:x']).toBe(0);
    expect(out['overall_score']).toBe(0);
    expect(JSON.stringify(perExample)).toBe(before);
    expect(aggregateUnclipped(perExample, { seed: 1, bootstrapSamples: 200 })['theme:a']).toBe(-0.30000000000000004);
  });

  it('clips each bootstrap mean too, so an all-negative metric has zero spread only when clipped', () => {
    expect(aggregateClipped(perExample, { seed: 1 })['theme:a:bootstrap_std']).toBe(0);
    expect(aggregateUnclipped(perExample, { seed: 1 })['theme:a:bootstrap_std']).toBeGreaterThan(0);
  });

  it('emits mean, n_samples and bootstrap_std for every metric plus score, with keys sorted', () => {
    const out = aggregateClipped(perExample, { seed: 1, bootstrapSamples: 50 });
    const names = ['axis:x', 'overall_score', 'score', 'theme:a', 'theme:b'];
    const expectedKeys = names.flatMap((m) => [m, `${m}:bootstrap_std`, `${m}:n_samples`]);
    expect(Object.keys(out)).toEqual(expectedKeys);
    expect(out['theme:a:n_samples']).toBe(2);
    expect(out['theme:b:n_samples']).toBe(1);
    // numpy's own rounding: np.std([0.1] * 50) is 2.7755575615628914e-17, not 0.
    expect(out['theme:b:bootstrap_std']).toBe(2.7755575615628914e-17);
    expect(out['score:n_samples']).toBe(3);
    expect(out['score']).toBe(out['overall_score']);
  });

  it('resamples score on its own stream, so its std differs from overall_score', () => {
    const rows = VALUES.map((v) => ({ overall_score: v }));
    const out = aggregateClipped(rows, { seed: 3 });
    expect(out['score']).toBe(out['overall_score']);
    expect(out['score:bootstrap_std']).not.toBe(out['overall_score:bootstrap_std']);
  });

  it('is reproducible for a seed and changes with the seed', () => {
    const rows = VALUES.map((v, i) => ({ overall_score: v, [`theme:${i % 3}`]: v }));
    const a = aggregateClipped(rows, { seed: 42 });
    const b = aggregateClipped(rows, { seed: 42 });
    const c = aggregateClipped(rows, { seed: 43 });
    expect(b).toEqual(a);
    expect(c['overall_score:bootstrap_std']).not.toBe(a['overall_score:bootstrap_std']);
    expect(c['overall_score']).toBe(a['overall_score']);
  });

  it("keeps a metric's bootstrap independent of which other metrics exist", () => {
    const alone = aggregateClipped(
      VALUES.map((v) => ({ overall_score: v })),
      { seed: 5 },
    );
    const withOthers = aggregateClipped(
      VALUES.map((v) => ({ 'axis:z': 1 - v, overall_score: v, 'theme:q': v })),
      { seed: 5 },
    );
    expect(withOthers['overall_score:bootstrap_std']).toBe(alone['overall_score:bootstrap_std']);
  });

  it("sorts keys by code point like Python's sorted(), not by UTF-16 unit", () => {
    const out = aggregateClipped([{ overall_score: 0.5, 'tag:\u{1F600}': 0.5, 'tag:\uFFFD': 0.5 }], {
      seed: 0,
      bootstrapSamples: 1,
    });
    const tags = Object.keys(out).filter((k) => k.startsWith('tag:') && !k.includes(':', 4));
    expect(tags).toEqual(['tag:\uFFFD', 'tag:\u{1F600}']);
  });

  it('rejects a non-positive resample count and a negative seed', () => {
    expect(() => aggregateClipped([{ overall_score: 1 }], { seed: 1, bootstrapSamples: 0 })).toThrow(RangeError);
    expect(() => aggregateClipped([{ overall_score: 1 }], { seed: -1 })).toThrow(RangeError);
  });
});

describe('summarizeGroup', () => {
  // Replayed in CPython: r = random.Random(seed * 2**32 + fnv1a32('axis:accuracy')); 1000 resamples of
  // [v[r.randrange(n)] for _ in range(n)], np.clip(np.mean(.), 0, 1), then np.std and np.percentile(., [2.5, 97.5]).
  it.each([
    [0, 0.10190967311487249, 0.26, 0.6372727272727272],
    [42, 0.10000369710521079, 0.2563409090909091, 0.6500227272727273],
    [2 ** 40 + 5, 0.09895695038627689, 0.24540909090909094, 0.6328181818181818],
  ])('matches a Python replay of the seed-%i bootstrap exactly', (seed, std, lo, hi) => {
    const summary = summarizeGroup(VALUES, { seed, name: 'axis:accuracy', clip: true });
    expect(summary).toEqual({ score: 0.4481818181818182, bootstrapStd: std, ci95: [lo, hi], n: 11 });
  });

  // Larger groups exercise numpy's blocked and recursive pairwise sums inside every resample (n > 8, n > 128) and the
  // many 624-word state refills of a long stream. Replayed in CPython 3.11 + numpy 2.4 as above, with
  // v[i] = ((i * 7919 + k * 331) % 1000) / 997 - 0.3.
  it.each([
    ['axis:accuracy', 9, 1, 42, true, 0.1079871223358803, 0.023303243062520913, 0.21008581299453924, 0, 0.3878413016828264],
    [
      'overall_score',
      200,
      2,
      7,
      true,
      0.020003724943820803,
      0.22245235707121366,
      0.2448495486459378,
      0.16658914242728187,
      0.2451469408224674,
    ],
    ['score', 1237, 3, 42, false, 0.008231094205768424, 0.19990148294519777, 0.19291285335391786, 0.1851409726349623, 0.21743271447325005],
    [
      'language:en',
      5000,
      4,
      2 ** 40 + 3,
      true,
      0.00403512254854335,
      0.20078796389167503,
      0.20198435305917756,
      0.1928200150451354,
      0.20839675526579737,
    ],
  ] as const)('matches a Python replay of "%s" over %i values exactly', (name, n, k, seed, clip, std, first, last, lo, hi) => {
    const values = Array.from({ length: n }, (_, i) => ((i * 7919 + k * 331) % 1000) / 997 - 0.3);
    const stats = metricStats(Float64Array.from(values), name, clip, { seed });
    expect([stats.bootstrapStd, stats.bootstrapMeans[0], stats.bootstrapMeans[999]]).toEqual([std, first, last]);
    expect(summarizeGroup(values, { seed, name, clip }).ci95).toEqual([lo, hi]);
  });

  it('gives the same bootstrap std as the flat metric map for the same seed and name', () => {
    const flat = aggregateClipped(
      VALUES.map((v) => ({ overall_score: v })),
      { seed: 9 },
    );
    const clipped = summarizeGroup(VALUES, { seed: 9, name: 'overall_score', clip: true });
    expect(clipped.bootstrapStd).toBe(flat['overall_score:bootstrap_std']);
    const rawFlat = aggregateUnclipped(
      VALUES.map((v) => ({ overall_score: v })),
      { seed: 9 },
    );
    const raw = summarizeGroup(VALUES, { seed: 9, name: 'overall_score', clip: false });
    expect(raw.bootstrapStd).toBe(rawFlat['overall_score:bootstrap_std']);
  });

  it('clips the interval ends when clipping and leaves them negative otherwise', () => {
    const low = [-0.3, -0.2, 0.05, -0.1];
    const clipped = summarizeGroup(low, { seed: 1, name: 'x', clip: true });
    const raw = summarizeGroup(low, { seed: 1, name: 'x', clip: false });
    expect(clipped.score).toBe(0);
    expect(clipped.ci95[0]).toBe(0);
    expect(raw.score).toBeLessThan(0);
    expect(raw.ci95[0]).toBeLessThan(0);
    expect(raw.ci95[0]).toBeLessThanOrEqual(raw.ci95[1]);
  });

  it('has (numpy-rounded) zero spread for a single value', () => {
    // np.std([0.7] * 1000) is 1.1102230246251565e-16: the pairwise mean of 1000 copies is not exactly 0.7.
    expect(summarizeGroup([0.7], { seed: 1, name: 'x', clip: true })).toEqual({
      score: 0.7,
      bootstrapStd: 1.1102230246251565e-16,
      ci95: [0.7, 0.7],
      n: 1,
    });
  });

  it('rejects an empty group', () => {
    expect(() => summarizeGroup([], { seed: 1, name: 'x', clip: true })).toThrow(RangeError);
  });
});

describe('bootstrapStream', () => {
  it('is Python random.Random(seed * 2**32 + fnv1a32(name))', () => {
    // FNV-1a test vectors; 4048405059 = random.Random(0xe40c292c).getrandbits(32) in CPython.
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    const rng = bootstrapStream(0, 'a');
    expect(rng.genrandUint32()).toBe(4048405059);
  });
});

describe('a report-wide bootstrap cache', () => {
  it('gives every figure exactly as without it, and reuses a bootstrap only for the same stream and values', () => {
    const cache = newBootstrapCache();
    const perExample = VALUES.map((v, i) => ({ overall_score: v, 'axis:accuracy': VALUES[(i + 3) % VALUES.length] as number }));
    expect(aggregateClipped(perExample, { seed: 42, cache })).toEqual(aggregateClipped(perExample, { seed: 42 }));
    // One entry per metric of the map (overall_score, axis:accuracy, score).
    expect(cache.size).toBe(3);
    const summary = (values: number[], name: string, seed: number) => summarizeGroup(values, { seed, name, clip: true, cache });
    expect(summary(VALUES, 'overall_score', 42)).toEqual(summarizeGroup(VALUES, { seed: 42, name: 'overall_score', clip: true }));
    expect(cache.size).toBe(3);
    // Other values, another seed, or unclipped: a different bootstrap, computed and kept on its own.
    const changed = [...VALUES.slice(1), 0.99];
    expect(summary(changed, 'overall_score', 42)).toEqual(summarizeGroup(changed, { seed: 42, name: 'overall_score', clip: true }));
    expect(summary(VALUES, 'overall_score', 7)).toEqual(summarizeGroup(VALUES, { seed: 7, name: 'overall_score', clip: true }));
    expect(summarizeGroup(VALUES, { seed: 42, name: 'overall_score', clip: false, cache })).toEqual(
      summarizeGroup(VALUES, { seed: 42, name: 'overall_score', clip: false }),
    );
    expect(cache.size).toBe(5);
  });
});
