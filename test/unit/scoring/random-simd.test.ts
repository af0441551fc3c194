import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GENERATED_FILE, wasmSource } from '../../../src/build/assemble-wasm.js';
import { MT19937, metricStats, type MTState } from '../../../src/scoring/index.js';
import { randbelowDraws, simdDrawsAvailable, useSimdDraws } from '../../../src/scoring/random-simd.js';

const ROOT = new URL('../../..', import.meta.url).pathname;

/** Bounds around the powers of two (where the shift changes) and at the ends of the range. */
const BOUNDS = [1, 2, 3, 7, 8, 9, 100, 127, 128, 129, 4999, 5000, 5001, 65535, 65536, 2 ** 20 + 1, 2 ** 31 - 1];
/** Counts that end mid-group, mid-state, on a 624-word boundary, and span several twists. */
const COUNTS = [0, 1, 3, 4, 5, 623, 624, 625, 5000, 2, 0, 7, 1247, 6, 1249, 8, 3];

/** Draws compared by their bytes; a mismatch names the first draw that differs (a diff of 10^5 numbers takes minutes). */
function expectSameDraws(actual: Int32Array, expected: Int32Array, what = ''): void {
  expect(actual.length, what).toBe(expected.length);
  const first = actual.findIndex((x, i) => x !== expected[i]);
  if (first >= 0) expect(actual[first], `${what}: draw ${first} of ${expected.length}`).toBe(expected[first]);
}

function expectSameState(actual: MTState, expected: MTState): void {
  expect(actual.index).toBe(expected.index);
  expect(Buffer.from(actual.words.buffer).equals(Buffer.from(expected.words.buffer))).toBe(true);
}

/** Bytes of a float array, so that equality means the same bits (0 and -0, NaN payloads). */
function bits(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

afterEach(() => useSimdDraws(true));

describe('the generated kernel (src/scoring/generated/, `npm run wasm`)', () => {
  it('is up to date with src/scoring/mt19937.wat (else: run `npm run wasm`)', async () => {
    const file = join(ROOT, GENERATED_FILE);
    expect(readFileSync(file, 'utf8'), `${file} is stale: run \`npm run wasm\``).toBe(await wasmSource(ROOT));
  });

  it('runs on this Node (WebAssembly with SIMD128), so the tests below exercise it', () => {
    expect(simdDrawsAvailable()).toBe(true);
    expect(randbelowDraws(new MT19937(1)).simd).toBe(true);
  });
});

describe('randbelowDraws', () => {
  it('gives the draws of MT19937.fillRandbelow and leaves the same state, for every bound, seed and count', () => {
    for (const n of BOUNDS) {
      for (const seed of [0, 42, 12345678901234]) {
        const reference = new MT19937(seed);
        const draws = randbelowDraws(new MT19937(seed));
        for (const count of COUNTS) {
          const expected = new Int32Array(count);
          reference.fillRandbelow(n, expected, count);
          expectSameDraws(draws.draw(n, count), expected, `n=${n} seed=${seed} count=${count}`);
          expectSameState(draws.getState(), reference.getState());
        }
      }
    }
  });

  it('changes bound from one batch to the next on the same stream', () => {
    const reference = new MT19937(9);
    const draws = randbelowDraws(new MT19937(9));
    for (let i = 0; i < 200; i++) {
      const n = BOUNDS[i % BOUNDS.length] as number;
      const count = COUNTS[(i * 7) % COUNTS.length] as number;
      const expected = new Int32Array(count);
      reference.fillRandbelow(n, expected, count);
      expectSameDraws(draws.draw(n, count), expected);
    }
    expectSameState(draws.getState(), reference.getState());
  });

  it('goes on from a generator already drawn from, at a position that is not a multiple of four', () => {
    for (const used of [1, 2, 3, 621, 622, 623, 624]) {
      const reference = new MT19937(3);
      for (let i = 0; i < used; i++) reference.genrandUint32();
      const draws = randbelowDraws(reference);
      expectSameState(draws.getState(), reference.getState());
      for (const count of [5, 1, 4, 700]) {
        const expected = new Int32Array(count);
        reference.fillRandbelow(5000, expected, count);
        expectSameDraws(draws.draw(5000, count), expected);
        expectSameState(draws.getState(), reference.getState());
      }
    }
  });

  it('keeps interleaved streams apart (the kernel holds one state at a time)', () => {
    const refs = [new MT19937(1), new MT19937(2), new MT19937(3)];
    const streams = [new MT19937(1), new MT19937(2), new MT19937(3)].map((rng) => randbelowDraws(rng));
    for (let i = 0; i < 30; i++) {
      const k = (i * 5) % 3;
      const count = 100 + 37 * i;
      const expected = new Int32Array(count);
      refs[k]?.fillRandbelow(700, expected, count);
      expectSameDraws(streams[k]?.draw(700, count) as Int32Array, expected);
    }
    for (let k = 0; k < 3; k++) expectSameState(streams[k]?.getState() as MTState, refs[k]?.getState() as MTState);
  });

  it('grows its memory for a batch larger than the first page and goes on exactly', () => {
    const reference = new MT19937(77);
    const draws = randbelowDraws(new MT19937(77));
    for (const count of [10, 200_000, 10, 70_001]) {
      const expected = new Int32Array(count);
      reference.fillRandbelow(2 ** 20 + 1, expected, count);
      expectSameDraws(draws.draw(2 ** 20 + 1, count), expected);
    }
    expectSameState(draws.getState(), reference.getState());
  });

  it('leaves the stream where n draws per resample leave it after resampleMeans, between other streams too', () => {
    const reference = new MT19937(31);
    const draws = randbelowDraws(new MT19937(31));
    const other = randbelowDraws(new MT19937(32));
    for (const n of [5, 1013, 129, 20_000, 7]) {
      other.draw(1000, 300);
      const values = Float64Array.from({ length: n }, (_, i) => i / n);
      const means = draws.resampleMeans(values, 9, false);
      expect(means?.length).toBe(9);
      const expected = new Int32Array(9 * n);
      reference.fillRandbelow(n, expected);
      expectSameState(draws.getState(), reference.getState());
    }
  });

  it('falls back to the MT19937 itself when the kernel is turned off, with the same draws', () => {
    useSimdDraws(false);
    const rng = new MT19937(5);
    const draws = randbelowDraws(rng);
    expect(draws.simd).toBe(false);
    const reference = new MT19937(5);
    const expected = new Int32Array(625);
    reference.fillRandbelow(129, expected);
    expectSameDraws(draws.draw(129, 625), expected);
    expectSameState(rng.getState(), reference.getState());
  });

  it('rejects bounds that would never terminate or overflow, and bad counts', () => {
    const draws = randbelowDraws(new MT19937(0));
    expect(() => draws.draw(0, 1)).toThrow(RangeError);
    expect(() => draws.draw(2 ** 31, 1)).toThrow(RangeError);
    expect(() => draws.draw(10, -1)).toThrow(RangeError);
    expect(() => draws.draw(10, 1.5)).toThrow(RangeError);
  });
});

describe('metricStats on the kernel and on the fallback', () => {
  it('gives the same bits for every figure', () => {
    for (const n of [1, 2, 3, 9, 129, 700, 5001]) {
      const values = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 997 - 0.05);
      for (const clip of [true, false]) {
        useSimdDraws(true);
        const simd = metricStats(values, `m${n}`, clip, { seed: 42, bootstrapSamples: 300 });
        useSimdDraws(false);
        const scalar = metricStats(values, `m${n}`, clip, { seed: 42, bootstrapSamples: 300 });
        expect(bits(simd.bootstrapMeans).equals(bits(scalar.bootstrapMeans))).toBe(true);
        expect(Object.is(simd.bootstrapStd, scalar.bootstrapStd)).toBe(true);
        expect(Object.is(simd.mean, scalar.mean)).toBe(true);
      }
    }
  });

  it('gives the same bootstrap means, bit for bit, for lengths around the block and split sizes and awkward values', () => {
    const lengths = [...Array.from({ length: 20 }, (_, i) => i + 1), 127, 128, 129, 255, 256, 257, 1000, 1013, 4177];
    lengths.push(5000, 5001, 65537);
    const rng = new MT19937(2024);
    /** Value sets where the order of the additions shows in the last bits. */
    const sets: Record<string, (i: number) => number> = {
      'random doubles, negatives too': () => (rng.random() - 0.3) * 10 ** Math.floor(rng.random() * 6 - 3),
      '0.1 / 0.2 / 0.3 mixes': (i) => [0.1, 0.2, 0.3, 0.7, -0.1][(i * 7 + (i >> 3)) % 5] as number,
      '1e16 with small ones': (i) => (i % 97 === 3 ? 1e16 : i % 5 === 0 ? -1e16 / 3 : 1 + i / 7),
      'scores in [0, 1]': () => Math.round(rng.random() * 40) / 40,
    };
    for (const n of lengths) {
      const samples = n > 10_000 ? 12 : n > 1000 ? 60 : 200;
      for (const [label, value] of Object.entries(sets)) {
        const values = Float64Array.from({ length: n }, (_, i) => value(i));
        for (const clip of [true, false]) {
          const what = `n=${n} ${label} clip=${String(clip)}`;
          useSimdDraws(true);
          const simd = metricStats(values, `s${n}`, clip, { seed: n, bootstrapSamples: samples }).bootstrapMeans;
          useSimdDraws(false);
          const scalar = metricStats(values, `s${n}`, clip, { seed: n, bootstrapSamples: samples }).bootstrapMeans;
          expect(simd.length, what).toBe(samples);
          const first = simd.findIndex((m, b) => !Object.is(m, scalar[b]));
          if (first >= 0) expect(simd[first], `${what}: mean ${first}`).toBe(scalar[first]);
        }
      }
    }
  });

  it('falls back silently where there is no WebAssembly at all (node --jitless, on the build in dist/)', () => {
    const values = Array.from({ length: 333 }, (_, i) => ((i * 37) % 101) / 100);
    const script = `
      import { metricStats } from './dist/scoring/index.js';
      import { simdDrawsAvailable } from './dist/scoring/random-simd.js';
      const stats = metricStats(Float64Array.from(${JSON.stringify(values)}), 'overall_score', true, { seed: 7 });
      console.log(JSON.stringify({ simd: simdDrawsAvailable(), means: Buffer.from(stats.bootstrapMeans.buffer).toString('base64') }));`;
    const out = execFileSync(process.execPath, ['--jitless', '--no-warnings', '--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = JSON.parse(out.toString()) as { simd: boolean; means: string };
    expect(child.simd).toBe(false);
    const here = metricStats(Float64Array.from(values), 'overall_score', true, { seed: 7 });
    expect(child.means).toBe(bits(here.bootstrapMeans).toString('base64'));
  });
});
