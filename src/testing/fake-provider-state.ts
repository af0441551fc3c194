/**
 * Bounded bookkeeping for the fake provider: the quota limiter and the in-flight timeline. Pure: the caller passes
 * the current time in, so both are testable without timers.
 */
import { TokenBucket } from '../core/token-bucket.js';

/** A quota the fake enforces: requests, input tokens or output tokens per minute. */
export type FakeQuotaKind = 'requests' | 'inputTokens' | 'outputTokens';

/** Limits per `windowMs` ("a minute", shorter in tests); each bucket holds `burstMs` of the budget. */
export interface FakeQuotaLimits {
  rpm?: number | undefined;
  tpm?: number | undefined;
  otpm?: number | undefined;
  windowMs: number;
  burstMs: number;
}

/** What the limiter says about a request: admitted, or refused with the quota and the time until it fits. */
export type Admission = { ok: true } | { ok: false; kind: FakeQuotaKind; waitMs: number };

/** A quota's state for the rate-limit headers. */
export interface QuotaState {
  kind: FakeQuotaKind;
  limit: number;
  remaining: number;
  resetMs: number;
}

/**
 * Enforces quotas as the providers describe theirs: one token bucket per quota, refilled continuously, holding
 * `burstMs` of the per-window budget, so a burst well under the minute's total is still refused. Requests and
 * input tokens are charged on arrival; output tokens when the reply is sent, and a request is refused while the
 * output bucket is in debt.
 */
export class QuotaLimiter {
  readonly #buckets = new Map<FakeQuotaKind, { limit: number; bucket: TokenBucket }>();

  constructor(limits: FakeQuotaLimits, now: number) {
    const add = (kind: FakeQuotaKind, limit: number | undefined): void => {
      if (limit === undefined) return;
      const rate = limit / limits.windowMs;
      this.#buckets.set(kind, { limit, bucket: new TokenBucket(rate, Math.max(1, rate * limits.burstMs), now) });
    };
    add('requests', limits.rpm);
    add('inputTokens', limits.tpm);
    add('outputTokens', limits.otpm);
  }

  get active(): boolean {
    return this.#buckets.size > 0;
  }

  limit(kind: FakeQuotaKind): number | null {
    return this.#buckets.get(kind)?.limit ?? null;
  }

  /** Admits a request of `inputTokens` at `now` (charging it), or says which quota refuses it and for how long. */
  tryAdmit(now: number, inputTokens: number): Admission {
    const need: Record<FakeQuotaKind, number> = { requests: 1, inputTokens, outputTokens: 1 };
    for (const [kind, { bucket }] of this.#buckets) {
      const waitMs = bucket.waitMs(need[kind], now);
      if (waitMs > 0) return { ok: false, kind, waitMs };
    }
    this.#buckets.get('requests')?.bucket.take(1, now);
    this.#buckets.get('inputTokens')?.bucket.take(inputTokens, now);
    return { ok: true };
  }

  /** Charges the output tokens of a reply as it is sent. */
  chargeOutput(now: number, outputTokens: number): void {
    this.#buckets.get('outputTokens')?.bucket.take(outputTokens, now);
  }

  /** Every quota's limit, what is left (whole units, at least 0) and the time until the bucket is full. */
  states(now: number): QuotaState[] {
    return [...this.#buckets].map(([kind, { limit, bucket }]) => ({
      kind,
      limit,
      remaining: Math.max(0, Math.floor(bucket.level(now))),
      resetMs: bucket.msUntilFull(now),
    }));
  }
}

/** One point of the in-flight timeline. */
export interface TimelinePoint {
  /** Start of the bucket, epoch ms. */
  t: number;
  /** Highest number of requests in flight during the bucket. */
  inFlight: number;
}

/**
 * Peak in-flight count per time bucket, with at most `maxPoints` buckets: when the run outgrows them, adjacent
 * buckets merge (keeping the max) and the width doubles, so memory stays flat however long the bench runs.
 */
export class BoundedTimeline {
  readonly maxPoints: number;
  #origin: number | null = null;
  #bucketMs: number;
  /** Peak per bucket; -1 marks a bucket in which nothing changed. */
  #peaks: number[] = [];

  constructor(maxPoints = 1024, initialBucketMs = 10) {
    this.maxPoints = maxPoints;
    this.#bucketMs = initialBucketMs;
  }

  /** Notes that `inFlight` requests were in flight at `now` (epoch ms). */
  record(now: number, inFlight: number): void {
    this.#origin ??= now;
    let idx = Math.max(0, Math.floor((now - this.#origin) / this.#bucketMs));
    while (idx >= this.maxPoints) {
      this.#halve();
      idx = Math.floor((now - this.#origin) / this.#bucketMs);
    }
    while (this.#peaks.length <= idx) this.#peaks.push(-1);
    if (inFlight > (this.#peaks[idx] as number)) this.#peaks[idx] = inFlight;
  }

  #halve(): void {
    const merged: number[] = [];
    for (let i = 0; i < this.#peaks.length; i += 2) {
      merged.push(Math.max(this.#peaks[i] ?? -1, this.#peaks[i + 1] ?? -1));
    }
    this.#peaks = merged;
    this.#bucketMs *= 2;
  }

  /** Buckets that saw a change, oldest first. */
  points(): TimelinePoint[] {
    const origin = this.#origin;
    if (origin === null) return [];
    const out: TimelinePoint[] = [];
    this.#peaks.forEach((peak, i) => {
      if (peak >= 0) out.push({ t: origin + i * this.#bucketMs, inFlight: peak });
    });
    return out;
  }
}
