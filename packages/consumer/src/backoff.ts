/**
 * Retry delays for redelivery. A consumer keeps no state between deliveries of a message, so a
 * backoff is a function of the attempt that failed (1 = the first delivery), which the engine
 * counts durably; a crash does not reset the schedule.
 */
import { checkInt, InvalidArgumentError } from '@switchyard/core';

export interface Backoff {
  /** The nack delay after attempt `attempt` (≥ 1) failed; finite, ≥ 0. */
  delay(attempt: number): number;
}

/** Returns a number in [0, 1). Injected so tests can pin jitter. */
export type Random = () => number;

const maxDelayMs = 12 * 3600_000;

/** The same delay after every failure. */
export function constantBackoff(delayMs: number): Backoff {
  checkInt('backoff.delayMs', delayMs, { min: 0, max: maxDelayMs });
  return { delay: () => delayMs };
}

export interface ExponentialBackoffOptions {
  /** Delay after the first failure. Default 1000 ms. */
  initialMs?: number;
  /** Growth per attempt. Default 2; 1 to 100. */
  factor?: number;
  /** Cap. Default 300 000 ms (5 min). */
  maxMs?: number;
  /** Full jitter: a uniform delay in [0, computed]. Default false. */
  jitter?: boolean;
  random?: Random;
}

/** min(max, initial · factor^(attempt-1)), optionally with full jitter. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const initial = checkInt('backoff.initialMs', options.initialMs ?? 1000, { min: 0, max: maxDelayMs });
  const max = checkInt('backoff.maxMs', options.maxMs ?? 300_000, { min: 0, max: maxDelayMs });
  const factor = options.factor ?? 2;
  if (typeof factor !== 'number' || !(factor >= 1 && factor <= 100)) {
    throw new InvalidArgumentError('backoff.factor', `must be a number from 1 to 100, got ${JSON.stringify(factor)}`);
  }
  if (initial > max) throw new InvalidArgumentError('backoff.initialMs', `must not exceed maxMs (${max})`);
  const random = options.random ?? Math.random;
  return {
    delay(attempt) {
      const exact = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
      return Math.round(options.jitter ? random() * exact : exact);
    },
  };
}

export interface DecorrelatedJitterOptions {
  /** Smallest delay. Default 1000 ms. */
  baseMs?: number;
  /** Cap. Default 300 000 ms. */
  maxMs?: number;
  random?: Random;
}

/**
 * "Decorrelated jitter" (AWS Architecture Blog, 2015): each delay is uniform in
 * [base, 3 · previous delay], capped. The previous delay is not stored anywhere, so the chain is
 * replayed from the first attempt with fresh randomness: the delay after attempt n has the same
 * distribution as the n-th step of the original recurrence. Bounds: base ≤ delay ≤ max.
 */
export function decorrelatedJitterBackoff(options: DecorrelatedJitterOptions = {}): Backoff {
  const base = checkInt('backoff.baseMs', options.baseMs ?? 1000, { min: 1, max: maxDelayMs });
  const max = checkInt('backoff.maxMs', options.maxMs ?? 300_000, { min: 1, max: maxDelayMs });
  if (base > max) throw new InvalidArgumentError('backoff.baseMs', `must not exceed maxMs (${max})`);
  const random = options.random ?? Math.random;
  return {
    delay(attempt) {
      let d = base;
      const steps = Math.min(Math.max(1, attempt), 1000);
      for (let i = 0; i < steps; i++) d = Math.min(max, base + random() * (3 * d - base));
      return Math.round(d);
    },
  };
}
