/**
 * The consumer pipeline's two shapes: a `Handler` does the work for one delivery, a `Middleware`
 * wraps a handler in another (`(next) => handler`). Each concern (retry, poison, timeout, …) is
 * one middleware in its own file.
 *
 * How a delivery is settled follows from how the pipeline ends, unless something in it settled
 * the delivery itself through the context:
 *   - resolves               → ack;
 *   - `RetryAfterError`      → nack, visible again after its delay;
 *   - `DoNotRetryError`      → dead-letter now, recording its cause;
 *   - anything else          → nack after the consumer's `nackDelayMs`, recording the error.
 */
import type { Body, Broker, Clock, Delivery, Queue } from '@switchyard/core';
import type { Logger } from './logger.js';

export type Handler<B = Body> = (message: Delivery<B>, ctx: HandlerContext) => Promise<void> | void;

export type Middleware = (next: Handler) => Handler;

/** How a delivery ended up settled. */
export type Settlement = 'ack' | 'nack' | 'dead-letter';

/**
 * What a handler gets beside its message. A plain object of values and closures, so a
 * middleware can hand its inner handler a changed copy: `next(message, { ...ctx, signal })`.
 */
export interface HandlerContext {
  /**
   * Aborts when the handler should stop: its timeout passed, the consumer's drain deadline
   * passed, or the lease was lost. The reason is the typed error (HandlerTimeoutError,
   * ClosedError, LeaseLostError).
   */
  readonly signal: AbortSignal;
  readonly broker: Broker;
  /** The queue the message came from. */
  readonly queue: Queue;
  readonly clock: Clock;
  /** Logger bound to this delivery (the logging middleware adds the correlation id). */
  readonly logger: Logger;
  /** The `correlation-id` header, or the message id when it has none. */
  readonly correlationId: string;
  /**
   * Settle now instead of by outcome (a middleware that recognises a duplicate, or parks a
   * poison message). The first settlement wins; later ones, and the consumer's own, are skipped.
   */
  ack(): Promise<void>;
  nack(options?: { delayMs?: number; error?: unknown }): Promise<void>;
  deadLetter(error?: unknown): Promise<void>;
  /** How the delivery was settled so far, if it was. */
  settled(): Settlement | undefined;
}

/** Composes middleware around a handler; the first one listed is the outermost. */
export function compose(middleware: readonly Middleware[], handler: Handler): Handler {
  return middleware.reduceRight<Handler>((next, wrap) => wrap(next), handler);
}
