import { systemClock, type Clock } from '@switchyard/core';
import { checkCount, checkPositive } from '../validate.js';
import { KeyedStates } from './keyed.js';
import { allow, checkKey, checkPermits, deny, type RateLimitDecision, type RateLimiter } from './limiter.js';

export interface TokenBucketOptions {
  /** Most tokens the bucket holds: the largest burst (≥ 1). A new key starts full. */
  capacity: number;
  /** Tokens added per `intervalMs`, continuously (not in steps). */
  refillTokens: number;
  /** Default 1000 ms. */
  intervalMs?: number;
  clock?: Clock;
}

interface Bucket {
  idleAt: number;
  tokens: number;
  at: number;
}

/**
 * Token bucket. Contract: over any span of t ms a key is granted at most
 * capacity + t · refillTokens / intervalMs permits (a burst of `capacity`, then the refill rate).
 */
export class TokenBucketLimiter implements RateLimiter {
  readonly capacity: number;
  /** Tokens per ms. */
  readonly rate: number;
  readonly #clock: Clock;
  readonly #states: KeyedStates<Bucket>;

  constructor(options: TokenBucketOptions) {
    this.capacity = checkCount('limiter.capacity', options.capacity);
    const refill = checkPositive('limiter.refillTokens', options.refillTokens);
    this.rate = refill / checkPositive('limiter.intervalMs', options.intervalMs ?? 1000);
    this.#clock = options.clock ?? systemClock;
    this.#states = new KeyedStates(this.capacity / this.rate);
  }

  async tryAcquire(key: string, n = 1): Promise<RateLimitDecision> {
    return this.acquireNow(checkKey(key), checkPermits(n, this.capacity));
  }

  acquireNow(key: string, n: number): RateLimitDecision {
    const now = this.#clock.now();
    let b = this.#states.get(key, now);
    if (b === undefined) {
      b = { idleAt: 0, tokens: this.capacity, at: now };
      this.#states.set(key, b);
    }
    // max(): a clock that steps back must not drain the bucket.
    const tokens = Math.min(this.capacity, b.tokens + Math.max(0, now - b.at) * this.rate);
    b.at = Math.max(b.at, now);
    b.tokens = tokens;
    // The epsilon absorbs float rounding, so waiting `retryAfterMs` is always enough.
    if (tokens + 1e-9 < n) return deny(tokens, (n - tokens) / this.rate);
    b.tokens = tokens - n;
    b.idleAt = b.at + (this.capacity - b.tokens) / this.rate;
    return allow(b.tokens);
  }
}
