import { checkBoolean, checkInt, InvalidArgumentError, queueLimits, type Broker, type Queue } from '@switchyard/core';
import type { Handler, Middleware } from './handler.js';
import { defaultLogger, type Logger } from './logger.js';

export interface ConsumerOptions {
  broker: Broker;
  /** The queue to consume, by name or handle. */
  queue: string | Queue;
  handler: Handler;
  /** Wrapped around the handler, first = outermost. Default none. */
  middleware?: readonly Middleware[];
  /** Handlers running at once. Default 1; 1 to 1000. */
  concurrency?: number;
  /**
   * Messages leased ahead of free handlers, so the next one is ready when a handler finishes.
   * At most `concurrency + prefetch` messages are leased at any moment. Default 0; 0 to 10 000.
   */
  prefetch?: number;
  /** Lease length per receive. Default: the queue's visibility timeout; 1 ms to 12 h. */
  visibilityMs?: number;
  /**
   * Extend each lease while its message waits or is being handled, when half of it is left,
   * so long handlers keep their message. Default true.
   */
  autoExtend?: boolean;
  /** Long-poll wait of each receive. Default 20 000 ms; 1 to 60 000. */
  waitMs?: number;
  /** Delay of the nack after an ordinary failure. Default 1000 ms; 0 to 12 h. */
  nackDelayMs?: number;
  /** How long `close()` lets running handlers finish before aborting them. Default 30 000 ms; 0 to 12 h. */
  drainTimeoutMs?: number;
  /** Pause after a receive fails (the engine is down, the queue is missing). Default 1000 ms; 1 to 600 000. */
  errorBackoffMs?: number;
  /** Default: pino to stdout, named `switchyard-consumer`. */
  logger?: Logger;
}

export interface ResolvedConsumerOptions {
  broker: Broker;
  queue: Queue;
  handler: Handler;
  middleware: readonly Middleware[];
  concurrency: number;
  prefetch: number;
  visibilityMs: number | undefined;
  autoExtend: boolean;
  waitMs: number;
  nackDelayMs: number;
  drainTimeoutMs: number;
  errorBackoffMs: number;
  logger: Logger;
}

const known = new Set([
  'broker',
  'queue',
  'handler',
  'middleware',
  'concurrency',
  'prefetch',
  'visibilityMs',
  'autoExtend',
  'waitMs',
  'nackDelayMs',
  'drainTimeoutMs',
  'errorBackoffMs',
  'logger',
]);

/** Validates consumer options and fills in the defaults documented above. */
export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!known.has(key)) throw new InvalidArgumentError(key, 'is not a consumer option');
  const { broker } = options;
  // Shapes rather than instanceof, so two copies of core still work together.
  if (typeof broker?.queue !== 'function') throw new InvalidArgumentError('broker', 'must be a Broker');
  const queue = typeof options.queue === 'string' ? broker.queue(options.queue) : options.queue;
  if (typeof queue?.receive !== 'function') throw new InvalidArgumentError('queue', 'must be a queue name or a Queue');
  if (typeof options.handler !== 'function') throw new InvalidArgumentError('handler', 'must be a function');
  const middleware = options.middleware ?? [];
  if (!Array.isArray(middleware) || middleware.some((m) => typeof m !== 'function')) {
    throw new InvalidArgumentError('middleware', 'must be an array of functions (next) => handler');
  }
  const autoExtend = checkBoolean('autoExtend', options.autoExtend ?? true);
  const logger = options.logger ?? defaultLogger('switchyard-consumer');
  if (typeof logger?.child !== 'function') throw new InvalidArgumentError('logger', 'must be a pino-style logger');
  return {
    broker,
    queue,
    handler: options.handler,
    middleware,
    concurrency: checkInt('concurrency', options.concurrency ?? 1, { min: 1, max: 1000 }),
    prefetch: checkInt('prefetch', options.prefetch ?? 0, { min: 0, max: 10_000 }),
    visibilityMs: options.visibilityMs === undefined ? undefined : checkInt('visibilityMs', options.visibilityMs, { min: 1, max: queueLimits.visibilityTimeoutMs.max }),
    autoExtend,
    waitMs: checkInt('waitMs', options.waitMs ?? 20_000, { min: 1, max: queueLimits.waitMs.max }),
    nackDelayMs: checkInt('nackDelayMs', options.nackDelayMs ?? 1000, queueLimits.nackDelayMs),
    drainTimeoutMs: checkInt('drainTimeoutMs', options.drainTimeoutMs ?? 30_000, { min: 0, max: 12 * 3600_000 }),
    errorBackoffMs: checkInt('errorBackoffMs', options.errorBackoffMs ?? 1000, { min: 1, max: 600_000 }),
    logger,
  };
}
