/**
 * Reading the providers' rate-limit headers: `retry-after(-ms)`, the OpenAI `x-ratelimit-*` family and the
 * Anthropic `anthropic-ratelimit-*` family (limit, remaining, reset for requests, input and output tokens).
 */

/** The three quotas a provider endpoint enforces. */
export type QuotaKind = 'requests' | 'inputTokens' | 'outputTokens';
export const QUOTA_KINDS: readonly QuotaKind[] = ['requests', 'inputTokens', 'outputTokens'];

interface QuotaHeaderNames {
  limit: string;
  remaining: string;
  reset: string;
}

/**
 * Header names per quota. OpenAI's `tokens` quota counts input and output together; we pace it as input
 * tokens (the part known before the call), and a 429 lowers the pace if the outputs push it over.
 */
const HEADERS: Record<QuotaKind, QuotaHeaderNames[]> = {
  requests: [
    { limit: 'x-ratelimit-limit-requests', remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
    {
      limit: 'anthropic-ratelimit-requests-limit',
      remaining: 'anthropic-ratelimit-requests-remaining',
      reset: 'anthropic-ratelimit-requests-reset',
    },
  ],
  inputTokens: [
    { limit: 'x-ratelimit-limit-tokens', remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' },
    {
      limit: 'anthropic-ratelimit-input-tokens-limit',
      remaining: 'anthropic-ratelimit-input-tokens-remaining',
      reset: 'anthropic-ratelimit-input-tokens-reset',
    },
  ],
  outputTokens: [
    {
      limit: 'anthropic-ratelimit-output-tokens-limit',
      remaining: 'anthropic-ratelimit-output-tokens-remaining',
      reset: 'anthropic-ratelimit-output-tokens-reset',
    },
  ],
};
// Anthropic's combined token quota: only its remaining/reset are read (a quota used up pauses the calls).
const COMBINED: QuotaHeaderNames = {
  limit: 'anthropic-ratelimit-tokens-limit',
  remaining: 'anthropic-ratelimit-tokens-remaining',
  reset: 'anthropic-ratelimit-tokens-reset',
};
const ALL_NAMES: QuotaHeaderNames[] = [...QUOTA_KINDS.flatMap((k) => HEADERS[k]), COMBINED];

function positiveNumber(text: string | null): number | null {
  if (text === null || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** A per-minute limit and what is left of it, as one response's headers state them. */
export interface StatedQuota {
  perMinute: number;
  remaining: number | null;
}

/** The limits a response states, per quota; quotas it does not mention are absent. */
export function statedQuotas(headers: Headers): Partial<Record<QuotaKind, StatedQuota>> {
  const out: Partial<Record<QuotaKind, StatedQuota>> = {};
  for (const kind of QUOTA_KINDS) {
    for (const names of HEADERS[kind]) {
      const perMinute = positiveNumber(headers.get(names.limit));
      if (perMinute === null || perMinute === 0) continue;
      out[kind] = { perMinute, remaining: positiveNumber(headers.get(names.remaining)) };
      break;
    }
  }
  return out;
}

/** Quotas a response says are used up (remaining 0). */
export function exhaustedQuotas(headers: Headers): QuotaKind[] {
  return QUOTA_KINDS.filter((kind) => HEADERS[kind].some((n) => headers.get(n.remaining)?.trim() === '0'));
}

/** Reads `retry-after-ms` / `retry-after` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(headers: Headers): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && !Number.isNaN(parseFloat(ms))) return Math.max(0, parseFloat(ms));
  const s = headers.get('retry-after');
  if (s === null) return null;
  const seconds = parseFloat(s);
  if (!Number.isNaN(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(s);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** OpenAI's reset durations: `1s`, `120ms`, `6m0s`, `1h2m3.5s`. */
export function parseDuration(text: string): number | null {
  let ms = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    ms += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    matched += m[0];
  }
  return matched !== '' && matched === text.trim() ? ms : null;
}

/** Longest wait a quota header may impose; a larger value is more likely a clock or parsing problem. */
export const MAX_QUOTA_PAUSE_MS = 60_000;

/**
 * Milliseconds until the provider's quota resets, when a response's rate-limit headers say a quota is used up
 * (remaining 0 with a readable reset); null otherwise. Without a reset time nothing is inferred: the next call
 * gets a 429 with retry-after, which pauses the gate anyway.
 */
export function quotaResetMs(headers: Headers, now = Date.now()): number | null {
  let wait: number | null = null;
  for (const { remaining, reset } of ALL_NAMES) {
    if (headers.get(remaining)?.trim() !== '0') continue;
    const text = headers.get(reset);
    if (text === null) continue;
    const ms = parseDuration(text) ?? (Number.isNaN(Date.parse(text)) ? null : Date.parse(text) - now);
    if (ms !== null && ms > 0) wait = Math.max(wait ?? 0, Math.min(ms, MAX_QUOTA_PAUSE_MS));
  }
  return wait;
}

/** True when a response's rate-limit headers say a request or token quota is used up. */
export function isQuotaExhausted(headers: Headers): boolean {
  return ALL_NAMES.some(({ remaining }) => headers.get(remaining)?.trim() === '0');
}
