/**
 * Bit-exact emulation of numpy's float64 pairwise summation (`np.sum`, `np.mean`), docs/healthbench.md §8.
 *
 * The reference aggregates with `np.mean`, whose rounding differs from a left-to-right sum in the last bit
 * for some inputs; matching it exactly is what lets the replay fixture compare means with `toBe`.
 */

/** Below this length numpy switches from the 8-accumulator loop to splitting in halves. */
const BLOCK = 128;

/**
 * Pairwise sum of `a[start .. start+n)`. Works on an index range so the recursion never copies.
 * Kept separate from the public entry points so V8 sees one call shape per array kind.
 */
function pairwiseRange(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = start; i < start + n; i++) s += a[i] as number;
    return s;
  }
  if (n <= BLOCK) {
    let r0 = a[start] as number;
    let r1 = a[start + 1] as number;
    let r2 = a[start + 2] as number;
    let r3 = a[start + 3] as number;
    let r4 = a[start + 4] as number;
    let r5 = a[start + 5] as number;
    let r6 = a[start + 6] as number;
    let r7 = a[start + 7] as number;
    const blockedEnd = start + (n - (n % 8));
    let i = start + 8;
    for (; i < blockedEnd; i += 8) {
      r0 += a[i] as number;
      r1 += a[i + 1] as number;
      r2 += a[i + 2] as number;
      r3 += a[i + 3] as number;
      r4 += a[i + 4] as number;
      r5 += a[i + 5] as number;
      r6 += a[i + 6] as number;
      r7 += a[i + 7] as number;
    }
    // Same association as numpy: ((r0+r1)+(r2+r3)) + ((r4+r5)+(r6+r7)).
    let s = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    const end = start + n;
    for (; i < end; i++) s += a[i] as number;
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseRange(a, start, n2) + pairwiseRange(a, start + n2, n - n2);
}

/**
 * {@link pairwiseRange} over `values[indices[start]], values[indices[start+1]], ...` without gathering them into a
 * buffer first: the same additions in the same association, so the same bits as the pairwise sum of the gathered
 * array. This is the inner step of every bootstrap resample; reading through the indices saves a store and a load per
 * draw. Kept as its own copy of the recursion (rather than a shared one with an accessor) so V8 compiles it tight.
 */
function gatheredRange(values: Float64Array, indices: Int32Array, start: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = start; i < start + n; i++) s += values[indices[i] as number] as number;
    return s;
  }
  if (n <= BLOCK) {
    let r0 = values[indices[start] as number] as number;
    let r1 = values[indices[start + 1] as number] as number;
    let r2 = values[indices[start + 2] as number] as number;
    let r3 = values[indices[start + 3] as number] as number;
    let r4 = values[indices[start + 4] as number] as number;
    let r5 = values[indices[start + 5] as number] as number;
    let r6 = values[indices[start + 6] as number] as number;
    let r7 = values[indices[start + 7] as number] as number;
    const blockedEnd = start + (n - (n % 8));
    let i = start + 8;
    for (; i < blockedEnd; i += 8) {
      r0 += values[indices[i] as number] as number;
      r1 += values[indices[i + 1] as number] as number;
      r2 += values[indices[i + 2] as number] as number;
      r3 += values[indices[i + 3] as number] as number;
      r4 += values[indices[i + 4] as number] as number;
      r5 += values[indices[i + 5] as number] as number;
      r6 += values[indices[i + 6] as number] as number;
      r7 += values[indices[i + 7] as number] as number;
    }
    let s = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    const end = start + n;
    for (; i < end; i++) s += values[indices[i] as number] as number;
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return gatheredRange(values, indices, start, n2) + gatheredRange(values, indices, start + n2, n - n2);
}

/** numpy's pairwise sum of `values` (float64). 0 for an empty input. */
export function pairwiseSum(values: ArrayLike<number>): number {
  return pairwiseRange(values, 0, values.length);
}

/** Pairwise sum of `values[start .. start+count)` without slicing; for callers that reuse one buffer. */
export function pairwiseSumRange(values: ArrayLike<number>, start: number, count: number): number {
  return pairwiseRange(values, start, count);
}

/** `np.mean(values)` for float64: pairwise sum divided by the length. NaN for an empty input, like numpy. */
export function numpyMean(values: ArrayLike<number>): number {
  const n = values.length;
  return n === 0 ? Number.NaN : pairwiseRange(values, 0, n) / n;
}

/**
 * numpy's pairwise sum of `values[indices[0]], ..., values[indices[count-1]]` (a bootstrap resample), bit for bit the
 * pairwise sum of that gathered array, without building it. Every index must be within `values`.
 */
export function pairwiseSumGathered(values: Float64Array, indices: Int32Array, count: number = indices.length): number {
  if (!Number.isInteger(count) || count < 0 || count > indices.length) {
    throw new RangeError(`Expected \`count\` to be an integer from 0 to ${indices.length}, got \`${String(count)}\``);
  }
  return gatheredRange(values, indices, 0, count);
}
