/**
 * A gate shared by every call to one provider endpoint (candidate and grader alike). It paces calls the way
 * providers enforce quotas: one continuously refilled token bucket per quota (requests, input tokens, output
 * tokens), each holding `burstS` seconds of the per-minute budget. Calls wait in one FIFO queue and leave one
 * at a time, as soon as every bucket holds their cost, so once the burst is spent they leave evenly spaced.
 *
 * Limits come from the flags (--rpm, --tpm, --otpm) or, for a quota without a flag, from the rate-limit headers
 * of the responses. A 429 empties the bucket it names, holds the queue for `retry-after` and lowers the pace
 * (multiplicative decrease of a rate factor, once per congestion event); successes raise it back additively.
 * When no limit is known at all, a 429 halves the number of calls in flight instead (AIMD on concurrency).
 */
import { TokenBucket } from '../core/token-bucket.js';
import {
  exhaustedQuotas,
  isQuotaExhausted,
  MAX_QUOTA_PAUSE_MS,
  QUOTA_KINDS,
  quotaResetMs,
  statedQuotas,
  type QuotaKind,
} from './quota-headers.js';
import type { QuotaLimit } from '../core/run-facts.js';
export type { QuotaLimit } from '../core/run-facts.js';

export { isQuotaExhausted, parseRetryAfter, quotaResetMs } from './quota-headers.js';
export type { QuotaKind } from './quota-headers.js';

/** When a call last succeeded on any endpoint of the run: a 429 only ends a run that has stopped progressing. */
export class ProgressClock {
  lastSuccessAt = Date.now();
}

export interface RateGateOptions {
  /** Requests per minute; null = learn from headers, or no cap. */
  readonly rpm: number | null;
  /** Input tokens per minute; null = learn from headers, or no cap. */
  readonly tpm: number | null;
  /** Output tokens per minute; null = learn from headers, or no cap. */
  readonly otpm?: number | null;
  /** Seconds of budget a bucket holds (the largest burst). @default 1 */
  readonly burstS?: number;
  /**
   * Ceiling of the congestion window (see `onRateLimited`). The run's one in-flight limit is its call queue
   * (`--concurrency`), so the runner leaves this unset: no window until a 429 opens one. @default Infinity
   */
  readonly maxInFlight?: number;
  /** Pause applied after a 429 that carries no retry-after header. @default 1000 */
  readonly defaultPauseMs?: number;
  /** Length of "a minute" for the limits (shorter only in tests and the bench). @default 60000 */
  readonly windowMs?: number;
  /** Shared by the gates of one run. @default a clock of its own */
  readonly clock?: ProgressClock;
}

/** The pace a gate used, and why: for the report. */
export interface PaceReport {
  requestsPerMinute: QuotaLimit | null;
  inputTokensPerMinute: QuotaLimit | null;
  outputTokensPerMinute: QuotaLimit | null;
  burstS: number;
  /** Fraction of the limits paced at now (1 = full); 429s lower it, successes raise it back. */
  rateFactor: number;
  /** The lowest it went. */
  lowestRateFactor: number;
  /** How many times 429s lowered the pace. */
  rateCuts: number;
}

export interface RateGateStats {
  peakInFlight: number;
  rateLimited: number;
  /** Wall time during which the next call was held back by a quota (a bucket or a retry-after pause). */
  quotaWaitMs: number;
  currentLimit: number;
  /** Answered calls per second and tokens (input + output) per minute over the last 10 s. */
  recent: { requestsPerS: number; tokensPerMin: number };
  pace: PaceReport;
}

/** Tokens a call is charged before it leaves; corrected with its reported usage afterwards. */
export interface CallCost {
  inputTokens: number;
  outputTokens: number;
}

interface Waiter {
  cost: CallCost;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const FLAG_OF: Record<QuotaKind, 'rpm' | 'tpm' | 'otpm'> = { requests: 'rpm', inputTokens: 'tpm', outputTokens: 'otpm' };
/** Multiplicative decrease of the pace on a 429, and its floor. */
const RATE_CUT = 0.75;
const MIN_RATE_FACTOR = 0.05;
/** Additive increase: a full recovery from 0 takes about this many seconds of successes. */
const RECOVERY_S = 20;
const RECENT_S = 10;
/** A 429 cuts the pace only if another one came less than this long before it. */
const CONFIRM_MS = 5000;
/** Output tokens assumed for a call before any response has reported usage. */
const INITIAL_OUTPUT_ESTIMATE = 256;

export class RateGate {
  readonly #opts: Required<Omit<RateGateOptions, 'clock'>>;
  readonly clock: ProgressClock;
  // Float so additive increase can grow it by fractions between whole slots.
  #limit: number;
  #inFlight = 0;
  #pausedUntil = 0;
  #queue: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #buckets = new Map<QuotaKind, TokenBucket>();
  #limits = new Map<QuotaKind, QuotaLimit>();
  #factor = 1;
  #lowestFactor = 1;
  #rateCuts = 0;
  #rateLimited = 0;
  #peakInFlight = 0;
  #quotaWaitMs = 0;
  // When the head of the queue started waiting for a quota; null while it is not.
  #blockedSince: number | null = null;
  // Bumped at every cut and every newly learned limit; a call remembers the epoch it started in (see onRateLimited).
  #epoch = 0;
  #answered = false;
  #lastRateLimitedAt = -Infinity;
  // Output tokens per call, as reported: the estimate for calls not yet sent.
  #outputMean = INITIAL_OUTPUT_ESTIMATE;
  #outputSeen = 0;
  // Answered calls and tokens per whole second, for the last RECENT_S seconds (a ring, so cost is flat in throughput).
  #recent = Array.from({ length: RECENT_S }, () => ({ second: -1, calls: 0, tokens: 0 }));

  constructor(opts: RateGateOptions) {
    if (opts.maxInFlight !== undefined && (!Number.isInteger(opts.maxInFlight) || opts.maxInFlight < 1)) {
      throw new TypeError(`Expected \`maxInFlight\` to be an integer from 1 and up, got \`${opts.maxInFlight}\``);
    }
    const burstS = opts.burstS ?? 1;
    if (!(burstS > 0)) throw new TypeError(`Expected \`burstS\` to be a positive number of seconds, got \`${burstS}\``);
    this.#opts = { defaultPauseMs: 1000, windowMs: 60_000, otpm: null, ...opts, burstS, maxInFlight: opts.maxInFlight ?? Infinity };
    this.clock = opts.clock ?? new ProgressClock();
    this.#limit = this.#opts.maxInFlight;
    const now = Date.now();
    for (const kind of QUOTA_KINDS) {
      const flag = this.#opts[FLAG_OF[kind]];
      if (flag !== null) this.#setLimit(kind, { perMinute: flag, source: 'flag' }, now, null);
    }
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Number of cuts and newly learned limits so far; pass the value read when a call started to `onRateLimited`. */
  get epoch(): number {
    return this.#epoch;
  }

  /** True once the endpoint has answered anything (any HTTP status). */
  get answered(): boolean {
    return this.#answered;
  }

  /** True when a limit per output token is in force, so calls need an output estimate. */
  get pacesOutput(): boolean {
    return this.#buckets.has('outputTokens');
  }

  /** True when a limit per input token is in force, so reported usage corrects the estimates. */
  get pacesTokens(): boolean {
    return this.#buckets.has('inputTokens') || this.#buckets.has('outputTokens');
  }

  stats(): RateGateStats {
    const now = Date.now();
    const limit = (k: QuotaKind): QuotaLimit | null => this.#limits.get(k) ?? null;
    return {
      peakInFlight: this.#peakInFlight,
      rateLimited: this.#rateLimited,
      quotaWaitMs: this.#quotaWaitMs + (this.#blockedSince === null ? 0 : now - this.#blockedSince),
      currentLimit: Math.floor(this.#limit),
      recent: this.#recentPace(now),
      pace: {
        requestsPerMinute: limit('requests'),
        inputTokensPerMinute: limit('inputTokens'),
        outputTokensPerMinute: limit('outputTokens'),
        burstS: this.#opts.burstS,
        rateFactor: Number(this.#factor.toFixed(3)),
        lowestRateFactor: Number(this.#lowestFactor.toFixed(3)),
        rateCuts: this.#rateCuts,
      },
    };
  }

  /** The output tokens to charge a call before it leaves: the mean reported so far, at most `maxTokens`. */
  estimateOutput(maxTokens: number | null): number {
    return Math.ceil(Math.min(this.#outputMean, maxTokens ?? Infinity));
  }

  /**
   * Waits until a call may start: a free slot and, in every bucket, its cost. The caller must call `release()`
   * once the call has its response. Waiters leave in arrival order, one at a time.
   */
  acquire(inputTokens: number, signal?: AbortSignal | null, outputTokens = 0): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal?.reason ?? new Error('aborted'));
        this.#pump();
      };
      const waiter: Waiter = {
        cost: { inputTokens, outputTokens },
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  release(): void {
    this.#inFlight -= 1;
    this.#pump();
  }

  /**
   * A 429. The quotas it names (or the request quota) are empty on the server, so ours are emptied too; the
   * queue waits for `retry-after`. `startEpoch` is the `epoch` read as the call started: a call sent before the
   * last cut (or before a limit was learned) says nothing new, so it does not cut again (the TCP rule).
   */
  onRateLimited(retryAfterMs: number | null, startEpoch?: number, headers?: Headers): void {
    this.#rateLimited += 1;
    this.#answered = true;
    const now = Date.now();
    const learned = headers ? this.#learn(headers, now) : false;
    const named = headers ? exhaustedQuotas(headers) : [];
    for (const kind of named.length > 0 ? named : (['requests'] as QuotaKind[])) this.#buckets.get(kind)?.drainTo(0, now);
    this.pauseFor(Math.min(retryAfterMs ?? this.#opts.defaultPauseMs, MAX_QUOTA_PAUSE_MS));
    if (learned || (startEpoch !== undefined && startEpoch < this.#epoch)) return;
    if (this.#buckets.size > 0) {
      // A first 429 is most often our bucket out of phase with the server's (a burst that left late, so the server
      // started refilling later than we did): emptying our bucket re-aligns them. A second one soon after, from a
      // call sent since, means the pace itself is too high.
      const repeated = now - this.#lastRateLimitedAt < CONFIRM_MS;
      this.#lastRateLimitedAt = now;
      this.#epoch += 1;
      if (!repeated) return;
      this.#setFactor(Math.max(MIN_RATE_FACTOR, this.#factor * RATE_CUT), now);
      this.#rateCuts += 1;
      return;
    }
    // No limit known: a 429 that says a quota is used up is about the rate, which the pause handles; otherwise
    // fewer calls in flight is the only lever.
    if (headers && isQuotaExhausted(headers)) return;
    // Without an open window, it opens at half the calls in flight now.
    this.#limit = Math.max(1, (Number.isFinite(this.#limit) ? this.#limit : this.#inFlight) / 2);
    this.#epoch += 1;
  }

  /** Holds every call for `ms` without narrowing. */
  pauseFor(ms: number): void {
    const until = Date.now() + ms;
    if (until > this.#pausedUntil) this.#pausedUntil = until;
    this.#pump();
  }

  /** Any answer that is not a 429: the endpoint is reachable, and its headers may state the limits. */
  onAnswered(headers?: Headers): void {
    this.#answered = true;
    if (headers && this.#learn(headers, Date.now())) this.#epoch += 1;
  }

  /**
   * A successful response: the run is progressing, the pace (or, without limits, the concurrency) grows back,
   * and reported usage corrects what the call was charged.
   */
  onSuccess(headers?: Headers, charged?: CallCost, usage?: CallCost | null): void {
    const now = Date.now();
    this.clock.lastSuccessAt = now;
    this.onAnswered(headers);
    const second = Math.floor(now / 1000);
    const slot = this.#recent[second % RECENT_S] as { second: number; calls: number; tokens: number };
    if (slot.second !== second) Object.assign(slot, { second, calls: 0, tokens: 0 });
    slot.calls += 1;
    slot.tokens += usage ? usage.inputTokens + usage.outputTokens : 0;
    if (charged && usage) this.#correct(charged, usage, now);
    this.#growBack(now);
    if (this.#buckets.size === 0 && headers) {
      // Without known limits, a response saying the quota is used up holds everyone until its reset.
      const reset = quotaResetMs(headers);
      if (reset !== null) this.pauseFor(reset);
    }
  }

  #growBack(now: number): void {
    if (this.#factor < 1) {
      const perS = this.#requestRatePerS() ?? 1;
      this.#setFactor(Math.min(1, this.#factor + 1 / (RECOVERY_S * Math.max(1, perS))), now);
    }
    if (this.#limit >= this.#opts.maxInFlight) return;
    const before = Math.floor(this.#limit);
    this.#limit = Math.min(this.#opts.maxInFlight, this.#limit + 1 / Math.max(1, this.#limit));
    // Without a ceiling, a window wider than the most calls ever in flight here no longer limits anything: closed.
    if (this.#opts.maxInFlight === Infinity && this.#limit > this.#peakInFlight) this.#limit = Infinity;
    if (Math.floor(this.#limit) > before) this.#pump();
  }

  #requestRatePerS(): number | null {
    const req = this.#limits.get('requests');
    return req ? (req.perMinute * this.#factor * 1000) / this.#opts.windowMs : null;
  }

  #correct(charged: CallCost, usage: CallCost, now: number): void {
    this.#buckets.get('inputTokens')?.give(charged.inputTokens - usage.inputTokens, now);
    this.#buckets.get('outputTokens')?.give(charged.outputTokens - usage.outputTokens, now);
    this.#outputSeen += 1;
    // A running mean over the last ~50 calls.
    const weight = 1 / Math.min(this.#outputSeen, 50);
    this.#outputMean += (usage.outputTokens - this.#outputMean) * weight;
  }

  /** Limits stated by a response for quotas without a flag; true when one is new or changed. */
  #learn(headers: Headers, now: number): boolean {
    let changed = false;
    for (const [kind, stated] of Object.entries(statedQuotas(headers)) as Array<
      [QuotaKind, { perMinute: number; remaining: number | null }]
    >) {
      const current = this.#limits.get(kind);
      if (current?.source === 'flag' || current?.perMinute === stated.perMinute) continue;
      this.#setLimit(kind, { perMinute: stated.perMinute, source: 'headers' }, now, current ? null : stated.remaining);
      changed = true;
    }
    return changed;
  }

  #setLimit(kind: QuotaKind, limit: QuotaLimit, now: number, level: number | null): void {
    this.#limits.set(kind, limit);
    const { rate, capacity } = this.#shape(limit.perMinute);
    const bucket = this.#buckets.get(kind);
    if (bucket) bucket.reconfigure(rate * this.#factor, capacity, now);
    else this.#buckets.set(kind, new TokenBucket(rate * this.#factor, capacity, now, level ?? capacity));
    this.#pump();
  }

  /** Refill per ms and capacity (`burstS` of budget, at least one call's worth) of a per-minute limit. */
  #shape(perMinute: number): { rate: number; capacity: number } {
    const rate = perMinute / this.#opts.windowMs;
    return { rate, capacity: Math.max(1, rate * this.#opts.burstS * 1000) };
  }

  #setFactor(factor: number, now: number): void {
    this.#factor = factor;
    this.#lowestFactor = Math.min(this.#lowestFactor, factor);
    for (const [kind, bucket] of this.#buckets) {
      const { rate, capacity } = this.#shape(this.#limits.get(kind)?.perMinute ?? 0);
      bucket.reconfigure(rate * factor, capacity, now);
    }
  }

  /** Milliseconds until the call at the head of the queue may leave, as far as the quotas go. */
  #quotaWait(cost: CallCost, now: number): number {
    let wait = Math.max(0, this.#pausedUntil - now);
    const need: Record<QuotaKind, number> = { requests: 1, inputTokens: cost.inputTokens, outputTokens: cost.outputTokens };
    for (const [kind, bucket] of this.#buckets) wait = Math.max(wait, bucket.waitMs(need[kind], now));
    return wait;
  }

  /** Lets waiters go, in order, while a slot and their quota are there; otherwise sets one timer for the head. */
  #pump(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const now = Date.now();
    for (;;) {
      const head = this.#queue[0];
      if (!head || this.#inFlight >= Math.max(1, Math.floor(this.#limit))) break;
      const wait = this.#quotaWait(head.cost, now);
      if (wait > 0) {
        this.#blockedSince ??= now;
        this.#timer = setTimeout(() => this.#pump(), wait);
        return;
      }
      this.#queue.shift();
      this.#charge(head.cost, now);
      this.#inFlight += 1;
      this.#peakInFlight = Math.max(this.#peakInFlight, this.#inFlight);
      head.resolve();
    }
    if (this.#blockedSince !== null) {
      this.#quotaWaitMs += now - this.#blockedSince;
      this.#blockedSince = null;
    }
  }

  #charge(cost: CallCost, now: number): void {
    this.#buckets.get('requests')?.take(1, now);
    this.#buckets.get('inputTokens')?.take(cost.inputTokens, now);
    this.#buckets.get('outputTokens')?.take(cost.outputTokens, now);
  }

  #recentPace(now: number): { requestsPerS: number; tokensPerMin: number } {
    const current = Math.floor(now / 1000);
    let calls = 0;
    let tokens = 0;
    for (const slot of this.#recent) {
      if (slot.second <= current - RECENT_S) continue;
      calls += slot.calls;
      tokens += slot.tokens;
    }
    // Over the span actually observed (a gate younger than 10 s), at least one second.
    const spanS = Math.max(1, Math.min(RECENT_S, (now - this.#startedAt) / 1000));
    return { requestsPerS: Number((calls / spanS).toFixed(2)), tokensPerMin: Math.round((tokens / spanS) * 60) };
  }

  readonly #startedAt = Date.now();
}
