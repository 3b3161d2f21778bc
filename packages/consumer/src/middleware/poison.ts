import { InvalidArgumentError, type Delivery } from '@switchyard/core';
import { causeOf, isDoNotRetry } from '../errors.js';
import type { Middleware } from '../handler.js';

export interface PoisonOptions {
  /** Failures that make a message poison at once, beside `DoNotRetryError`. Default none. */
  isPoison?: (error: unknown, message: Delivery) => boolean;
  /** Called once a poison message is in the dead-letter queue (alerting, metrics). */
  onPoison?: (message: Delivery, error: unknown) => void | Promise<void>;
}

/**
 * Poison messages to the dead-letter queue: a `DoNotRetryError` (from the handler, from
 * `retry()` once attempts run out or the failure is not retryable, from `validate()`), or a
 * failure `isPoison` recognises, moves the message to the queue's DLQ now with the underlying
 * error recorded in its `dead-letter-error` header, and the delivery counts as handled.
 * Without a DLQ the message is nacked instead (and an error logged), never dropped.
 */
export function poison(options: PoisonOptions = {}): Middleware {
  const { isPoison, onPoison } = options;
  if (isPoison !== undefined && typeof isPoison !== 'function') throw new InvalidArgumentError('poison.isPoison', 'must be a function');
  if (onPoison !== undefined && typeof onPoison !== 'function') throw new InvalidArgumentError('poison.onPoison', 'must be a function');
  return (next) => async (message, ctx) => {
    try {
      await next(message, ctx);
    } catch (err) {
      if (!isDoNotRetry(err) && !isPoison?.(err, message)) throw err;
      const cause = causeOf(err);
      try {
        await ctx.deadLetter(cause);
      } catch (settleErr) {
        ctx.logger.warn({ err: settleErr }, 'could not dead-letter the poison message; it will be delivered again');
        return;
      }
      if (ctx.settled() !== 'dead-letter') return;
      ctx.logger.warn({ err: cause }, 'poison message moved to the dead-letter queue');
      await onPoison?.(message, cause);
    }
  };
}
