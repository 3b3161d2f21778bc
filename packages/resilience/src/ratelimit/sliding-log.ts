import { systemClock, type Clock } from '@switchyard/core';
import { checkCount, checkPositive } from '../validate.js';
import type { WindowLimitOptions } from './fixed-window.js';
import { KeyedStates } from './keyed.js';
import { allow, checkKey, checkPermits, deny, type RateLimitDecision, type RateLimiter } from './limiter.js';

interface Log {
  idleAt: number;
  /** Grant times and sizes, oldest first, from index `head`. */
  times: number[];
  sizes: number[];
  head: number;
  total: number;
}

/**
 * Exact sliding window: a grant at time t counts during [t, t + windowMs), and at no instant do
 * the grants counted exceed `limit`; equivalently, any span of windowMs holds at most `limit`.
 * Memory is one entry per grant still in the window, so it suits modest limits.
 */
export class SlidingWindowLogLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #clock: Clock;
  readonly #states: KeyedStates<Log>;

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
    let log = this.#states.get(key, now);
    if (log === undefined) {
      log = { idleAt: 0, times: [], sizes: [], head: 0, total: 0 };
      this.#states.set(key, log);
    }
    this.#expire(log, now);
    if (log.total + n > this.limit) {
      // Wait until enough of the oldest grants have left the window.
      let freed = this.limit - log.total;
      let i = log.head;
      while (freed < n) freed += log.sizes[i++]!;
      return deny(this.limit - log.total, log.times[i - 1]! + this.windowMs - now);
    }
    log.times.push(now);
    log.sizes.push(n);
    log.total += n;
    log.idleAt = now + this.windowMs;
    return allow(this.limit - log.total);
  }

  #expire(log: Log, now: number): void {
    while (log.head < log.times.length && log.times[log.head]! + this.windowMs <= now) {
      log.total -= log.sizes[log.head]!;
      log.head++;
    }
    // Compact once the dead prefix dominates, keeping pushes amortised O(1).
    if (log.head > 32 && log.head * 2 > log.times.length) {
      log.times = log.times.slice(log.head);
      log.sizes = log.sizes.slice(log.head);
      log.head = 0;
    }
  }
}
