import { BulkheadRejectedError } from './errors.js';
import { PolicyBase, onAbort, runIn, type ExecuteContext, type Task } from './policy.js';
import { checkCount } from './validate.js';

export interface BulkheadOptions {
  /** Calls allowed to run at once (≥ 1). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot, first come first served (default 0). */
  maxQueue?: number;
}

interface Waiter {
  start: () => void;
}

/**
 * Limits concurrency so one slow dependency cannot take every resource. Contract: at most
 * `maxConcurrent` tasks run at once; at most `maxQueue` wait, and they start in arrival order;
 * a call beyond both is rejected at once with `BulkheadRejectedError`. A waiting call whose
 * signal aborts leaves the queue and rejects with the signal's reason.
 */
export class BulkheadPolicy extends PolicyBase {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  #running = 0;
  readonly #queue: Waiter[] = [];

  constructor(options: BulkheadOptions) {
    super();
    this.maxConcurrent = checkCount('bulkhead.maxConcurrent', options.maxConcurrent);
    this.maxQueue = checkCount('bulkhead.maxQueue', options.maxQueue ?? 0, 0);
  }

  /** Free execution slots now. */
  get executionSlots(): number {
    return this.maxConcurrent - this.#running;
  }

  /** Free queue slots now. */
  get queueSlots(): number {
    return this.maxQueue - this.#queue.length;
  }

  async [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T> {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (this.#running >= this.maxConcurrent) {
      if (this.#queue.length >= this.maxQueue) throw new BulkheadRejectedError(this.maxConcurrent, this.maxQueue);
      await this.#wait(ctx.signal);
    } else {
      this.#running++;
    }
    try {
      return await fn(ctx);
    } finally {
      this.#release();
    }
  }

  /** Resolves once a slot has been handed to this call (the slot is already counted). */
  #wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          unlink();
          resolve();
        },
      };
      const unlink = onAbort(signal, () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal.reason);
      });
      this.#queue.push(waiter);
    });
  }

  #release(): void {
    const next = this.#queue.shift();
    // The slot passes straight to the next waiter, so a newcomer cannot jump the queue.
    if (next) next.start();
    else this.#running--;
  }
}
