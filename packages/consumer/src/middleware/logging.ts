import { InvalidArgumentError } from '@switchyard/core';
import { correlationIdOf } from '../delivery-run.js';
import { causeOf } from '../errors.js';
import type { Middleware } from '../handler.js';
import type { Logger } from '../logger.js';
import { dispositionOf } from '../settle.js';

export interface LoggingOptions {
  /**
   * Log here instead of the consumer's logger. Each delivery gets a child bound to `queue`,
   * `messageId`, `type`, `attempt` and `correlationId`, which the handler sees as `ctx.logger`.
   */
  logger?: Logger;
  /** Level of the line for a handled message. Default `debug` (failures are `warn`, dead-letters `error`). */
  successLevel?: 'debug' | 'info';
}

/**
 * One JSON line per delivery outcome, with the correlation id and the handling time (on the
 * consumer's clock): `message handled` on success; `message failed` with the error and what
 * happens next (`nack` or `dead-letter`) on failure.
 */
export function logging(options: LoggingOptions = {}): Middleware {
  const successLevel = options.successLevel ?? 'debug';
  if (successLevel !== 'debug' && successLevel !== 'info') throw new InvalidArgumentError('logging.successLevel', 'must be "debug" or "info"');
  const base = options.logger;
  if (base !== undefined && typeof base.child !== 'function') throw new InvalidArgumentError('logging.logger', 'must be a pino-style logger');
  return (next) => async (message, ctx) => {
    const logger = base
      ? base.child({ queue: ctx.queue.name, messageId: message.id, type: message.type, attempt: message.attempt, correlationId: correlationIdOf(message) })
      : ctx.logger;
    const started = ctx.clock.now();
    try {
      await next(message, base ? { ...ctx, logger } : ctx);
      logger[successLevel]({ durationMs: ctx.clock.now() - started, outcome: ctx.settled() ?? 'ack' }, 'message handled');
    } catch (err) {
      const outcome = dispositionOf({ ok: false, error: err }, 0).kind;
      logger[outcome === 'dead-letter' ? 'error' : 'warn']({ err: causeOf(err), durationMs: ctx.clock.now() - started, outcome }, 'message failed');
      throw err;
    }
  };
}
