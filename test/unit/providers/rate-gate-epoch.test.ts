import { describe, expect, test } from 'vitest';
import { gatedFetch, isQuotaExhausted, RateGate } from '../../../src/providers/rate-gate.js';

describe('RateGate – one cut per congestion event', () => {
  test('429s of calls that started before the last cut do not cut again', () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 64 });
    const started = gate.epoch;
    for (let i = 0; i < 10; i += 1) gate.onRateLimited(0, started);
    expect(gate.stats()).toMatchObject({ currentLimit: 32, rateLimited: 10 });
    // A call sent after the cut that is still refused is news: the limit is cut again.
    gate.onRateLimited(0, gate.epoch);
    expect(gate.stats().currentLimit).toBe(16);
  });

  test('through gatedFetch, a burst of concurrent 429s halves the limit once', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 16 });
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const base = (async () => {
      await held;
      return new Response('{}', { status: 429, headers: { 'retry-after-ms': '0' } });
    }) as typeof fetch;
    const f = gatedFetch(gate, base);
    const calls = Array.from({ length: 8 }, () => f('http://127.0.0.1/x', { method: 'POST', body: '{}' }));
    release();
    await Promise.all(calls);
    expect(gate.stats()).toMatchObject({ rateLimited: 8, currentLimit: 8 });
  });
});

describe('RateGate – a 429 that says a quota is used up', () => {
  test('pauses without narrowing: the rate, not the concurrency, is the cause', async () => {
    const gate = new RateGate({ rpm: null, tpm: null, maxInFlight: 16 });
    const base = (async () =>
      new Response('{}', { status: 429, headers: { 'retry-after-ms': '0', 'x-ratelimit-remaining-requests': '0' } })) as typeof fetch;
    await gatedFetch(gate, base)('http://127.0.0.1/x', { method: 'POST', body: '{}' });
    expect(gate.stats()).toMatchObject({ rateLimited: 1, currentLimit: 16 });
    expect(gate.epoch).toBe(0);
  });

  test('isQuotaExhausted reads OpenAI and Anthropic remaining-quota headers', () => {
    expect(isQuotaExhausted(new Headers({ 'x-ratelimit-remaining-tokens': '0' }))).toBe(true);
    expect(isQuotaExhausted(new Headers({ 'anthropic-ratelimit-requests-remaining': '0' }))).toBe(true);
    expect(isQuotaExhausted(new Headers({ 'x-ratelimit-remaining-requests': '12' }))).toBe(false);
    expect(isQuotaExhausted(new Headers())).toBe(false);
  });
});
