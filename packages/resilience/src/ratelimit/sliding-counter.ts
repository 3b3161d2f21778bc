import { systemClock, type Clock } from '@switchyard/core';
import { checkCount, checkPositive } from '../validate.js';
import type { WindowLimitOptions } from './fixed-window.js';
import { KeyedStates } from './keyed.js';
import { allow, checkKey, checkPermits, deny, type RateLimitDecision, type RateLimiter } from './limiter.js';

interface Counter {
  idleAt: number;
  /** Start of the current fixed window. */
  start: number;
  previous: number;
  current: number;
}

/**
 * Sliding window approximated from two fixed-window counters (the Cloudflare scheme): the
 * previous window's count is weighted by how much of it the sliding window still covers.
 * Contract: the estimate `previous·(1 − elapsed/windowMs) + current` never exceeds `limit`
 * after a grant, so no fixed window ever holds more than `limit` and any span of windowMs at
 * most 2·limit (reached only if the previous window's grants all came at its very end). O(1)
 * memory per key.
 */
export class SlidingWindowCounterLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #clock: Clock;
  readonly #states: KeyedStates<Counter>;

  constructor(options: WindowLimitOptions) {
    this.limit = checkCount('limiter.limit', options.limit);
    this.windowMs = checkPositive('limiter.windowMs', options.windowMs);
    this.#clock = options.clock ?? systemClock;
    this.#states = new KeyedStates(this.windowMs);
  }

  async tryAcquire(key: string, n = 1): Promise<RateLimitDecision> {
    return this.acquireNow(checkKey(key), checkPermits(n, this.limit));
  }

  acquireNow(key: string, n: number): RateLimitDecision {
    const now = this.#clock.now();
    const w = this.windowMs;
    const start = Math.floor(now / w) * w;
    let c = this.#states.get(key, now);
    if (c === undefined) {
      c = { idleAt: 0, start, previous: 0, current: 0 };
      this.#states.set(key, c);
    } else if (c.start < start) {
      c.previous = c.start + w === start ? c.current : 0;
      c.current = 0;
      c.start = start;
    }
    const elapsed = now - start;
    const estimate = (c.previous * (w - elapsed)) / w + c.current;
    // The epsilon absorbs float rounding in the weighting; counts themselves are integers.
    if (estimate + n > this.limit + 1e-9) return deny(this.limit - estimate, retryAfter(c, n, this.limit, w) - elapsed);
    c.current += n;
    // The state decides like a fresh one once both counters have aged out.
    c.idleAt = start + 2 * w;
    return allow(this.limit - estimate - n);
  }
}

/** Time from the current window's start at which `n` more permits fit (see the contract). */
function retryAfter(c: Counter, n: number, limit: number, w: number): number {
  // Written as w − w·x/count rather than w·(1 − x/count): exact for round numbers, so the ceil
  // taken later does not add a millisecond for a rounding error.
  if (c.current + n > limit) {
    // Not in this window: in the next, `current` becomes the weighted term.
    return 2 * w - (w * (limit - n)) / c.current;
  }
  return w - (w * (limit - c.current - n)) / c.previous;
}
