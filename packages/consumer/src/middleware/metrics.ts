import { InvalidArgumentError } from '@switchyard/core';
import type { Middleware, Settlement } from '../handler.js';
import type { Logger } from '../logger.js';
import { dispositionOf } from '../settle.js';

export interface HandlerStarted {
  queue: string;
  type: string;
  attempt: number;
}

export interface HandlerFinished extends HandlerStarted {
  /** How the delivery is (or will be) settled. */
  outcome: Settlement;
  durationMs: number;
  error?: unknown;
}

/**
 * Hooks for whatever metrics library the service uses. Suggested series (Prometheus names):
 * `switchyard_consumer_in_flight{queue}` (gauge: +1 on started, −1 on finished),
 * `switchyard_consumer_handled_total{queue,type,outcome}` (counter) and
 * `switchyard_consumer_handle_seconds{queue,type}` (histogram of durationMs / 1000).
 */
export interface MetricsHooks {
  started?(event: HandlerStarted): void;
  finished?(event: HandlerFinished): void;
}

/** Calls the hooks around each delivery. A hook that throws is logged and otherwise ignored. */
export function metrics(hooks: MetricsHooks): Middleware {
  if (typeof hooks !== 'object' || hooks === null) throw new InvalidArgumentError('metrics.hooks', 'must be an object with started/finished functions');
  return (next) => async (message, ctx) => {
    const base: HandlerStarted = { queue: ctx.queue.name, type: message.type, attempt: message.attempt };
    call(ctx.logger, () => hooks.started?.(base));
    const started = ctx.clock.now();
    try {
      await next(message, ctx);
      call(ctx.logger, () => hooks.finished?.({ ...base, outcome: ctx.settled() ?? 'ack', durationMs: ctx.clock.now() - started }));
    } catch (error) {
      const outcome = ctx.settled() ?? dispositionOf({ ok: false, error }, 0).kind;
      call(ctx.logger, () => hooks.finished?.({ ...base, outcome, durationMs: ctx.clock.now() - started, error }));
      throw error;
    }
  };
}

function call(logger: Logger, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    logger.warn({ err }, 'a metrics hook threw');
  }
}
