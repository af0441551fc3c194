/**
 * MT19937 emulating CPython's `random.Random(seed)` for integer seeds (docs/healthbench.md §9).
 *
 * Example selection must pick exactly the indices `random.Random(0).sample(...)` picks in the reference, so this is
 * a faithful port of CPython's `_randommodule.c` seeding and of `Random._randbelow` / `Random.sample`, not a
 * general-purpose PRNG. It also serves as the seeded stream for bootstraps.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** CPython's `init_by_array` key for an integer seed: abs(seed) as little-endian 32-bit words, at least one. */
export function seedKey(seed: number): number[] {
  const abs = Math.abs(seed);
  const lo = abs % 0x1_0000_0000;
  const hi = Math.floor(abs / 0x1_0000_0000);
  return hi > 0 ? [lo, hi] : [lo];
}

/** An MT19937 state: the 624 words and the index of the next word to read (624: the next read twists first). */
export interface MTState {
  readonly words: Int32Array;
  readonly index: number;
}

/** Python's `random.Random` core generator, seeded like `random.Random(seed)` for an integer seed. */
export class MT19937 {
  /**
   * The 624-word state. Int32Array rather than Uint32Array: stores wrap modulo 2^32 (the C code's `& 0xffffffff`)
   * and every word stays a small integer in V8, which roughly halves the cost of a draw.
   */
  readonly #mt = new Int32Array(N);
  #mti = N + 1;

  /**
   * @param seed an integer with |seed| < 2^53, seeded like Python (abs(seed) split into 32-bit words; 0 → [0]);
   *   or an explicit `init_by_array` key of 32-bit words, used to derive independent streams.
   */
  constructor(seed: number | readonly number[]) {
    if (typeof seed !== 'number') {
      if (seed.length === 0 || !seed.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
        throw new RangeError('Expected `seed` key to be a non-empty array of 32-bit unsigned integers');
      }
      this.#initByArray(seed);
      return;
    }
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Expected \`seed\` to be a safe integer, got \`${String(seed)}\` (${typeof seed})`);
    }
    this.#initByArray(seedKey(seed));
  }

  #initGenrand(s: number): void {
    const mt = this.#mt;
    mt[0] = s;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] as number;
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    this.#mti = N;
  }

  #initByArray(key: readonly number[]): void {
    const mt = this.#mt;
    this.#initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = ((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j] as number) + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = ((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  #twist(): void {
    const mt = this.#mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = ((mt[kk] as number) & UPPER_MASK) | ((mt[kk + 1] as number) & LOWER_MASK);
      mt[kk] = (mt[kk + M] as number) ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; kk < N - 1; kk++) {
      const y = ((mt[kk] as number) & UPPER_MASK) | ((mt[kk + 1] as number) & LOWER_MASK);
      mt[kk] = (mt[kk + (M - N)] as number) ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    const y = ((mt[N - 1] as number) & UPPER_MASK) | ((mt[0] as number) & LOWER_MASK);
    mt[N - 1] = (mt[M - 1] as number) ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.#mti = 0;
  }

  /** A copy of the state (CPython's `getstate()` holds the same words and index). */
  getState(): MTState {
    return { words: this.#mt.slice(), index: this.#mti };
  }

  /** Next tempered output as a signed int32 (same bits as `genrand_uint32`); stays unboxed when inlined. */
  #next32(): number {
    if (this.#mti >= N) this.#twist();
    let y = this.#mt[this.#mti++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    return y ^ (y >>> 18);
  }

  /** Next tempered 32-bit output, as an unsigned integer (CPython `genrand_uint32`). */
  genrandUint32(): number {
    return this.#next32() >>> 0;
  }

  /** `getrandbits(k)` for 0 ≤ k ≤ 32: the top k bits of one output. */
  getrandbits(k: number): number {
    if (k === 0) return 0;
    if (!Number.isInteger(k) || k < 0 || k > 32) {
      throw new RangeError(`Expected \`k\` to be an integer from 0 to 32, got \`${String(k)}\``);
    }
    return this.#next32() >>> (32 - k);
  }

  /** `_randbelow(n)` for 1 ≤ n < 2^31: rejection sampling on `bit_length(n)` bits, like CPython. */
  randbelow(n: number): number {
    // n < 1 would never terminate (CPython loops forever too); n >= 2^31 breaks the int32 arithmetic.
    if (!(n >= 1 && n < 2 ** 31)) throw new RangeError(`Expected \`n\` to be from 1 to 2^31-1, got \`${String(n)}\``);
    const shift = Math.clz32(n);
    let r = this.#next32() >>> shift;
    while (r >= n) r = this.#next32() >>> shift;
    return r;
  }

  /**
   * Writes `count` successive `randbelow(n)` results into `out[0 .. count)`: the same stream, consumed the same way,
   * but without a data-dependent branch or a method call per draw. A report draws ~4·10^7 bootstrap indices, and the
   * rejection branch of a plain loop mispredicts about a third of the time.
   *
   * The inner loop runs over the words left in the state, at most as many as draws are still wanted (a word yields at
   * most one draw), so it needs no end-of-state check per word and never writes past `count`.
   */
  fillRandbelow(n: number, out: Int32Array, count: number = out.length): void {
    if (!Number.isInteger(n) || n < 1 || n >= 2 ** 31) {
      throw new RangeError(`Expected \`n\` to be an integer from 1 to 2^31-1, got \`${String(n)}\``);
    }
    if (!Number.isInteger(count) || count < 0 || count > out.length) {
      throw new RangeError(`Expected \`count\` to be an integer from 0 to ${out.length}, got \`${String(count)}\``);
    }
    const shift = Math.clz32(n);
    const mt = this.#mt;
    let mti = this.#mti;
    let i = 0;
    while (i < count) {
      if (mti >= N) {
        this.#twist();
        mti = 0;
      }
      const stop = Math.min(N, mti + (count - i));
      for (; mti < stop; mti++) {
        let y = mt[mti] as number;
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        const r = (y ^ (y >>> 18)) >>> shift;
        out[i] = r;
        // Advance only when r < n: (r - n) is negative exactly then, since both are below 2^31.
        i += (r - n) >>> 31;
      }
    }
    this.#mti = mti;
  }

  /** `random()`: a float in [0, 1) with 53 random bits, built from two outputs exactly as CPython does. */
  random(): number {
    const a = this.genrandUint32() >>> 5;
    const b = this.genrandUint32() >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /**
   * Indices that `random.Random(seed).sample(range(n), k)` returns, in sample order.
   * Uses CPython's pool method for small n and its set method otherwise, since they consume the stream differently.
   */
  sample(n: number, k: number): number[] {
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 31) {
      throw new RangeError(`Expected \`n\` to be an integer from 0 to 2^31-1, got \`${String(n)}\``);
    }
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new RangeError(`Expected \`k\` to be an integer from 0 to ${n}, got \`${String(k)}\``);
    }
    const result = new Array<number>(k);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setsize) {
      const pool = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j] as number;
        pool[j] = pool[n - i - 1] as number;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = j;
      }
    }
    return result;
  }
}

/**
 * Example indices the reference evaluates for `--examples limit` over `n` examples: `Random(0).sample` order when
 * `limit < n`, otherwise all indices in file order.
 */
export function selectExampleIndices(n: number, limit: number | undefined): number[] {
  if (limit !== undefined && limit < n) return new MT19937(0).sample(n, limit);
  return Array.from({ length: n }, (_, i) => i);
}
