import { InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';
import { checkCount, checkPositive } from '../validate.js';
import { KeyedStates } from './keyed.js';
import { allow, checkKey, checkPermits, deny, type RateLimitDecision, type RateLimiter } from './limiter.js';

/**
 * The TAT kept as `at + ahead` rather than one absolute float: at epoch-sized times a float's
 * fraction is coarse (about 0.25 µs), and rounding there would make `retryAfterMs` fall short.
 */
interface Tat {
  /** TAT itself: once passed, the key has its full burst again (and may be swept). */
  idleAt: number;
  /** Clock time of the last grant. */
  at: number;
  /** How far the TAT was ahead of `at`. */
  ahead: number;
}

export interface GcraOptions {
  /** Permits per `periodMs` in the long run (≥ 1). */
  limit: number;
  periodMs: number;
  /** Permits that may be taken at once after a quiet spell (default `limit`, ≥ 1). */
  burst?: number;
  clock?: Clock;
}

/**
 * Generic cell rate algorithm (the leaky bucket "as a meter"): per key, only the theoretical
 * arrival time (TAT) of the next permit. Permits are spaced T = periodMs / limit
 * apart, and a request may run ahead of schedule by up to burst·T. Contract: over any span of
 * t ms a key is granted at most burst + t / T permits; it decides exactly like a token bucket
 * of capacity `burst` refilling one token per T, in less state.
 */
export class GcraLimiter implements RateLimiter {
  readonly limit: number;
  readonly burst: number;
  /** Emission interval T, ms per permit. */
  readonly intervalMs: number;
  readonly #clock: Clock;
  readonly #states: KeyedStates<Tat>;

  constructor(options: GcraOptions) {
    this.limit = checkCount('limiter.limit', options.limit);
    this.burst = checkCount('limiter.burst', options.burst ?? this.limit);
    this.intervalMs = checkPositive('limiter.periodMs', options.periodMs) / this.limit;
    if (!(this.intervalMs > 0)) throw new InvalidArgumentError('limiter.periodMs', 'too small for the limit');
    this.#clock = options.clock ?? systemClock;
    this.#states = new KeyedStates(this.burst * this.intervalMs);
  }

  async tryAcquire(key: string, n = 1): Promise<RateLimitDecision> {
    return this.acquireNow(checkKey(key), checkPermits(n, this.burst));
  }

  acquireNow(key: string, n: number): RateLimitDecision {
    const now = this.#clock.now();
    const t = this.intervalMs;
    const tolerance = this.burst * t;
    const s = this.#states.get(key, now);
    // A clock that steps back must not free permits early: time is measured from the later.
    const at = s === undefined ? now : Math.max(s.at, now);
    const ahead = s === undefined ? 0 : Math.max(0, s.ahead - (at - s.at));
    const newAhead = ahead + n * t;
    // The epsilon absorbs float rounding, so waiting `retryAfterMs` is always enough.
    if (newAhead > tolerance * (1 + 1e-9)) return deny((tolerance - ahead) / t, newAhead - tolerance);
    if (s === undefined) {
      this.#states.set(key, { idleAt: at + newAhead, at, ahead: newAhead });
    } else {
      s.idleAt = at + newAhead;
      s.at = at;
      s.ahead = newAhead;
    }
    return allow((tolerance - newAhead) / t);
  }
}
