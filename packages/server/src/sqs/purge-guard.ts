import type { Clock } from '@switchyard/core';
import { SqsError } from './errors.js';

/** SQS allows one PurgeQueue per queue every 60 seconds. */
export const purgeIntervalMs = 60_000;

/**
 * Remembers when each queue was last purged (on the server's clock) and refuses a second purge
 * within the interval with SQS's PurgeQueueInProgress. In memory: a restart forgets, which only
 * ever allows a purge SQS would have refused, never refuses one it would allow.
 */
export class PurgeGuard {
  readonly #last = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** Throws PurgeQueueInProgress when `queue` was purged less than 60 s ago. */
  check(queue: string): void {
    const last = this.#last.get(queue);
    if (last !== undefined && this.clock.now() - last < purgeIntervalMs) {
      throw new SqsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${queue} is allowed every 60 seconds.`,
        403,
        'AWS.SimpleQueueService.PurgeQueueInProgress',
      );
    }
  }

  purged(queue: string): void {
    this.#last.set(queue, this.clock.now());
  }

  /** A deleted queue's history goes with it. */
  forget(queue: string): void {
    this.#last.delete(queue);
  }
}
