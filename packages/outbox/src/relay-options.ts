import { defaultLogger, type Logger } from '@switchyard/consumer';
import { checkInt, InvalidArgumentError, type Clock } from '@switchyard/core';

export interface SentEvent {
  /** Message ids with the time their row was written, just accepted by the broker. */
  messages: readonly { id: string; createdAt: number }[];
  destination: string;
  /** The relay's clock when the broker accepted them. */
  at: number;
}

export interface RelayOptions {
  /** Rows claimed per round. Default 100; 1 to 10 000. */
  batchSize?: number;
  /**
   * How long a claim lasts. Another relay takes the rows over only after it ends, so it must
   * exceed the time one round takes. Default 30 000 ms; 1000 to 3 600 000.
   */
  leaseMs?: number;
  /**
   * The safety net: how often the relay looks for rows even without a wake-up (commits by other
   * processes on SQLite, a dropped LISTEN connection on PostgreSQL). Default 1000 ms; 10 to 3 600 000.
   */
  sweepIntervalMs?: number;
  /** First retry delay of a row the broker refused, doubling per attempt. Default 1000 ms; 1 to 3 600 000. */
  retryDelayMs?: number;
  /** Cap of that delay. Default 60 000 ms; 1 to 86 400 000. */
  maxRetryDelayMs?: number;
  /** Default: the broker's clock. */
  clock?: Clock;
  /** Default: pino, named `switchyard-outbox`. */
  logger?: Logger;
  /** Called after each batch the broker accepted, before it is marked sent (metrics: lag, throughput). */
  onSent?: (event: SentEvent) => void;
}

export interface ResolvedRelayOptions {
  batchSize: number;
  leaseMs: number;
  sweepIntervalMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  clock: Clock | undefined;
  logger: Logger;
  onSent: ((event: SentEvent) => void) | undefined;
}

const known = new Set(['batchSize', 'leaseMs', 'sweepIntervalMs', 'retryDelayMs', 'maxRetryDelayMs', 'clock', 'logger', 'onSent']);

export function resolveRelayOptions(options: RelayOptions = {}): ResolvedRelayOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  for (const key of Object.keys(options)) if (!known.has(key)) throw new InvalidArgumentError(key, 'is not a relay option');
  if (options.onSent !== undefined && typeof options.onSent !== 'function') throw new InvalidArgumentError('onSent', 'must be a function');
  const retryDelayMs = checkInt('retryDelayMs', options.retryDelayMs ?? 1000, { min: 1, max: 3_600_000 });
  const maxRetryDelayMs = checkInt('maxRetryDelayMs', options.maxRetryDelayMs ?? 60_000, { min: 1, max: 86_400_000 });
  if (retryDelayMs > maxRetryDelayMs) throw new InvalidArgumentError('retryDelayMs', `must not exceed maxRetryDelayMs (${maxRetryDelayMs})`);
  return {
    batchSize: checkInt('batchSize', options.batchSize ?? 100, { min: 1, max: 10_000 }),
    leaseMs: checkInt('leaseMs', options.leaseMs ?? 30_000, { min: 1000, max: 3_600_000 }),
    sweepIntervalMs: checkInt('sweepIntervalMs', options.sweepIntervalMs ?? 1000, { min: 10, max: 3_600_000 }),
    retryDelayMs,
    maxRetryDelayMs,
    clock: options.clock,
    logger: options.logger ?? defaultLogger('switchyard-outbox'),
    onSent: options.onSent,
  };
}
