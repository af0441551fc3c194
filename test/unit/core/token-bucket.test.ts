import { describe, expect, test } from 'vitest';
import { TokenBucket } from '../../../src/core/token-bucket.js';

describe('TokenBucket', () => {
  test('refills continuously at its rate, never above capacity', () => {
    const b = new TokenBucket(0.01, 10, 0);
    expect(b.level(0)).toBe(10);
    b.take(10, 0);
    expect(b.level(50)).toBeCloseTo(0.5);
    expect(b.level(100_000)).toBe(10);
  });

  test('waitMs is the time until the amount is there; an amount above capacity waits only for a full bucket', () => {
    const b = new TokenBucket(0.01, 10, 0, 0);
    expect(b.waitMs(1, 0)).toBe(100);
    expect(b.waitMs(1, 100)).toBe(0);
    expect(b.waitMs(50, 100)).toBe(900);
  });

  test('a shortfall of rounding error is no shortfall', () => {
    const b = new TokenBucket(0.1 / 3, 10, 0, 0);
    for (let t = 1; t <= 30; t += 1) b.level(t);
    expect(b.waitMs(1, 30)).toBe(0);
  });

  test('give corrects an estimate (capped), drainTo empties, reconfigure keeps the level', () => {
    const b = new TokenBucket(1, 100, 0);
    b.take(80, 0);
    b.give(50, 0);
    expect(b.level(0)).toBe(70);
    b.give(-90, 0);
    expect(b.level(0)).toBe(-20);
    b.drainTo(-50, 0);
    expect(b.level(0)).toBe(-50);
    b.reconfigure(0.5, 10, 0);
    expect(b.level(20)).toBe(-40);
    expect(b.msUntilFull(20)).toBe(100);
    expect(() => new TokenBucket(0, 1, 0)).toThrow(TypeError);
  });
});
