/**
 * Rate limiters: each key has its own allowance of permits over time. `tryAcquire` never waits;
 * it says whether the permits were granted and, if not, how long until they could be.
 */
import { InvalidArgumentError } from '@switchyard/core';

export interface RateLimitDecision {
  /** True when the `n` permits were taken. A denied request takes nothing. */
  allowed: boolean;
  /**
   * Permits still available right after this decision (0 when none are; never negative).
   * For the sliding window counter this is the estimate it decides by.
   */
  remaining: number;
  /**
   * 0 when allowed; otherwise the wait in ms (rounded up) after which the same request would be
   * allowed if nothing else took permits in between.
   */
  retryAfterMs: number;
}

export interface RateLimiter {
  /**
   * Takes `n` permits (default 1) for `key` if the limit allows it. Throws InvalidArgumentError
   * when `n` could never be granted (more than the limit or burst).
   */
  tryAcquire(key: string, n?: number): Promise<RateLimitDecision>;
}

/** Checks `n` against the most a single request can ever be granted. */
export function checkPermits(n: unknown, max: number): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('n', `must be an integer >= 1, got ${String(n)}`);
  }
  if (n > max) throw new InvalidArgumentError('n', `${n} permits can never be granted; the most at once is ${max}`);
  return n;
}

export function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw new InvalidArgumentError('key', 'must be a string');
  return key;
}

// `remaining` is floored with a hair of slack so a float like 3.9999999999 reads as 4.
export function allow(remaining: number): RateLimitDecision {
  return { allowed: true, remaining: Math.max(0, Math.floor(remaining + 1e-9)), retryAfterMs: 0 };
}

export function deny(remaining: number, retryAfterMs: number): RateLimitDecision {
  return { allowed: false, remaining: Math.max(0, Math.floor(remaining + 1e-9)), retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) };
}
