import { describe, expect, it } from 'vitest';
import { MT19937, selectExampleIndices } from '../../../src/scoring/index.js';

// Expected figures come from CPython 3 `random.Random(seed)` (docs/healthbench.md §9 for the sample vectors).
const PY_SAMPLE_5000 = [
  3155, 3445, 331, 2121, 4188, 3980, 3317, 2484, 3904, 2933, 4779, 1789, 4134, 1140, 2308, 1144, 776, 2052, 4362, 4930,
];
const PY_SAMPLE_1000 = [864, 394, 776, 911, 430, 41, 265, 988, 523, 497, 414, 940, 802, 849, 310, 991, 488, 366, 597, 913];
const PY_SAMPLE_3671 = [
  3458, 1577, 3104, 3646, 1722, 165, 1060, 2094, 1990, 1658, 3210, 3399, 1242, 1952, 1466, 2389, 3652, 894, 2067, 570,
];

describe('MT19937', () => {
  it('produces the same first outputs as random.Random(0)', () => {
    const rng = new MT19937(0);
    expect(rng.getrandbits(32)).toBe(3626764237);
    expect(rng.random()).toBe(0.3852453064766108);
    expect(rng.randbelow(1000)).toBe(911);
  });

  it('seeds integers above 2^32 with two key words, like Python', () => {
    const rng = new MT19937(12345678901234);
    expect(rng.genrandUint32()).toBe(107551873);
    expect(rng.random()).toBe(0.5595850061277069);
  });

  it('seeds a negative integer like its absolute value, like Python', () => {
    expect(new MT19937(-7).sample(100, 10)).toEqual([41, 19, 50, 83, 6, 9, 68, 12, 46, 74]);
    expect(new MT19937(7).sample(100, 10)).toEqual([41, 19, 50, 83, 6, 9, 68, 12, 46, 74]);
  });

  it('accepts an explicit init_by_array key equal to the integer seed it encodes', () => {
    const a = new MT19937([0]);
    const b = new MT19937(0);
    expect([a.genrandUint32(), a.genrandUint32()]).toEqual([b.genrandUint32(), b.genrandUint32()]);
  });

  it.each([
    [5000, PY_SAMPLE_5000],
    [1000, PY_SAMPLE_1000],
    [3671, PY_SAMPLE_3671],
  ])('sample(%i, 20) with seed 0 returns Python random.Random(0).sample indices', (n, expected) => {
    expect(new MT19937(0).sample(n, 20)).toEqual(expected);
  });

  it('uses the set method for large populations, so the k = 10 sample is the prefix of the k = 20 sample', () => {
    for (const n of [5000, 1000, 3671]) {
      expect(new MT19937(0).sample(n, 10)).toEqual(new MT19937(0).sample(n, 20).slice(0, 10));
    }
  });

  it('uses the pool method for small populations, like Python', () => {
    // random.Random(7).sample(range(30), 10): n = 30 <= setsize 85, so the pool method applies.
    expect(new MT19937(7).sample(30, 10)).toEqual([10, 4, 12, 20, 1, 2, 17, 3, 11, 18]);
  });

  it('returns a permutation when k equals n', () => {
    const all = new MT19937(3).sample(50, 50);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('fillRandbelow yields exactly the randbelow stream', () => {
    for (const n of [1, 2, 3, 7, 8, 100, 5000, 2 ** 20 + 1]) {
      const a = new MT19937(11);
      const b = new MT19937(11);
      const out = new Int32Array(2000);
      a.fillRandbelow(n, out);
      const expected = Array.from({ length: 2000 }, () => b.randbelow(n));
      expect(Array.from(out)).toEqual(expected);
      expect(a.genrandUint32()).toBe(b.genrandUint32());
    }
  });

  it('fillRandbelow continues the stream across calls of any length and writes nothing past count', () => {
    const a = new MT19937(5);
    const b = new MT19937(5);
    const out = new Int32Array(1000).fill(-1);
    const expected: number[] = [];
    const got: number[] = [];
    // Counts that end mid-state, exactly on a 624-word boundary, and span several refills.
    for (const count of [1, 623, 0, 624, 625, 999, 3]) {
      out.fill(-1);
      a.fillRandbelow(4177, out, count);
      got.push(...out.subarray(0, count));
      expect(out.subarray(count).every((x) => x === -1)).toBe(true);
      for (let i = 0; i < count; i++) expected.push(b.randbelow(4177));
    }
    expect(got).toEqual(expected);
  });

  it('getState gives a copy of the words and the position of the next word read', () => {
    const rng = new MT19937(0);
    const seeded = rng.getState();
    expect(seeded.index).toBe(624);
    expect(seeded.words[0]).toBe(-0x80000000);
    rng.genrandUint32();
    const after = rng.getState();
    expect(after.index).toBe(1);
    expect(after.words).not.toEqual(seeded.words);
    after.words.fill(0);
    expect(rng.getState().words).not.toEqual(after.words);
  });

  it('rejects bounds that would never terminate or overflow', () => {
    expect(() => new MT19937(0).randbelow(0)).toThrow(RangeError);
    expect(() => new MT19937(0).fillRandbelow(0, new Int32Array(1))).toThrow(RangeError);
    expect(() => new MT19937(0).sample(5, 6)).toThrow(RangeError);
    expect(() => new MT19937(0.5)).toThrow(RangeError);
  });
});

describe('selectExampleIndices', () => {
  it('samples with Random(0) in sample order when the limit is below the count', () => {
    expect(selectExampleIndices(5000, 20)).toEqual(PY_SAMPLE_5000);
  });

  it('keeps every example in file order when there is no limit or the limit is not below the count', () => {
    expect(selectExampleIndices(4, undefined)).toEqual([0, 1, 2, 3]);
    expect(selectExampleIndices(4, 4)).toEqual([0, 1, 2, 3]);
    expect(selectExampleIndices(4, 9)).toEqual([0, 1, 2, 3]);
  });
});
