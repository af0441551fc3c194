/**
 * The length-adjusted HealthBench score (docs/professional.md §2): a per-example score minus a penalty that grows
 * linearly with how far the response's length lies above (or, as a bonus, below) a center length. The aggregate is
 * the same clipped mean as every other metric, so the per-example value is stored in the metric map under
 * {@link LENGTH_ADJUSTED_KEY} and aggregated with it.
 */

/** Metric name of the per-example adjusted score and of its aggregate. */
export const LENGTH_ADJUSTED_KEY = 'overall_score_length_adjusted';

/** The penalty is stated per this many characters. */
export const LENGTH_ADJUSTMENT_UNIT_CHARS = 500;

/** Center and penalty of one length adjustment. */
export interface LengthAdjustment {
  /** Length in characters (code points) at which the adjustment is zero. Non-negative. */
  readonly center: number;
  /** Score subtracted per 500 characters above the center (added per 500 below). Non-negative. */
  readonly penalty: number;
}

/** The benchmark sets with published adjustment constants. */
export type PublishedSet = 'all' | 'hard' | 'consensus' | 'professional';

/** The published constants (center 2000 characters for every set; penalty per set). */
export const PUBLISHED_LENGTH_ADJUSTMENT: Readonly<Record<PublishedSet, LengthAdjustment>> = {
  all: { center: 2000, penalty: 0.0299 },
  hard: { center: 2000, penalty: 0.0392 },
  consensus: { center: 2000, penalty: 0.002 },
  professional: { center: 2000, penalty: 0.0147 },
};

/**
 * Length of `text` as Python's `len` counts it: Unicode code points, so a character outside the Basic Multilingual
 * Plane (an emoji, a CJK extension ideograph) counts 1, not the 2 UTF-16 units of `text.length`. A lone surrogate
 * counts 1, as Python counts it.
 */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point: skip the low half.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i += 1;
    }
    n += 1;
  }
  return n;
}

/** Throws a RangeError unless center and penalty are finite and non-negative. */
export function checkLengthAdjustment(adj: LengthAdjustment): void {
  for (const [name, value] of [
    ['center', adj.center],
    ['penalty', adj.penalty],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`Expected length adjustment \`${name}\` to be a finite number from 0 and up, got \`${String(value)}\``);
    }
  }
}

/**
 * One example's adjusted score: `score − penalty × (chars − center) / 500`, not clipped (the aggregate mean is).
 * `score` may be negative or, in principle, above 1; it is used as given.
 */
export function lengthAdjustedScore(score: number, responseChars: number, adj: LengthAdjustment): number {
  return score - (adj.penalty * (responseChars - adj.center)) / LENGTH_ADJUSTMENT_UNIT_CHARS;
}
