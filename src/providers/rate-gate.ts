/**
 * A gate shared by every call to one provider endpoint (candidate and grader alike). It enforces the
 * `--rpm` / `--tpm` caps with sliding 60 s windows and adapts the number of calls in flight: a 429
 * pauses every worker until `retry-after` has passed and halves the allowed concurrency, which then
 * ramps back up by one for every window of successes (AIMD). A success whose rate-limit headers say the
 * quota is used up pauses every worker until the reset they give. It wraps `fetch`, so the SDKs' own
 * retries pass through it too, and there is only one retry layer (the SDK's, capped by maxRetries).
 */
export interface RateGateOptions {
  /** Requests per minute; null = no cap. */
  readonly rpm: number | null;
  /** Estimated input tokens per minute; null = no cap. */
  readonly tpm: number | null;
  /** Upper bound of calls in flight through this gate. */
  readonly maxInFlight: number;
  /** Pause applied after a 429 that carries no retry-after header. @default 1000 */
  readonly defaultPauseMs?: number;
  /** Length of the rate windows. @default 60000 */
  readonly windowMs?: number;
}

export interface RateGateStats {
  peakInFlight: number;
  rateLimited: number;
  pausedMs: number;
  currentLimit: number;
}

const sleep = (ms: number, signal?: AbortSignal | null): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class RateGate {
  readonly #opts: Required<RateGateOptions>;
  // Float so additive increase can grow it by fractions between whole slots.
  #limit: number;
  #inFlight = 0;
  #pausedUntil = 0;
  #starts: number[] = [];
  #tokenLog: Array<{ t: number; n: number }> = [];
  #tokenSum = 0;
  #waiters: Array<() => void> = [];
  #stats: RateGateStats;
  // Bumped at every cut of the limit; a call remembers the epoch it started in (see onRateLimited).
  #epoch = 0;

  constructor(opts: RateGateOptions) {
    if (!Number.isInteger(opts.maxInFlight) || opts.maxInFlight < 1) {
      throw new TypeError(`Expected \`maxInFlight\` to be an integer from 1 and up, got \`${opts.maxInFlight}\``);
    }
    this.#opts = { defaultPauseMs: 1000, windowMs: 60_000, ...opts };
    this.#limit = opts.maxInFlight;
    this.#stats = { peakInFlight: 0, rateLimited: 0, pausedMs: 0, currentLimit: opts.maxInFlight };
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Number of limit cuts so far; pass the value read when a call started to `onRateLimited`. */
  get epoch(): number {
    return this.#epoch;
  }

  stats(): RateGateStats {
    return { ...this.#stats, currentLimit: Math.floor(this.#limit) };
  }

  /** Waits until a call may start; the caller must call `release()` once the call has its response. */
  async acquire(estimatedTokens: number, signal?: AbortSignal | null): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const now = Date.now();
      if (now < this.#pausedUntil) {
        await sleep(this.#pausedUntil - now, signal);
        continue;
      }
      if (this.#inFlight >= Math.max(1, Math.floor(this.#limit))) {
        await this.#waitForSlot(signal);
        continue;
      }
      const windowStart = now - this.#opts.windowMs;
      if (this.#opts.rpm !== null) {
        while (this.#starts.length > 0 && (this.#starts[0] ?? 0) <= windowStart) this.#starts.shift();
        if (this.#starts.length >= this.#opts.rpm) {
          await sleep((this.#starts[0] ?? now) + this.#opts.windowMs - now + 1, signal);
          continue;
        }
      }
      if (this.#opts.tpm !== null) {
        while (this.#tokenLog.length > 0 && (this.#tokenLog[0]?.t ?? 0) <= windowStart) {
          this.#tokenSum -= this.#tokenLog.shift()?.n ?? 0;
        }
        // A single request larger than the cap still goes, alone, so a run can never deadlock.
        if (this.#tokenSum > 0 && this.#tokenSum + estimatedTokens > this.#opts.tpm) {
          await sleep((this.#tokenLog[0]?.t ?? now) + this.#opts.windowMs - now + 1, signal);
          continue;
        }
      }
      if (this.#opts.rpm !== null) this.#starts.push(now);
      if (this.#opts.tpm !== null) {
        this.#tokenLog.push({ t: now, n: estimatedTokens });
        this.#tokenSum += estimatedTokens;
      }
      this.#inFlight += 1;
      if (this.#inFlight > this.#stats.peakInFlight) this.#stats.peakInFlight = this.#inFlight;
      return;
    }
  }

  release(): void {
    this.#inFlight -= 1;
    this.#wake(1);
  }

  /**
   * A 429: pause everyone until retry-after and halve the concurrency, once per congestion event when
   * `startEpoch` (the `epoch` read as the call started) is given. `quotaExhausted`: the response said a
   * request/token quota is used up, so the rate, not the concurrency, is the cause: pause only.
   */
  onRateLimited(retryAfterMs: number | null, startEpoch?: number, quotaExhausted = false): void {
    this.#stats.rateLimited += 1;
    this.pauseFor(retryAfterMs ?? this.#opts.defaultPauseMs);
    // Halving in-flight calls does not slow a per-minute quota down (the pause does); measured at a 100-per-window
    // cap, cutting on these 429s held the run at ~13 calls in flight and 0.86 of the cap.
    if (quotaExhausted) return;
    // Once per congestion event: a call that started before the last cut was sent at the old concurrency, so
    // its 429 says nothing new (the TCP rule). Cutting on each one let a single overshoot drive the limit to 1.
    if (startEpoch !== undefined && startEpoch < this.#epoch) return;
    this.#limit = Math.max(1, this.#limit / 2);
    this.#epoch += 1;
  }

  /**
   * Holds every call for `ms` without narrowing: a success whose rate-limit headers say the quota is used up
   * until a reset, so the next calls would only earn 429s.
   */
  pauseFor(ms: number): void {
    const until = Date.now() + ms;
    if (until > this.#pausedUntil) {
      this.#stats.pausedMs += until - Math.max(this.#pausedUntil, Date.now());
      this.#pausedUntil = until;
    }
  }

  /** A successful response: additive increase back towards the configured maximum. */
  onSuccess(): void {
    if (this.#limit >= this.#opts.maxInFlight) return;
    const before = Math.floor(this.#limit);
    this.#limit = Math.min(this.#opts.maxInFlight, this.#limit + 1 / Math.max(1, this.#limit));
    const grown = Math.floor(this.#limit) - before;
    if (grown > 0) this.#wake(grown);
  }

  /**
   * Queues until a slot may be free. An abort leaves the queue at once, so a cancelled caller neither hangs
   * until the next release nor consumes the wake-up meant for a live one.
   */
  #waitForSlot(signal?: AbortSignal | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(wake);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #wake(count: number): void {
    for (let i = 0; i < count && this.#waiters.length > 0; i += 1) this.#waiters.shift()?.();
  }
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
function parseDuration(text: string): number | null {
  let ms = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    ms += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    matched += m[0];
  }
  return matched !== '' && matched === text.trim() ? ms : null;
}

// [remaining, reset] header pairs: OpenAI gives the reset as a duration, Anthropic as an RFC 3339 time.
const QUOTA_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  ['x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
  ['anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset'],
  ['anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-reset'],
  ['anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-reset'],
  ['anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset'],
];

/** Longest wait a quota header may impose; a larger value is more likely a clock or parsing problem. */
const MAX_QUOTA_PAUSE_MS = 60_000;

/**
 * Milliseconds until the provider's quota resets, when a response's rate-limit headers say a quota is used up
 * (remaining 0 with a readable reset); null otherwise. Without a reset time nothing is inferred: the next call
 * gets a 429 with retry-after, which pauses the gate anyway.
 */
export function quotaResetMs(headers: Headers, now = Date.now()): number | null {
  let wait: number | null = null;
  for (const [remainingName, resetName] of QUOTA_HEADERS) {
    if (headers.get(remainingName)?.trim() !== '0') continue;
    const reset = headers.get(resetName);
    if (reset === null) continue;
    const ms = parseDuration(reset) ?? (Number.isNaN(Date.parse(reset)) ? null : Date.parse(reset) - now);
    if (ms !== null && ms > 0) wait = Math.max(wait ?? 0, Math.min(ms, MAX_QUOTA_PAUSE_MS));
  }
  return wait;
}

/** True when a response's rate-limit headers say a request or token quota is used up. */
export function isQuotaExhausted(headers: Headers): boolean {
  return QUOTA_HEADERS.some(([remaining]) => headers.get(remaining)?.trim() === '0');
}

function estimateBodyTokens(body: unknown): number {
  return typeof body === 'string' ? Math.ceil(body.length / 4) : 0;
}

/** Wraps fetch so every attempt (the SDKs' retries included) goes through the gate. */
export function gatedFetch(gate: RateGate, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    await gate.acquire(estimateBodyTokens(init?.body), init?.signal ?? null);
    const epoch = gate.epoch;
    try {
      const res = await base(input, init);
      if (res.status === 429) gate.onRateLimited(parseRetryAfter(res.headers), epoch, isQuotaExhausted(res.headers));
      else if (res.ok) {
        gate.onSuccess();
        const reset = quotaResetMs(res.headers);
        if (reset !== null) gate.pauseFor(reset);
      }
      return res;
    } finally {
      gate.release();
    }
  };
}
