/**
 * p-values from bootstrap distributions and the Holm step-down correction, for deciding which of many compared
 * groups changed (diff `--correction holm`, history `--alarm`). Pure.
 */

/** `none`: each group judged alone (CI excludes 0); `holm`: Holm-adjusted p-values below alpha. */
export type Correction = 'none' | 'holm';

/**
 * Two-sided p-value of "no change" from an observed delta and its B bootstrap deltas: the normal approximation
 * 2·(1 − Φ(|delta| / se)), se being the standard deviation of the bootstrap deltas. A normal tail rather than the
 * share of bootstrap deltas beyond 0 because that share cannot go below 1/B, and Holm multiplies the smallest p by
 * the number of tests: with 1000 resamples and 40 tests no drop could ever be significant. An observed delta within
 * `tolerance` of 0 gives 1 (two identical runs); a non-zero delta with no spread at all gives 0.
 */
export function bootstrapPValue(observed: number, deltas: ArrayLike<number>, tolerance: number): number {
  if (Math.abs(observed) <= tolerance) return 1;
  const b = deltas.length;
  let mean = 0;
  for (let i = 0; i < b; i++) mean += deltas[i] as number;
  mean /= b;
  let ss = 0;
  for (let i = 0; i < b; i++) ss += ((deltas[i] as number) - mean) ** 2;
  const se = Math.sqrt(ss / b);
  if (!(se > 0)) return 0;
  return Math.min(1, erfc(Math.abs(observed) / se / Math.SQRT2));
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7: ample for p-values). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Holm's step-down adjusted p-values, in the input order: sort ascending, multiply the k-th smallest (0-based) by
 * (m − k), carry the running maximum so adjusted values never decrease, cap at 1. Rejecting where the adjusted
 * value is below alpha controls the family-wise error rate at alpha, with no assumption about dependence.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}
