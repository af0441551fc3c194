/**
 * Bootstrap draws on WebAssembly SIMD: the `randbelow(n)` stream of `MT19937.fillRandbelow`, bit for bit, about four
 * times faster (docs/healthbench.md §8), and the whole bootstrap on the same kernel (draws, numpy's pairwise sum of
 * the drawn values, the mean). The kernel is `mt19937.wat` (generated/mt19937-wasm.ts, `npm run wasm`).
 *
 * Each thread instantiates its own kernel, synchronously, the first time it draws; nothing happens at import. Where
 * WebAssembly or its SIMD is missing, the draws come from `MT19937.fillRandbelow`, with the same results.
 */
import { MT19937_WASM } from './generated/mt19937-wasm.js';
import type { MT19937, MTState } from './random.js';

/** A stream of `randbelow` batches taken over from an {@link MT19937} (see {@link randbelowDraws}). */
export interface RandbelowDraws {
  /**
   * The next `count` draws of `randbelow(n)`, exactly what `MT19937.fillRandbelow(n, out, count)` would write. The
   * array is valid until the next draw of any stream on this thread.
   */
  draw(n: number, count: number): Int32Array;
  /** A copy of the stream's state, as `MT19937.getState` gives it. */
  getState(): MTState;
  /**
   * `count` bootstrap means of `values` (length n >= 1) drawn and summed on the kernel: per resample, the next n draws
   * of `randbelow(n)`, numpy's pairwise sum of the values at them (`pairwiseSumGathered`, the same additions in the
   * same order), divided by n, and clipped to [0, 1] when `clip` is set (x < 0 ? 0 : x > 1 ? 1 : x). The array is
   * valid until the next draw of any stream on this thread. null when the stream is not on the kernel: the caller
   * draws with {@link draw} and sums in JS, which gives the same bits.
   */
  resampleMeans(values: Float64Array, count: number, clip: boolean): Float64Array | null;
  /** Whether the draws run on the WebAssembly kernel (false: on the MT19937 itself). */
  readonly simd: boolean;
}

/** The parts of the WebAssembly JS API used here (lib ES2023, which we compile against, declares none of them). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

/** The kernel's exports (mt19937.wat). */
interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  stateOffset: { value: number };
  outOffset: { value: number };
  fill(n: number, count: number, mti: number): number;
  means(n: number, count: number, mti: number, valuesOffset: number, meansOffset: number, clip: number): number;
}

const N = 624;
const PAGE_BYTES = 65536;

/** One thread's kernel: its exports, and the stream whose state is in its memory now. */
interface Kernel {
  readonly x: KernelExports;
  owner: KernelDraws | null;
  /** The last output view, reused while the memory and the count stay the same. */
  batch: Int32Array;
}

/** undefined: not tried yet on this thread; null: not available here. */
let kernel: Kernel | null | undefined;
let useKernel = true;

function loadKernel(): Kernel | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  try {
    const x = new api.Instance(new api.Module(MT19937_WASM), {}).exports as KernelExports;
    return { x, owner: null, batch: new Int32Array(0) };
  } catch {
    // A runtime without SIMD128 rejects the module; MT19937.fillRandbelow gives the same draws.
    return null;
  }
}

function currentKernel(): Kernel | null {
  if (kernel === undefined) kernel = loadKernel();
  return useKernel ? kernel : null;
}

/** Whether draws run on the WebAssembly kernel on this thread (instantiates it on the first call). */
export function simdDrawsAvailable(): boolean {
  return currentKernel() !== null;
}

/**
 * Whether later {@link randbelowDraws} streams may use the kernel (default true). Tests set false to check the
 * fallback gives the same figures; streams already made keep their kind.
 */
export function useSimdDraws(on: boolean): void {
  useKernel = on;
}

function checkArgs(n: number, count: number): void {
  if (!Number.isInteger(n) || n < 1 || n >= 2 ** 31) {
    throw new RangeError(`Expected \`n\` to be an integer from 1 to 2^31-1, got \`${String(n)}\``);
  }
  if (!Number.isInteger(count) || count < 0 || count >= 2 ** 31) {
    throw new RangeError(`Expected \`count\` to be an integer from 0 to 2^31-1, got \`${String(count)}\``);
  }
}

/**
 * A stream on the kernel. The kernel's memory holds one state at a time: a stream that draws while another's is
 * there saves that one into its owner's `#words` and loads its own.
 */
class KernelDraws implements RandbelowDraws {
  readonly simd = true;
  readonly #kernel: Kernel;
  /** The state while another stream's is in the kernel. */
  readonly #words: Int32Array;
  #mti: number;

  constructor(k: Kernel, state: MTState) {
    this.#kernel = k;
    this.#words = state.words.slice();
    this.#mti = state.index;
  }

  #stateView(): Int32Array {
    const { x } = this.#kernel;
    return new Int32Array(x.memory.buffer, x.stateOffset.value, N);
  }

  /** Makes the memory at least `end` bytes (it only grows, to the largest batch on this thread) and loads our state. */
  #acquire(end: number): KernelExports {
    const k = this.#kernel;
    const size = k.x.memory.buffer.byteLength;
    if (end > size) k.x.memory.grow(Math.ceil((end - size) / PAGE_BYTES));
    if (k.owner !== this) {
      const state = this.#stateView();
      if (k.owner !== null) k.owner.#words.set(state);
      state.set(this.#words);
      k.owner = this;
    }
    return k.x;
  }

  draw(n: number, count: number): Int32Array {
    checkArgs(n, count);
    const k = this.#kernel;
    const x = this.#acquire(k.x.outOffset.value + 4 * count);
    this.#mti = x.fill(n, count, this.#mti);
    if (k.batch.buffer !== x.memory.buffer || k.batch.length !== count) {
      k.batch = new Int32Array(x.memory.buffer, x.outOffset.value, count);
    }
    return k.batch;
  }

  resampleMeans(values: Float64Array, count: number, clip: boolean): Float64Array {
    const n = values.length;
    checkArgs(n, n);
    checkArgs(n, count);
    // After the draws: the values, then the means, each 8-byte aligned.
    const valuesOffset = Math.ceil((this.#kernel.x.outOffset.value + 4 * n) / 8) * 8;
    const meansOffset = valuesOffset + 8 * n;
    const x = this.#acquire(meansOffset + 8 * count);
    new Float64Array(x.memory.buffer, valuesOffset, n).set(values);
    this.#mti = x.means(n, count, this.#mti, valuesOffset, meansOffset, clip ? 1 : 0);
    return new Float64Array(x.memory.buffer, meansOffset, count);
  }

  getState(): MTState {
    return { words: this.#kernel.owner === this ? this.#stateView().slice() : this.#words.slice(), index: this.#mti };
  }
}

/** The fallback: the MT19937 itself, into a reused buffer. */
class ScalarDraws implements RandbelowDraws {
  readonly simd = false;
  readonly #rng: MT19937;
  #buffer = new Int32Array(0);

  constructor(rng: MT19937) {
    this.#rng = rng;
  }

  draw(n: number, count: number): Int32Array {
    checkArgs(n, count);
    if (this.#buffer.length !== count) this.#buffer = new Int32Array(count);
    this.#rng.fillRandbelow(n, this.#buffer, count);
    return this.#buffer;
  }

  getState(): MTState {
    return this.#rng.getState();
  }

  resampleMeans(): null {
    return null;
  }
}

/**
 * Takes over `rng`'s stream for batches of `randbelow` draws. On the kernel the stream goes on from a copy of `rng`'s
 * state and `rng` stays where it was, so once this is called, draw only through the result.
 */
export function randbelowDraws(rng: MT19937): RandbelowDraws {
  const k = currentKernel();
  return k === null ? new ScalarDraws(rng) : new KernelDraws(k, rng.getState());
}
