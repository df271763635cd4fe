/** A limit as LINE states it: `capacity` requests per `periodMs`. */
export interface RateLimit {
  capacity: number;
  periodMs: number;
}

/**
 * LINE meters each endpoint with a token bucket: a full bucket allows a burst of `capacity`
 * requests, and tokens come back continuously at capacity/period. Pure arithmetic over a clock
 * value passed in, so tests need no timers.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly refillPerMs: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.capacity;
    this.last = now;
    this.refillPerMs = limit.capacity / limit.periodMs;
  }

  /** Takes one token; false when the bucket is empty (the request gets a 429). */
  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.limit.capacity, this.tokens + (now - this.last) * this.refillPerMs);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  available(now: number): number {
    const elapsed = Math.max(0, now - this.last);
    return Math.floor(Math.min(this.limit.capacity, this.tokens + elapsed * this.refillPerMs));
  }
}
