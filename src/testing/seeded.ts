/**
 * Deterministic hashing and a seeded PRNG for the fake provider. Pure: no Node imports, no global state.
 *
 * Not cryptographic and not the reference-compatible MT19937 in `scoring/random.ts`: the fake only needs cheap,
 * well-spread, reproducible numbers.
 */

/** 32-bit FNV-1a over UTF-16 code units, finished with murmur3's fmix32 so the top bits are well mixed too. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Plain FNV-1a spreads short inputs that differ only at the end poorly over [0, 2^32); fmix32 fixes that.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** `hash32` of the parts joined by NUL, as a fraction in [0, 1). */
export function hashUnit(...parts: Array<string | number>): number {
  return hash32(parts.join('\u0000')) / 0x1_0000_0000;
}

/** Eight lowercase hex digits of `hash32`, used to make fake replies differ per prompt. */
export function shortHash(...parts: Array<string | number>): string {
  return hash32(parts.join('\u0000')).toString(16).padStart(8, '0');
}

/** A stream of floats in [0, 1): mulberry32, seeded with a 32-bit integer. */
export function createRandom(seed: number): () => number {
  let state = hash32(`seed:${seed}`);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
