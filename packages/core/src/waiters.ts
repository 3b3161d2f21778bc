import type { Clock, TimerHandle } from './clock.js';

interface Waiter {
  wake: () => void;
}

/**
 * Long-poll waiters per queue (for engines; keyed by whatever names a queue to the engine). A consumer that found nothing waits here until a change to its
 * queue is announced (a send, a nack, a dead-letter move, a redrive), until the next message
 * becomes visible, or until its deadline — never by polling the table.
 *
 * Each queue has a version that every announcement bumps. A consumer reads the version inside
 * the transaction that found nothing and waits "since" it, so an announcement made between that
 * transaction and the wait is not missed.
 */
export class Waiters<K extends string | number = string> {
  readonly #clock: Clock;
  readonly #byQueue = new Map<K, Set<Waiter>>();
  readonly #versions = new Map<K, number>();
  #count = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#count;
  }

  version(queueId: K): number {
    return this.#versions.get(queueId) ?? 0;
  }

  /** Announces a change to a queue: wakes up to `n` waiters, oldest first. */
  notify(queueId: K, n = Number.POSITIVE_INFINITY): void {
    this.#versions.set(queueId, this.version(queueId) + 1);
    const set = this.#byQueue.get(queueId);
    if (!set) return;
    for (const w of set) {
      if (n-- <= 0) break;
      w.wake();
    }
  }

  /** Wakes every waiter on every queue (the engine lost track of changes, e.g. a reconnect; or closing). */
  notifyAll(): void {
    for (const id of this.#byQueue.keys()) this.notify(id);
  }

  /**
   * Resolves when the queue's version moves past `sinceVersion`, at `until` (clock time), or when
   * the signal aborts — whichever comes first. Never rejects. With `handle`, its `wake` is set to
   * a function that ends this wait at once (for an engine that hands messages to this waiter
   * directly); it stays undefined when the wait ended before it began.
   */
  wait(queueId: K, sinceVersion: number, until: number, signal?: AbortSignal, handle?: { wake?: () => void }): Promise<void> {
    if (this.version(queueId) !== sinceVersion || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let set = this.#byQueue.get(queueId);
      if (!set) this.#byQueue.set(queueId, (set = new Set()));
      let timer: TimerHandle | undefined;
      const waiter: Waiter = {
        wake: () => {
          timer?.cancel();
          signal?.removeEventListener('abort', waiter.wake);
          if (set.delete(waiter)) this.#count--;
          if (set.size === 0) this.#byQueue.delete(queueId);
          resolve();
        },
      };
      set.add(waiter);
      this.#count++;
      if (handle) handle.wake = waiter.wake;
      if (Number.isFinite(until)) timer = this.#clock.setTimer(waiter.wake, until - this.#clock.now());
      signal?.addEventListener('abort', waiter.wake, { once: true });
    });
  }
}
