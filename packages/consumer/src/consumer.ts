import { ClosedError, ErrorCode, isSwitchyardError, sleep, type Clock, type Delivery, type TimerHandle } from '@switchyard/core';
import { resolveConsumerOptions, type ConsumerOptions, type ResolvedConsumerOptions } from './consumer-options.js';
import { DeliveryRun } from './delivery-run.js';
import { compose, type Handler } from './handler.js';
import { dispositionOf } from './settle.js';
import { Slots } from './slots.js';

/**
 * Runs a handler over a queue. At most `concurrency` handlers run at once and at most
 * `concurrency + prefetch` messages are leased at any moment; leases are extended while a
 * message waits or is handled. Each delivery is settled by how its pipeline ends (see
 * handler.ts). Starts receiving at once.
 *
 * `close()` drains: it stops receiving, releases messages no handler has started, lets running
 * handlers finish for up to `drainTimeoutMs`, then aborts their signals and releases their
 * messages (a handler that ignores its signal keeps running, but its result is no longer used).
 * It never closes the broker.
 *
 *   await using consumer = new Consumer({ broker, queue: 'orders', handler, concurrency: 8 })
 */
export class Consumer implements AsyncDisposable {
  readonly #o: ResolvedConsumerOptions;
  readonly #clock: Clock;
  readonly #pipeline: Handler;
  readonly #slots: Slots;
  readonly #stopReceiving = new AbortController();
  readonly #buffer: DeliveryRun[] = [];
  readonly #running = new Set<DeliveryRun>();
  readonly #loop: Promise<void>;
  #idle: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: ConsumerOptions) {
    this.#o = resolveConsumerOptions(options);
    this.#clock = this.#o.broker.clock;
    this.#pipeline = compose(this.#o.middleware, this.#o.handler);
    this.#slots = new Slots(this.#o.concurrency + this.#o.prefetch);
    this.#loop = this.#receiveLoop();
  }

  get queue(): string {
    return this.#o.queue.name;
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Messages leased and waiting for a free handler. */
  get buffered(): number {
    return this.#buffer.length;
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#drain());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #receiveLoop(): Promise<void> {
    const o = this.#o;
    const signal = this.#stopReceiving.signal;
    const leaseMs = await this.#leaseLength();
    const maxBatch = o.broker.limits.maxBatch;
    while (leaseMs !== undefined && !signal.aborted) {
      if (!(await this.#slots.acquire())) break;
      const want = 1 + this.#slots.takeUpTo(maxBatch - 1);
      let batch: Delivery[];
      try {
        batch = await o.queue.receive({ max: want, waitMs: o.waitMs, visibilityMs: leaseMs, signal });
      } catch (err) {
        this.#slots.release(want);
        if (signal.aborted) break;
        if (isSwitchyardError(err, ErrorCode.Closed)) {
          o.logger.error({ err, queue: o.queue.name }, 'the engine is closed; the consumer stops receiving');
          break;
        }
        o.logger.error({ err, queue: o.queue.name }, 'receive failed; retrying');
        await sleep(this.#clock, o.errorBackoffMs, signal).catch(() => undefined);
        continue;
      }
      this.#slots.release(want - batch.length);
      for (const message of batch) this.#accept(message, leaseMs);
    }
  }

  /** The lease to ask for and keep extending: the option, or the queue's visibility timeout. */
  async #leaseLength(): Promise<number | undefined> {
    const o = this.#o;
    while (!this.#stopReceiving.signal.aborted) {
      if (o.visibilityMs !== undefined) return o.visibilityMs;
      try {
        return Math.max(1, (await o.queue.info()).visibilityTimeoutMs);
      } catch (err) {
        o.logger.error({ err, queue: o.queue.name }, 'cannot read the queue settings; retrying');
        await sleep(this.#clock, o.errorBackoffMs, this.#stopReceiving.signal).catch(() => undefined);
      }
    }
    return undefined;
  }

  #accept(message: Delivery, leaseMs: number): void {
    const o = this.#o;
    const run = new DeliveryRun(message, {
      broker: o.broker,
      queue: o.queue,
      clock: this.#clock,
      logger: o.logger,
      extendToMs: o.autoExtend ? leaseMs : undefined,
      nackDelayMs: o.nackDelayMs,
    });
    this.#buffer.push(run);
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.#o.concurrency && this.#buffer.length > 0 && !this.#closing) {
      const run = this.#buffer.shift() as DeliveryRun;
      this.#running.add(run);
      void this.#handle(run).finally(() => {
        this.#running.delete(run);
        this.#slots.release();
        if (this.#running.size === 0) this.#idle?.();
        this.#pump();
      });
    }
  }

  async #handle(run: DeliveryRun): Promise<void> {
    let outcome: { ok: true } | { ok: false; error: unknown };
    try {
      await this.#pipeline(run.message, run.context());
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (run.settled) return;
    await run.settle(dispositionOf(outcome, this.#o.nackDelayMs)).catch((err: unknown) => {
      const lost = isSwitchyardError(err, ErrorCode.ReceiptExpired);
      run.logger[lost ? 'warn' : 'error']({ err }, lost ? 'the lease ended before settling; the message will be delivered again' : 'settling failed');
    });
  }

  async #drain(): Promise<void> {
    // The deadline counts from the call to close().
    let timer: TimerHandle | undefined;
    const deadline = new Promise<void>((resolve) => (timer = this.#clock.setTimer(resolve, this.#o.drainTimeoutMs)));
    this.#stopReceiving.abort(new ClosedError('consumer'));
    this.#slots.abort();
    await this.#loop;
    // Messages no handler has started go back at once.
    await Promise.all(this.#buffer.splice(0).map((run) => this.#release(run)));
    if (this.#running.size > 0) await Promise.race([new Promise<void>((resolve) => (this.#idle = resolve)), deadline]);
    timer?.cancel();
    const late = [...this.#running];
    for (const run of late) run.abort(new ClosedError('consumer'));
    await Promise.all(late.map((run) => this.#release(run)));
  }

  #release(run: DeliveryRun): Promise<void> {
    return run.settle({ kind: 'nack', delayMs: 0 }).catch((err: unknown) => run.logger.warn({ err }, 'releasing the message failed; it comes back when its lease ends'));
  }
}
