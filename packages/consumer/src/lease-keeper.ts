import { isSwitchyardError, ErrorCode, type Clock, type Queue, type TimerHandle } from '@switchyard/core';
import { LeaseLostError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Keeps one delivery's lease alive while it waits for a handler or is being handled: whenever
 * half of the lease is left it extends the lease to `leaseMs` from now. When the engine says the
 * lease has ended (or the extension cannot be made before it ends), `onLost` is called once and
 * the keeper stops: the message may already be with another consumer.
 */
export class LeaseKeeper {
  readonly #queue: Queue;
  readonly #receipt: string;
  readonly #leaseMs: number;
  readonly #clock: Clock;
  readonly #onLost: (err: LeaseLostError) => void;
  readonly #logger: Logger;
  #timer: TimerHandle | undefined;
  #leaseEnd: number;
  #stopped = false;

  constructor(queue: Queue, receipt: string, leaseMs: number, clock: Clock, logger: Logger, onLost: (err: LeaseLostError) => void) {
    this.#queue = queue;
    this.#receipt = receipt;
    this.#leaseMs = leaseMs;
    this.#clock = clock;
    this.#logger = logger;
    this.#onLost = onLost;
    this.#leaseEnd = clock.now() + leaseMs;
    this.#schedule(Math.floor(leaseMs / 2));
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimer(() => void this.#extend(), Math.max(1, ms));
  }

  async #extend(): Promise<void> {
    if (this.#stopped) return;
    const asked = this.#clock.now();
    try {
      await this.#queue.extend(this.#receipt, this.#leaseMs);
      this.#leaseEnd = asked + this.#leaseMs;
      this.#schedule(Math.floor(this.#leaseMs / 2));
    } catch (err) {
      if (this.#stopped) return;
      const ended = isSwitchyardError(err, ErrorCode.ReceiptExpired) || isSwitchyardError(err, ErrorCode.InvalidReceipt);
      const left = this.#leaseEnd - this.#clock.now();
      if (ended || left <= 0) {
        this.stop();
        this.#onLost(new LeaseLostError(this.#queue.name, { cause: err }));
        return;
      }
      // A passing failure (the engine is busy or restarting): try again while the lease lasts.
      this.#logger.warn({ err, queue: this.#queue.name, leftMs: left }, 'lease extension failed; retrying');
      this.#schedule(Math.floor(left / 2));
    }
  }
}
