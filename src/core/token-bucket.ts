/**
 * A token bucket that refills continuously: `ratePerMs` tokens every millisecond, never above `capacity`.
 * Both sides of a quota use it: the rate gate that paces our calls and the test double that enforces limits
 * the way providers do. Pure: every method takes the current time, so it is testable without timers.
 */
const EPSILON = 1e-9;

export class TokenBucket {
  #ratePerMs: number;
  #capacity: number;
  #level: number;
  // Time of the last refill, ms.
  #at: number;

  constructor(ratePerMs: number, capacity: number, now: number, level = capacity) {
    if (!(ratePerMs > 0) || !(capacity > 0)) {
      throw new TypeError(`Expected a positive rate and capacity, got \`${ratePerMs}\` per ms and \`${capacity}\``);
    }
    this.#ratePerMs = ratePerMs;
    this.#capacity = capacity;
    this.#level = Math.min(level, capacity);
    this.#at = now;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get ratePerMs(): number {
    return this.#ratePerMs;
  }

  /** Tokens available at `now` (negative after a correction charged more than was there). */
  level(now: number): number {
    if (now > this.#at) {
      this.#level = Math.min(this.#capacity, this.#level + (now - this.#at) * this.#ratePerMs);
      this.#at = now;
    }
    return this.#level;
  }

  /**
   * Milliseconds until `amount` tokens are there. A request larger than the whole bucket waits only for a full
   * bucket, so one oversized request can never block a run forever.
   */
  waitMs(amount: number, now: number): number {
    const need = Math.min(amount, this.#capacity) - this.level(now);
    // Refills summed in different steps differ in the last bits; such a shortfall is no shortfall.
    return need <= EPSILON ? 0 : Math.ceil(need / this.#ratePerMs);
  }

  /** Removes `amount` tokens (the level may go below zero). */
  take(amount: number, now: number): void {
    this.level(now);
    this.#level -= amount;
  }

  /** Gives back `amount` tokens (an estimate that was too high), never above capacity. Negative charges more. */
  give(amount: number, now: number): void {
    this.level(now);
    this.#level = Math.min(this.#capacity, this.#level + amount);
  }

  /** Lowers the level to at most `level`: the other side said its bucket holds no more than that. */
  drainTo(level: number, now: number): void {
    this.level(now);
    this.#level = Math.min(this.#level, level);
  }

  /** Changes the refill rate and capacity from `now` on; the time before is refilled at the old rate. */
  reconfigure(ratePerMs: number, capacity: number, now: number): void {
    this.level(now);
    this.#ratePerMs = ratePerMs;
    this.#capacity = capacity;
    this.#level = Math.min(this.#level, capacity);
  }

  /** Milliseconds until the bucket is full again. */
  msUntilFull(now: number): number {
    return Math.max(0, Math.ceil((this.#capacity - this.level(now)) / this.#ratePerMs));
  }
}
