/**
 * The rate gate under vitest's fake clock: every time below is simulated, so the pacing is checked exactly and
 * nothing depends on how fast the machine is.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { isQuotaExhausted, parseRetryAfter, RateGate } from '../../../src/providers/rate-gate.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `n` acquisitions; returns the simulated times (ms from now) at which each was let through. */
function acquireAll(gate: RateGate, n: number, inputTokens = 0): number[] {
  const t0 = Date.now();
  const times: number[] = [];
  for (let i = 0; i < n; i += 1) {
    void gate.acquire(inputTokens).then(() => {
      times.push(Date.now() - t0);
      gate.release();
    });
  }
  return times;
}

const headers = (init: Record<string, string>): Headers => new Headers(init);

describe('RateGate: concurrency', () => {
  test('rejects a maxInFlight below 1 or not an integer, and a burst that is not positive', () => {
    expect(() => new RateGate({ rpm: null, tpm: null, maxInFlight: 0 })).toThrow(TypeError);
    expect(() => new RateGate({ rpm: null, tpm: null, maxInFlight: 1.5 })).toThrow(/maxInFlight/);
    expect(() => new RateGate({ rpm: 60, tpm: null, maxInFlight: 1, burstS: 0 })).toThrow(/burstS/);
  });

  test('acquire waits while maxInFlight calls are in flight; release lets the next one in, in arrival order', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 1 });
    await gate.acquire(0);
    const order: string[] = [];
    const b = gate.acquire(0).then(() => order.push('b'));
    const c = gate.acquire(0).then(() => order.push('c'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(order).toEqual([]);
    gate.release();
    await b;
    expect(order).toEqual(['b']);
    gate.release();
    await c;
    expect(order).toEqual(['b', 'c']);
    expect(gate.stats().peakInFlight).toBe(1);
  });

  test('aborting a queued acquire rejects it and does not swallow the next free slot', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 1 });
    await gate.acquire(0);
    const ac = new AbortController();
    const aborted = gate.acquire(0, ac.signal);
    let otherIn = false;
    const other = gate.acquire(0).then(() => (otherIn = true));
    ac.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    gate.release();
    await other;
    expect(otherIn).toBe(true);
    expect(gate.inFlight).toBe(1);
    await expect(gate.acquire(0, AbortSignal.abort(new Error('stop')))).rejects.toThrow('stop');
  });
});

describe('RateGate: token buckets', () => {
  test('--rpm 600: a burst of one second of budget, then one call every 100 ms, evenly spaced', async () => {
    const gate = new RateGate({ rpm: 600, tpm: null, maxInFlight: 64 });
    const times = acquireAll(gate, 15);
    await vi.advanceTimersByTimeAsync(2000);
    expect(times).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 200, 300, 400, 500]);
    expect(gate.stats().pace.requestsPerMinute).toEqual({ perMinute: 600, source: 'flag' });
  });

  test('--burst 0.5 halves the burst; the pace stays the same', async () => {
    const gate = new RateGate({ rpm: 600, tpm: null, maxInFlight: 64, burstS: 0.5 });
    const times = acquireAll(gate, 7);
    await vi.advanceTimersByTimeAsync(2000);
    expect(times).toEqual([0, 0, 0, 0, 0, 100, 200]);
  });

  test('--tpm holds a call until the bucket has its estimated tokens; a call larger than the bucket still goes, alone', async () => {
    // 6000 per minute = 100 per second, burst 100.
    const gate = new RateGate({ rpm: null, tpm: 6000, maxInFlight: 64 });
    const times = acquireAll(gate, 3, 60);
    await vi.advanceTimersByTimeAsync(2000);
    // 60 at 0 leaves 40; the next 60 need 20 more (200 ms), the third 60 more after it (600 ms).
    expect(times).toEqual([0, 200, 800]);
    // Full again after an idle second: a call of 50 buckets' worth goes rather than waiting forever.
    await vi.advanceTimersByTimeAsync(1000);
    const big = acquireAll(gate, 1, 5000);
    await vi.advanceTimersByTimeAsync(0);
    expect(big).toEqual([0]);
  });

  test('reported usage corrects the estimate: tokens charged too many come back at once', async () => {
    const gate = new RateGate({ rpm: null, tpm: 6000, maxInFlight: 64 });
    await gate.acquire(100);
    gate.release();
    gate.onSuccess(undefined, { inputTokens: 100, outputTokens: 0 }, { inputTokens: 10, outputTokens: 5 });
    const times = acquireAll(gate, 1, 90);
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([0]);
  });

  test('--otpm charges the running mean of reported output tokens, capped by max_tokens', () => {
    const gate = new RateGate({ rpm: null, tpm: null, otpm: 60_000, maxInFlight: 4 });
    expect(gate.pacesOutput).toBe(true);
    expect(gate.estimateOutput(null)).toBe(256);
    expect(gate.estimateOutput(100)).toBe(100);
    gate.onSuccess(undefined, { inputTokens: 0, outputTokens: 256 }, { inputTokens: 10, outputTokens: 40 });
    expect(gate.estimateOutput(null)).toBe(40);
  });
});

describe('RateGate: limits learned from the headers', () => {
  test('OpenAI x-ratelimit-limit-* set the request and token pace when no flag did', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 64 });
    gate.onSuccess(
      headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-limit-tokens': '90000' }),
    );
    const pace = gate.stats().pace;
    expect(pace.requestsPerMinute).toEqual({ perMinute: 600, source: 'headers' });
    expect(pace.inputTokensPerMinute).toEqual({ perMinute: 90000, source: 'headers' });
    // The bucket starts from what the server said was left: 3, then one per 100 ms.
    const times = acquireAll(gate, 5);
    await vi.advanceTimersByTimeAsync(1000);
    expect(times).toEqual([0, 0, 0, 100, 200]);
  });

  test('Anthropic anthropic-ratelimit-*-limit set requests, input and output tokens; a flag wins over a header', () => {
    const gate = new RateGate({ rpm: 50, tpm: null, maxInFlight: 64 });
    gate.onAnswered(
      headers({
        'anthropic-ratelimit-requests-limit': '4000',
        'anthropic-ratelimit-input-tokens-limit': '400000',
        'anthropic-ratelimit-output-tokens-limit': '80000',
      }),
    );
    const pace = gate.stats().pace;
    expect(pace.requestsPerMinute).toEqual({ perMinute: 50, source: 'flag' });
    expect(pace.inputTokensPerMinute).toEqual({ perMinute: 400000, source: 'headers' });
    expect(pace.outputTokensPerMinute).toEqual({ perMinute: 80000, source: 'headers' });
  });
});

describe('RateGate: 429s', () => {
  test('after a 429 the queue waits for retry-after, then lets waiters go one at a time (no herd)', async () => {
    const gate = new RateGate({ rpm: 600, tpm: null, maxInFlight: 64 });
    const first = acquireAll(gate, 10);
    await vi.advanceTimersByTimeAsync(0);
    expect(first).toHaveLength(10);
    gate.onRateLimited(500, gate.epoch, headers({ 'x-ratelimit-remaining-requests': '0' }));
    const times = acquireAll(gate, 8);
    await vi.advanceTimersByTimeAsync(499);
    expect(times).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    // Our bucket was emptied with the server's; 500 ms refilled 5 of 10, then one per 100 ms.
    expect(times).toEqual([500, 500, 500, 500, 500, 600, 700, 800]);
    expect(gate.stats().rateLimited).toBe(1);
    expect(gate.stats().quotaWaitMs).toBe(800);
  });

  test('with a known limit, one 429 only re-aligns; a second soon after lowers the pace, and successes raise it back', () => {
    const gate = new RateGate({ rpm: 600, tpm: null, maxInFlight: 64 });
    gate.onRateLimited(0, gate.epoch);
    expect(gate.stats().pace).toMatchObject({ rateFactor: 1, rateCuts: 0 });
    // Calls that left before that 429 say nothing new.
    gate.onRateLimited(0, gate.epoch - 1);
    expect(gate.stats().pace.rateCuts).toBe(0);
    vi.advanceTimersByTime(1000);
    gate.onRateLimited(0, gate.epoch);
    expect(gate.stats().pace).toMatchObject({ rateFactor: 0.75, lowestRateFactor: 0.75, rateCuts: 1 });
    for (let i = 0; i < 1000; i += 1) gate.onSuccess();
    expect(gate.stats().pace).toMatchObject({ rateFactor: 1, lowestRateFactor: 0.75 });
  });

  test('the first 429s of a burst sent before the limit was known teach the limit and cut nothing', () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 32 });
    const started = gate.epoch;
    const h = headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0' });
    for (let i = 0; i < 20; i += 1) gate.onRateLimited(100, started, h);
    expect(gate.stats()).toMatchObject({
      rateLimited: 20,
      currentLimit: 32,
      pace: { rateCuts: 0, requestsPerMinute: { perMinute: 600, source: 'headers' } },
    });
  });

  test('without any known limit a 429 halves the calls in flight (once per congestion event), successes add them back', () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 8 });
    const started = gate.epoch;
    for (let i = 0; i < 5; i += 1) gate.onRateLimited(0, started);
    expect(gate.stats().currentLimit).toBe(4);
    gate.onRateLimited(0, gate.epoch);
    expect(gate.stats().currentLimit).toBe(2);
    const limits: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      gate.onSuccess();
      limits.push(gate.stats().currentLimit);
    }
    expect(limits).toEqual([2, 2, 3, 3, 3, 4]);
  });

  test('without a known limit, a 429 saying a quota is used up pauses without narrowing', () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 16 });
    gate.onRateLimited(0, gate.epoch, headers({ 'x-ratelimit-remaining-requests': '0' }));
    expect(gate.stats()).toMatchObject({ rateLimited: 1, currentLimit: 16 });
  });
});

describe('RateGate: recent pace', () => {
  test('answered calls per second and tokens per minute over the last 10 s', () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4 });
    vi.advanceTimersByTime(20_000);
    for (let i = 0; i < 50; i += 1) {
      gate.onSuccess(undefined, { inputTokens: 0, outputTokens: 0 }, { inputTokens: 100, outputTokens: 20 });
      vi.advanceTimersByTime(100);
    }
    expect(gate.stats().recent).toEqual({ requestsPerS: 5, tokensPerMin: 36_000 });
    vi.advanceTimersByTime(20_000);
    expect(gate.stats().recent).toEqual({ requestsPerS: 0, tokensPerMin: 0 });
  });
});

describe('quota headers', () => {
  test.each([
    ['retry-after-ms', { 'retry-after-ms': '1500' }, 1500],
    ['retry-after in seconds', { 'retry-after': '2' }, 2000],
    ['retry-after with fractional seconds', { 'retry-after': '0.5' }, 500],
    ['a negative value is clamped to 0', { 'retry-after': '-3' }, 0],
    ['retry-after-ms wins over retry-after', { 'retry-after-ms': '250', 'retry-after': '30' }, 250],
    ['an unparsable retry-after-ms falls back to retry-after', { 'retry-after-ms': 'soon', 'retry-after': '1' }, 1000],
    ['a date in the past is 0', { 'retry-after': new Date(500_000).toUTCString() }, 0],
    ['an HTTP date in the future is the time until then', { 'retry-after': new Date(1_005_000).toUTCString() }, 5000],
    ['no header', {}, null],
  ])('parseRetryAfter: %s', (_name, init, expected) => {
    expect(parseRetryAfter(headers(init as Record<string, string>))).toBe(expected);
  });

  test('isQuotaExhausted reads OpenAI and Anthropic remaining-quota headers', () => {
    expect(isQuotaExhausted(headers({ 'x-ratelimit-remaining-tokens': '0' }))).toBe(true);
    expect(isQuotaExhausted(headers({ 'anthropic-ratelimit-requests-remaining': '0' }))).toBe(true);
    expect(isQuotaExhausted(headers({ 'x-ratelimit-remaining-requests': '12' }))).toBe(false);
    expect(isQuotaExhausted(headers({}))).toBe(false);
  });
});
