import { checkInt, InvalidArgumentError, type Delivery } from '@switchyard/core';
import { exponentialBackoff, type Backoff } from '../backoff.js';
import { causeOf, DoNotRetryError, isDoNotRetry, isRetryAfter, RetryAfterError } from '../errors.js';
import type { Middleware } from '../handler.js';

export interface RetryOptions {
  /** Delay before the next delivery, by failed attempt. Default `exponentialBackoff()` (1 s doubling to 5 min). */
  backoff?: Backoff;
  /** Deliveries in all, the first included; the last failure is not retried. Default 5; 1 to 1000. */
  maxAttempts?: number;
  /** Which failures are worth retrying; the others are not retried at all. Default: every failure. */
  retryable?: (error: unknown, message: Delivery) => boolean;
}

/**
 * Turns a handler's failure into a retry decision: while attempts remain and the failure is
 * retryable, a `RetryAfterError` with the backoff's delay (the consumer nacks with it); otherwise
 * a `DoNotRetryError` carrying the failure (the consumer, or `poison()`, dead-letters it). The
 * attempt is the engine's durable receive count, so the schedule survives crashes.
 *
 * A handler's own `RetryAfterError` keeps its delay but still counts against `maxAttempts`; a
 * `DoNotRetryError` passes through untouched. Note that a queue's `maxReceives` may dead-letter a
 * message before `maxAttempts` is reached; keep it at least as large.
 */
export function retry(options: RetryOptions = {}): Middleware {
  const backoff = options.backoff ?? exponentialBackoff();
  if (typeof backoff?.delay !== 'function') throw new InvalidArgumentError('retry.backoff', 'must have a delay(attempt) method');
  const maxAttempts = checkInt('retry.maxAttempts', options.maxAttempts ?? 5, { min: 1, max: 1000 });
  const retryable = options.retryable ?? (() => true);
  if (typeof retryable !== 'function') throw new InvalidArgumentError('retry.retryable', 'must be a function');
  return (next) => async (message, ctx) => {
    try {
      await next(message, ctx);
    } catch (err) {
      if (isDoNotRetry(err)) throw err;
      if (message.attempt >= maxAttempts) {
        throw new DoNotRetryError(`gave up after ${message.attempt} attempts`, { cause: causeOf(err) });
      }
      if (isRetryAfter(err)) throw err;
      if (!retryable(err, message)) throw new DoNotRetryError('the failure is not retryable', { cause: err });
      throw new RetryAfterError(backoff.delay(message.attempt), { cause: err });
    }
  };
}
