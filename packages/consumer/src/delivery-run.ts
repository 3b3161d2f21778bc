import { Header, type Broker, type Clock, type Delivery, type Queue } from '@switchyard/core';
import type { HandlerContext, Settlement } from './handler.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { Logger } from './logger.js';
import { applyDisposition, clampDelay, type Disposition } from './settle.js';

export interface RunSettings {
  broker: Broker;
  queue: Queue;
  clock: Clock;
  logger: Logger;
  /** Lease length to keep extending to; undefined: no automatic extension. */
  extendToMs: number | undefined;
  nackDelayMs: number;
}

/**
 * One leased message inside the consumer: its lease keeper, its abort signal and its
 * settlement. Settles at most once: the first `settle` (from a middleware through the context,
 * from the consumer after the pipeline, or from a shutdown) wins, and later ones are no-ops.
 */
export class DeliveryRun {
  readonly message: Delivery;
  readonly #s: RunSettings;
  readonly #abort = new AbortController();
  readonly #keeper: LeaseKeeper | undefined;
  readonly logger: Logger;
  #settlement: Settlement | undefined;
  #settling: Promise<void> | undefined;

  constructor(message: Delivery, settings: RunSettings) {
    this.message = message;
    this.#s = settings;
    this.logger = settings.logger.child({
      queue: settings.queue.name,
      messageId: message.id,
      type: message.type,
      attempt: message.attempt,
      correlationId: correlationIdOf(message),
    });
    if (settings.extendToMs !== undefined) {
      this.#keeper = new LeaseKeeper(settings.queue, message.receipt, settings.extendToMs, settings.clock, this.logger, (err) => {
        this.logger.warn({ err }, 'lease lost while handling; the message may be delivered again');
        this.abort(err);
      });
    }
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get settled(): boolean {
    return this.#settling !== undefined;
  }

  abort(reason: unknown): void {
    if (!this.#abort.signal.aborted) this.#abort.abort(reason);
  }

  context(): HandlerContext {
    const s = this.#s;
    return {
      signal: this.#abort.signal,
      broker: s.broker,
      queue: s.queue,
      clock: s.clock,
      logger: this.logger,
      correlationId: correlationIdOf(this.message),
      ack: () => this.settle({ kind: 'ack' }),
      nack: (o = {}) => this.settle({ kind: 'nack', delayMs: clampDelay(o.delayMs ?? 0), error: o.error }),
      deadLetter: (error) => this.settle({ kind: 'dead-letter', error }),
      settled: () => this.#settlement,
    };
  }

  /**
   * Settles once; rejects if the engine refuses (a lost lease: the message will be delivered
   * again). Stops the lease keeper first so no extension races the settlement.
   */
  settle(d: Disposition): Promise<void> {
    if (this.#settling) return this.#settling;
    this.#keeper?.stop();
    this.#settlement = d.kind;
    this.#settling = applyDisposition(this.#s.queue, this.message, d, this.#s.nackDelayMs, (err) => {
      this.logger.error({ err }, 'the queue has no dead-letter queue; nacking the message instead');
    }).then((done) => {
      this.#settlement = done;
    });
    return this.#settling;
  }
}

export function correlationIdOf(message: { id: string; headers: Record<string, string> }): string {
  return message.headers[Header.correlationId] ?? message.id;
}
