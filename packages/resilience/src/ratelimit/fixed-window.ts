import { systemClock, type Clock } from '@switchyard/core';
import { checkCount, checkPositive } from '../validate.js';
import { KeyedStates } from './keyed.js';
import { allow, checkKey, checkPermits, deny, type RateLimitDecision, type RateLimiter } from './limiter.js';

export interface WindowLimitOptions {
  /** Permits per window (≥ 1). */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
  clock?: Clock;
}

/**
 * At most `limit` permits in each window [k·windowMs, (k+1)·windowMs) of clock time. Cheapest
 * of all, but a client can take 2·limit across a window boundary; use a sliding window or a
 * token bucket where that burst matters.
 */
export class FixedWindowLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #clock: Clock;
  readonly #states: KeyedStates<{ idleAt: number; count: number }>;

  constructor(options: WindowLimitOptions) {
    this.limit = checkCount('limiter.limit', options.limit);
    this.windowMs = checkPositive('limiter.windowMs', options.windowMs);
    this.#clock = options.clock ?? systemClock;
    this.#states = new KeyedStates(this.windowMs);
  }

  async tryAcquire(key: string, n = 1): Promise<RateLimitDecision> {
    return this.acquireNow(checkKey(key), checkPermits(n, this.limit));
  }

  /** The synchronous core of `tryAcquire`. */
  acquireNow(key: string, n: number): RateLimitDecision {
    const now = this.#clock.now();
    const windowEnd = (Math.floor(now / this.windowMs) + 1) * this.windowMs;
    let s = this.#states.get(key, now);
    if (s === undefined) {
      s = { idleAt: windowEnd, count: 0 };
      this.#states.set(key, s);
    }
    if (s.count + n > this.limit) return deny(this.limit - s.count, windowEnd - now);
    s.count += n;
    return allow(this.limit - s.count);
  }
}
