/**
 * Aggregation of per-example metric dicts (docs/healthbench.md §8): the reference's `_aggregate_get_clipped_mean`
 * with a seeded, reproducible bootstrap, plus the unclipped variant and a per-group summary with a 95% interval.
 *
 * Bootstrap streams: each metric name gets its own MT19937, Python's `random.Random(seed * 2**32 + fnv1a32(name))`
 * (see {@link bootstrapStream}), so a metric's bootstrap depends only on the run seed, its name and its values; adding
 * or removing other metrics, or reordering examples' keys, never changes it. Each resample is n `randbelow(n)` draws.
 */

import type { GroupSummary } from '../core/types.js';
import { numpyMean, pairwiseSumGathered, pairwiseSumRange } from './pairwise.js';
import { MT19937, seedKey } from './random.js';
import { randbelowDraws } from './random-simd.js';

/** Options shared by every bootstrap entry point. */
export interface BootstrapOptions {
  /** Run seed: a non-negative safe integer. Recorded in the report so the figures can be reproduced. */
  readonly seed: number;
  /** Resamples per metric. @default 1000 (the reference's count) */
  readonly bootstrapSamples?: number | undefined;
  /** Bootstraps already computed in this report (see {@link BootstrapCache}); none kept when absent. */
  readonly cache?: BootstrapCache | undefined;
}

/** Options of {@link summarizeGroup}. */
export interface SummarizeOptions extends BootstrapOptions {
  /** Stream name: use the metric name so the std matches the one in the flat metric map. */
  readonly name: string;
  /** Clip the mean and every bootstrap mean to [0, 1] (HealthBench); false for MedCalc and the meta-eval. */
  readonly clip: boolean;
}

/** The reference's resample count. */
export const DEFAULT_BOOTSTRAP_SAMPLES = 1000;

/** 32-bit FNV-1a over the UTF-16 code units of `text`; only used to name bootstrap streams, not for security. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The bootstrap PRNG for metric `name` under run seed `seed` (a non-negative safe integer): the generator of Python's
 * `random.Random(seed * 2**32 + fnv1a32(name))`, so a bootstrap can be replayed in Python with `randrange(n)` draws.
 */
export function bootstrapStream(seed: number, name: string): MT19937 {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Expected \`seed\` to be a non-negative safe integer, got \`${String(seed)}\` (${typeof seed})`);
  }
  // CPython's key for that integer: its 32-bit words, low first, without high zero words.
  const key = seed === 0 ? [fnv1a32(name)] : [fnv1a32(name), ...seedKey(seed)];
  return new MT19937(key);
}

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Mean of `values` like `np.mean` (pairwise summation). NaN when empty. */
export function meanUnclipped(values: ArrayLike<number>): number {
  return numpyMean(values);
}

/** `np.clip(np.mean(values), 0, 1)`: the reference's headline mean. */
export function meanClipped(values: ArrayLike<number>): number {
  return clip01(numpyMean(values));
}

function resampleCount(opts: BootstrapOptions): number {
  const b = opts.bootstrapSamples ?? DEFAULT_BOOTSTRAP_SAMPLES;
  if (!Number.isInteger(b) || b < 1) {
    throw new RangeError(`Expected \`bootstrapSamples\` to be an integer from 1 and up, got \`${String(b)}\``);
  }
  return b;
}

/**
 * B bootstrap means of `values` (n draws with replacement via `randbelow(n)` each), clipped when asked. Where the
 * WebAssembly SIMD kernel runs (random-simd.ts), it does all B resamples in one call: draws, pairwise sum, mean, clip.
 * Otherwise each resample is drawn into one reused index buffer and summed straight through it in JS
 * (`pairwiseSumGathered`), with the same additions in the same order, so the same bits.
 */
function bootstrapMeans(values: Float64Array, rng: MT19937, samples: number, clip: boolean): Float64Array {
  const n = values.length;
  const draws = randbelowDraws(rng);
  // On the kernel: draws, sums and means in one call, the same bits as the loop below.
  const fast = draws.resampleMeans(values, samples, clip);
  if (fast !== null) return fast.slice();
  const means = new Float64Array(samples);
  for (let b = 0; b < samples; b++) {
    const indices = draws.draw(n, n);
    const m = pairwiseSumGathered(values, indices, n) / n;
    means[b] = clip ? clip01(m) : m;
  }
  return means;
}

/** `np.std(x)` (ddof 0) with numpy's own steps: pairwise mean, squared deviations, pairwise mean, sqrt. */
function populationStd(x: Float64Array): number {
  const n = x.length;
  const mean = pairwiseSumRange(x, 0, n) / n;
  const dev = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - mean;
    dev[i] = d * d;
  }
  return Math.sqrt(pairwiseSumRange(dev, 0, n) / n);
}

/** `np.percentile(sorted, q)` with the default 'linear' method, including numpy's two-sided lerp. */
function percentileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const index = (n - 1) * (q / 100);
  const lo = Math.floor(index);
  const hi = Math.min(lo + 1, n - 1);
  const t = index - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  const diff = b - a;
  // numpy interpolates from the nearer end so the result is monotone in t.
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

export interface Stats {
  mean: number;
  n: number;
  bootstrapStd: number;
  bootstrapMeans: Float64Array;
}

/**
 * Bootstraps computed while building one report, by stream (metric name, clipping, seed, resamples), with the values
 * each was computed on. A report asks for most metrics twice (the flat metric map and the group summary) and each
 * bootstrap costs about 1,000 × n draws; a repeat request with identical values gets the same result without drawing
 * again. The result is a function of stream and values alone, so reuse never changes a figure. Create one per report
 * ({@link newBootstrapCache}) and pass it in `cache`.
 */
export type BootstrapCache = Map<string, { values: Float64Array; stats: Stats }>;

export function newBootstrapCache(): BootstrapCache {
  return new Map();
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function cacheKey(name: string, clip: boolean, seed: number, samples: number): string {
  return `${name}\u0000${clip ? 1 : 0}\u0000${seed}\u0000${samples}`;
}

/**
 * Mean, count and bootstrap of one metric's values, always computed (no cache). Exported so that bootstraps can be
 * computed ahead, elsewhere (another thread), and handed to a report through {@link rememberStats}.
 */
export function metricStats(data: Float64Array, name: string, clip: boolean, opts: BootstrapOptions): Stats {
  const samples = resampleCount(opts);
  if (data.length === 0) throw new RangeError(`Metric "${name}" has no values to aggregate`);
  const raw = numpyMean(data);
  const means = bootstrapMeans(data, bootstrapStream(opts.seed, name), samples, clip);
  return { mean: clip ? clip01(raw) : raw, n: data.length, bootstrapStd: populationStd(means), bootstrapMeans: means };
}

/** Puts stats computed by {@link metricStats} (for these exact values) into a report's cache. */
export function rememberStats(
  cache: BootstrapCache,
  data: Float64Array,
  name: string,
  clip: boolean,
  opts: BootstrapOptions,
  stats: Stats,
): void {
  cache.set(cacheKey(name, clip, opts.seed, resampleCount(opts)), { values: data, stats });
}

function computeStats(values: ArrayLike<number>, name: string, clip: boolean, opts: BootstrapOptions): Stats {
  const data = Float64Array.from(values);
  const key = cacheKey(name, clip, opts.seed, resampleCount(opts));
  const known = opts.cache?.get(key);
  if (known && sameValues(known.values, data)) return known.stats;
  const stats = metricStats(data, name, clip, opts);
  opts.cache?.set(key, { values: data, stats });
  return stats;
}

/**
 * Score, bootstrap std, 95% percentile interval (2.5 / 97.5, numpy 'linear') and count of one group of values.
 * With the same `seed` and `name` its `bootstrapStd` equals `<name>:bootstrap_std` of {@link aggregateClipped}
 * (clip true) or {@link aggregateUnclipped} (clip false). Throws on an empty group.
 */
export function summarizeGroup(values: readonly number[], opts: SummarizeOptions): GroupSummary {
  const stats = computeStats(values, opts.name, opts.clip, opts);
  const sorted = stats.bootstrapMeans.slice().sort();
  return {
    score: stats.mean,
    bootstrapStd: stats.bootstrapStd,
    ci95: [percentileSorted(sorted, 2.5), percentileSorted(sorted, 97.5)],
    n: stats.n,
  };
}

/** Python's `str` ordering: by code point, which differs from JS's UTF-16 order only around astral characters. */
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(j) as number;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}

/**
 * Values per metric name in first-seen order, plus the `score` series (= overall_score) the reference adds. The metric
 * maps are plain objects (parsed from JSON or built by `exampleMetrics`), so `for...in` visits exactly their own keys,
 * in the order `Object.entries` would, without allocating a pair per value (this runs over every example at the end of
 * a run, on code not yet compiled).
 */
export function collectSeries(perExample: ReadonlyArray<Readonly<Record<string, number>>>): Map<string, number[]> {
  const series = new Map<string, number[]>();
  const push = (name: string, value: number): void => {
    const list = series.get(name);
    if (list === undefined) series.set(name, [value]);
    else list.push(value);
  };
  for (const metrics of perExample) {
    for (const name in metrics) push(name, metrics[name] as number);
    const overall = metrics['overall_score'];
    if (overall !== undefined) push('score', overall);
  }
  return series;
}

function aggregate(series: ReadonlyMap<string, readonly number[]>, opts: BootstrapOptions, clip: boolean): Record<string, number> {
  const flat = new Map<string, number>();
  for (const [name, values] of series) {
    const stats = computeStats(values, name, clip, opts);
    flat.set(name, stats.mean);
    flat.set(`${name}:n_samples`, stats.n);
    flat.set(`${name}:bootstrap_std`, stats.bootstrapStd);
  }
  const keys = [...flat.keys()].sort(compareCodePoints);
  const out: Record<string, number> = {};
  for (const key of keys) out[key] = flat.get(key) as number;
  return out;
}

/**
 * The reference `_aggregate_get_clipped_mean` output: for every metric name m present in any example, `m` (mean of
 * the present values clipped to [0, 1]), `m:n_samples` and `m:bootstrap_std` (ddof-0 std of B clipped bootstrap means),
 * plus the same triple for `score` (overall_score resampled on its own stream). Keys sorted like Python's `sorted()`.
 */
export function aggregateClipped(
  perExample: ReadonlyArray<Readonly<Record<string, number>>>,
  opts: BootstrapOptions,
): Record<string, number> {
  return aggregate(collectSeries(perExample), opts, true);
}

/** {@link aggregateClipped} of series already collected with {@link collectSeries} (a caller that needs them too). */
export function aggregateClippedSeries(series: ReadonlyMap<string, readonly number[]>, opts: BootstrapOptions): Record<string, number> {
  return aggregate(series, opts, true);
}

/** {@link aggregateClipped} without clipping, for MedCalc and the meta-evaluation. Same keys. */
export function aggregateUnclipped(
  perExample: ReadonlyArray<Readonly<Record<string, number>>>,
  opts: BootstrapOptions,
): Record<string, number> {
  return aggregate(collectSeries(perExample), opts, false);
}
