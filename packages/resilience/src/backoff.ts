/**
 * Backoff strategies: how long to wait before retry number `retry` (1 = the first retry).
 * A strategy is a pure function of the retry number, the previous delay and a random source,
 * so one instance can serve any number of concurrent executions.
 */
import { InvalidArgumentError } from '@switchyard/core';
import { checkPositive } from './validate.js';

export interface Backoff {
  /**
   * The delay in ms before retry `retry` (≥ 1); `previousMs` is the delay used before the
   * previous retry (0 before the first). Always finite and ≥ 0.
   */
  delay(retry: number, previousMs: number): number;
}

/** Returns a number in [0, 1). Injected so tests can pin jitter. */
export type Random = () => number;

/** The same delay every time. */
export function constantBackoff(ms: number): Backoff {
  checkPositive('backoff.ms', ms, true);
  return { delay: () => ms };
}

export interface ExponentialOptions {
  /** Delay before the first retry before jitter (default 100 ms). */
  initialMs?: number;
  /** Cap on any delay (default 30 000 ms). */
  maxMs?: number;
  /** Growth per retry (default 2, ≥ 1). */
  factor?: number;
  /**
   * `none`: exactly min(max, initial·factor^(retry-1)); `full` (default): uniform in [0, that];
   * `equal`: uniform in [that/2, that]. Jitter spreads out clients that failed together.
   */
  jitter?: 'none' | 'full' | 'equal';
  random?: Random;
}

export function exponentialBackoff(options: ExponentialOptions = {}): Backoff {
  const initial = checkPositive('backoff.initialMs', options.initialMs ?? 100, true);
  const max = checkPositive('backoff.maxMs', options.maxMs ?? 30_000, true);
  const factor = checkPositive('backoff.factor', options.factor ?? 2);
  if (factor < 1) throw new InvalidArgumentError('backoff.factor', `must be >= 1, got ${factor}`);
  if (initial > max) throw new InvalidArgumentError('backoff.initialMs', `must not exceed maxMs (${max})`);
  const jitter = options.jitter ?? 'full';
  if (jitter !== 'none' && jitter !== 'full' && jitter !== 'equal') {
    throw new InvalidArgumentError('backoff.jitter', `must be "none", "full" or "equal", got ${String(jitter)}`);
  }
  const random = options.random ?? Math.random;
  return {
    delay(retry) {
      // The power may overflow to Infinity, which min() caps; 0·Infinity would be NaN.
      const ceiling = initial === 0 ? 0 : Math.min(max, initial * factor ** (retry - 1));
      if (jitter === 'none') return ceiling;
      if (jitter === 'equal') return ceiling / 2 + (random() * ceiling) / 2;
      return random() * ceiling;
    },
  };
}

export interface DecorrelatedJitterOptions {
  /** Smallest delay (default 100 ms). */
  baseMs?: number;
  /** Cap on any delay (default 30 000 ms). */
  maxMs?: number;
  random?: Random;
}

/**
 * "Decorrelated jitter" (AWS Architecture Blog, 2015): each delay is uniform in
 * [base, 3·previous], capped at max. It grows like exponential backoff but each client wanders
 * on its own path, which spreads retries better than jittering a shared schedule.
 * Bounds: base ≤ delay ≤ max.
 */
export function decorrelatedJitterBackoff(options: DecorrelatedJitterOptions = {}): Backoff {
  const base = checkPositive('backoff.baseMs', options.baseMs ?? 100);
  const max = checkPositive('backoff.maxMs', options.maxMs ?? 30_000);
  if (base > max) throw new InvalidArgumentError('backoff.baseMs', `must not exceed maxMs (${max})`);
  const random = options.random ?? Math.random;
  return {
    delay(_retry, previousMs) {
      const prev = Math.min(max, Math.max(base, previousMs));
      return Math.min(max, base + random() * (prev * 3 - base));
    },
  };
}
