import { describe, expect, test } from 'vitest';
import { RateGate, gatedFetch, parseRetryAfter } from '../../../src/providers/rate-gate.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to true as soon as `p` settles, or to false if it has not settled after `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = p.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('RateGate: concurrency', () => {
  test('rejects a maxInFlight below 1 or not an integer', () => {
    expect(() => new RateGate({ rpm: null, tpm: null, maxInFlight: 0 })).toThrow(TypeError);
    expect(() => new RateGate({ rpm: null, tpm: null, maxInFlight: 1.5 })).toThrow(/maxInFlight/);
  });

  test('acquire waits while maxInFlight calls are in flight, release lets the next one in', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 2 });
    await gate.acquire(0);
    await gate.acquire(0);
    expect(gate.inFlight).toBe(2);
    const third = gate.acquire(0);
    expect(await settlesWithin(third, 20)).toBe(false);
    gate.release();
    await third;
    expect(gate.inFlight).toBe(2);
    expect(gate.stats().peakInFlight).toBe(2);
  });

  test('waiters are let in one per release, in arrival order', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 1 });
    await gate.acquire(0);
    const order: string[] = [];
    const b = gate.acquire(0).then(() => order.push('b'));
    const c = gate.acquire(0).then(() => order.push('c'));
    await delay(5);
    gate.release();
    await b;
    expect(order).toEqual(['b']);
    expect(gate.inFlight).toBe(1);
    gate.release();
    await c;
    expect(order).toEqual(['b', 'c']);
  });

  test('an already aborted signal rejects at once', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 1 });
    await expect(gate.acquire(0, AbortSignal.abort(new Error('stop')))).rejects.toThrow('stop');
    expect(gate.inFlight).toBe(0);
  });

  test('aborting a queued acquire rejects it promptly and does not swallow the next free slot', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 1 });
    await gate.acquire(0);
    const ac = new AbortController();
    const aborted = gate.acquire(0, ac.signal);
    const other = gate.acquire(0);
    await delay(5);
    ac.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    gate.release();
    expect(await settlesWithin(other, 1000)).toBe(true);
    expect(gate.inFlight).toBe(1);
  });
});

describe('RateGate: 429 handling (AIMD)', () => {
  test('onRateLimited pauses new acquisitions for the retry-after time', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4 });
    gate.onRateLimited(80);
    const t0 = Date.now();
    await gate.acquire(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    const stats = gate.stats();
    expect(stats.rateLimited).toBe(1);
    expect(stats.pausedMs).toBeGreaterThanOrEqual(75);
    expect(stats.pausedMs).toBeLessThanOrEqual(80);
  });

  test('without retry-after the default pause applies', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4, defaultPauseMs: 60 });
    gate.onRateLimited(null);
    const t0 = Date.now();
    await gate.acquire(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });

  test('overlapping pauses keep the later end and count paused time once', () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4 });
    gate.onRateLimited(1000);
    gate.onRateLimited(500);
    const { pausedMs, rateLimited } = gate.stats();
    expect(rateLimited).toBe(2);
    expect(pausedMs).toBeGreaterThanOrEqual(990);
    expect(pausedMs).toBeLessThanOrEqual(1000);
  });

  test('each 429 halves the allowed concurrency, down to 1', () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 8 });
    const limits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      gate.onRateLimited(0);
      limits.push(gate.stats().currentLimit);
    }
    expect(limits).toEqual([4, 2, 1, 1, 1]);
  });

  test('the halved limit is enforced on acquire', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4 });
    gate.onRateLimited(0);
    await gate.acquire(0);
    await gate.acquire(0);
    expect(await settlesWithin(gate.acquire(0), 20)).toBe(false);
  });

  test('onSuccess ramps the limit back up additively, never past maxInFlight', () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4 });
    gate.onRateLimited(0);
    expect(gate.stats().currentLimit).toBe(2);
    const limits: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      gate.onSuccess();
      limits.push(gate.stats().currentLimit);
    }
    // From 2: +1/limit per success, so one slot back after ~limit successes.
    expect(limits).toEqual([2, 2, 3, 3, 3, 4, 4, 4, 4, 4]);
  });

  test('a grown limit wakes a waiter without any release', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4 });
    gate.onRateLimited(0);
    await gate.acquire(0);
    await gate.acquire(0);
    const waiting = gate.acquire(0);
    for (let i = 0; i < 3; i += 1) gate.onSuccess();
    expect(await settlesWithin(waiting, 1000)).toBe(true);
    expect(gate.inFlight).toBe(3);
  });
});

describe('RateGate: rpm and tpm windows', () => {
  test('rpm caps the number of starts per window', async () => {
    const gate = new RateGate({ rpm: 2, tpm: null, maxInFlight: 10, windowMs: 100 });
    const starts: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 5; i += 1) {
      await gate.acquire(0);
      starts.push(Date.now() - t0);
      gate.release();
    }
    expect(starts[1]).toBeLessThan(100);
    // Start k (0-based) may only happen once start k-2 has left the window.
    for (let k = 2; k < 5; k += 1) expect((starts[k] ?? 0) - (starts[k - 2] ?? 0)).toBeGreaterThanOrEqual(99);
  });

  test('tpm holds a request whose estimate would overflow the window', async () => {
    const gate = new RateGate({ rpm: null, tpm: 100, maxInFlight: 10, windowMs: 150 });
    const t0 = Date.now();
    await gate.acquire(60);
    await gate.acquire(30);
    expect(Date.now() - t0).toBeLessThan(150);
    await gate.acquire(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(149);
  });

  test('a single request larger than the tpm cap still goes when the window is empty', async () => {
    const gate = new RateGate({ rpm: null, tpm: 100, maxInFlight: 10, windowMs: 10_000 });
    expect(await settlesWithin(gate.acquire(5000), 1000)).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  const h = (init: Record<string, string>): Headers => new Headers(init);

  test.each([
    ['retry-after-ms', { 'retry-after-ms': '1500' }, 1500],
    ['retry-after-ms with a fraction', { 'retry-after-ms': '12.5' }, 12.5],
    ['retry-after in seconds', { 'retry-after': '2' }, 2000],
    ['retry-after with fractional seconds', { 'retry-after': '0.5' }, 500],
    ['retry-after zero', { 'retry-after': '0' }, 0],
    ['a negative value is clamped to 0', { 'retry-after': '-3' }, 0],
    ['retry-after-ms wins over retry-after', { 'retry-after-ms': '250', 'retry-after': '30' }, 250],
    ['an unparsable retry-after-ms falls back to retry-after', { 'retry-after-ms': 'soon', 'retry-after': '1' }, 1000],
    ['a date in the past is 0', { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, 0],
  ])('%s', (_name, headers, expected) => {
    expect(parseRetryAfter(h(headers))).toBe(expected);
  });

  test('an HTTP date in the future is the time until then', () => {
    const at = new Date(Date.now() + 5000).toUTCString();
    const ms = parseRetryAfter(h({ 'retry-after': at }));
    expect(ms).toBeGreaterThan(3000);
    expect(ms).toBeLessThanOrEqual(5000);
  });

  test('no header, or an unparsable one, is null', () => {
    expect(parseRetryAfter(h({}))).toBeNull();
    expect(parseRetryAfter(h({ 'retry-after': 'later please' }))).toBeNull();
  });
});

describe('gatedFetch', () => {
  /** A plain stand-in for fetch that records how many calls overlap. */
  function stubFetch(reply: (n: number) => Response | Promise<Response>, holdMs = 10) {
    const state = { calls: 0, active: 0, peak: 0, startedAt: [] as number[] };
    const fn: typeof fetch = async () => {
      state.calls += 1;
      const n = state.calls;
      state.startedAt.push(Date.now());
      state.active += 1;
      state.peak = Math.max(state.peak, state.active);
      try {
        await delay(holdMs);
        return await reply(n);
      } finally {
        state.active -= 1;
      }
    };
    return { fn, state };
  }

  test('never lets more than maxInFlight calls reach the base fetch', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 3 });
    const { fn, state } = stubFetch(() => new Response('{}', { status: 200 }));
    const f = gatedFetch(gate, fn);
    const responses = await Promise.all(Array.from({ length: 12 }, () => f('http://127.0.0.1/x')));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(state.calls).toBe(12);
    expect(state.peak).toBe(3);
    expect(gate.stats().peakInFlight).toBe(3);
    expect(gate.inFlight).toBe(0);
  });

  test('a 429 with retry-after-ms pauses the calls behind it and halves the limit', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4 });
    const { fn, state } = stubFetch((n) =>
      n === 1 ? new Response('slow down', { status: 429, headers: { 'retry-after-ms': '60' } }) : new Response('{}', { status: 200 }),
    );
    const f = gatedFetch(gate, fn);
    const first = await f('http://127.0.0.1/x');
    expect(first.status).toBe(429);
    const afterFirst = Date.now();
    expect(gate.stats()).toMatchObject({ rateLimited: 1, currentLimit: 2 });
    await Promise.all([f('http://127.0.0.1/x'), f('http://127.0.0.1/x'), f('http://127.0.0.1/x')]);
    expect((state.startedAt[1] ?? 0) - afterFirst).toBeGreaterThanOrEqual(50);
    expect(state.peak).toBe(2);
  });

  test('a call that throws still releases its slot', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 1 });
    const { fn } = stubFetch(() => {
      throw new Error('ECONNRESET');
    }, 0);
    const f = gatedFetch(gate, fn);
    await expect(f('http://127.0.0.1/x')).rejects.toThrow('ECONNRESET');
    await expect(f('http://127.0.0.1/x')).rejects.toThrow('ECONNRESET');
    expect(gate.inFlight).toBe(0);
  });

  test('a 5xx is neither a rate limit nor a success', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 4 });
    gate.onRateLimited(0);
    const { fn } = stubFetch(() => new Response('oops', { status: 500 }), 0);
    const f = gatedFetch(gate, fn);
    for (let i = 0; i < 6; i += 1) await f('http://127.0.0.1/x');
    expect(gate.stats()).toMatchObject({ rateLimited: 1, currentLimit: 2 });
  });

  test('the string body is estimated at 4 characters per token against the tpm cap', async () => {
    const gate = new RateGate({ rpm: null, tpm: 150, maxInFlight: 4, windowMs: 80 });
    const { fn, state } = stubFetch(() => new Response('{}', { status: 200 }), 0);
    const f = gatedFetch(gate, fn);
    const body = 'x'.repeat(400); // 100 estimated tokens
    await f('http://127.0.0.1/x', { method: 'POST', body });
    await f('http://127.0.0.1/x', { method: 'POST', body });
    expect((state.startedAt[1] ?? 0) - (state.startedAt[0] ?? 0)).toBeGreaterThanOrEqual(79);
  });
});
