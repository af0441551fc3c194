/**
 * Bounded bookkeeping for the fake provider: the sliding-window rate limiter and the in-flight timeline. Pure: the
 * caller passes the current time in, so both are testable without timers.
 */

/** Outcome of asking the limiter for a slot. */
export type SlotResult = { ok: true; remaining: number } | { ok: false; waitMs: number };

/**
 * Admits at most `limit` requests per sliding `windowMs`. Only admitted requests occupy a slot, so a client that
 * honours `retry-after` gets through once the oldest admitted request leaves the window.
 */
export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** Admission times, oldest first, from `#head` on; never more than `limit` live entries. */
  #times: number[] = [];
  // A moving head instead of shift(): shift is O(n) per call and the bench admits tens of thousands of requests.
  #head = 0;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Takes a slot at time `now` (ms), or says how long until one frees. */
  tryAcquire(now: number): SlotResult {
    while (this.#head < this.#times.length && (this.#times[this.#head] as number) <= now - this.windowMs) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    const used = this.#times.length - this.#head;
    if (used >= this.limit) {
      const oldest = this.#times[this.#head] as number;
      return { ok: false, waitMs: Math.max(1, oldest + this.windowMs - now) };
    }
    this.#times.push(now);
    return { ok: true, remaining: this.limit - used - 1 };
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
