import { randomUUID } from 'node:crypto';
import type { Logger } from '@switchyard/consumer';
import { describeError, sleep, type Broker, type Clock, type TimerHandle } from '@switchyard/core';
import { deliver } from './deliver.js';
import { resolveRelayOptions, type RelayOptions, type ResolvedRelayOptions } from './relay-options.js';
import type { ClaimedRow, OutboxStore } from './store.js';

/**
 * Moves outbox rows to the broker. It runs a round whenever a commit wakes it (an in-process
 * signal on SQLite, LISTEN/NOTIFY on PostgreSQL), and every `sweepIntervalMs` as a safety net;
 * a full batch is followed by another round at once.
 *
 * A round claims a batch (a lease, so relays on the same database never hold one row at the
 * same time), sends it, marks each chunk sent once the broker has accepted it, and gives back
 * what failed with a growing retry delay. Delivery is at least once: a relay that dies after the
 * broker accepted a chunk and before marking it leaves rows that are sent again when their lease
 * ends — with the same message ids, which the inbox (or a FIFO queue's deduplication) drops.
 *
 * Exclusivity rests on the lease: no send starts within a quarter of the lease (at most 5 s) of
 * its end. A relay stalled longer than that inside a send (a process paused for many seconds)
 * could overlap with the relay that took over; keep `leaseMs` well above any plausible stall.
 */
export class OutboxRelay implements AsyncDisposable {
  /** This relay's identity in the lease columns. */
  readonly owner = `relay-${randomUUID()}`;
  readonly #store: OutboxStore;
  readonly #broker: Broker;
  readonly #o: ResolvedRelayOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #loop: Promise<void>;
  #woken = false;
  #waiter: (() => void) | undefined;
  #sweepTimer: TimerHandle | undefined;
  #retryTimer: { at: number; handle: TimerHandle } | undefined;
  #closed = false;
  readonly #stop = new AbortController();
  #closing: Promise<void> | undefined;
  #lastCleanup = Number.NEGATIVE_INFINITY;

  constructor(store: OutboxStore, broker: Broker, options: RelayOptions = {}) {
    this.#o = resolveRelayOptions(options);
    this.#store = store;
    this.#broker = broker;
    this.#clock = this.#o.clock ?? broker.clock;
    this.#logger = this.#o.logger.child({ relay: this.owner, store: store.kind });
    this.#loop = this.#run();
  }

  /** Runs a round now (as a commit would); harmless when one is running. */
  wake(): void {
    this.#woken = true;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  /** Stops after the round in progress (its sent rows are marked); the rest stay for later. */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      this.#closed = true;
      this.#stop.abort();
      this.wake();
      await this.#loop;
      this.#sweepTimer?.cancel();
      this.#retryTimer?.handle.cancel();
    })());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #run(): Promise<void> {
    let unwatch: (() => Promise<void>) | undefined;
    try {
      unwatch = await this.#store.watch(() => this.wake());
    } catch (err) {
      this.#logger.error({ err }, 'cannot listen for commits; relying on the sweep');
    }
    this.#scheduleSweep();
    while (!this.#closed) {
      this.#woken = false;
      let claimed = 0;
      try {
        claimed = await this.#round();
      } catch (err) {
        // The database or the broker is in trouble: pause for a sweep interval, whatever wakes us.
        this.#logger.error({ err }, 'relay round failed; retrying after the sweep interval');
        await sleep(this.#clock, this.#o.sweepIntervalMs, this.#stop.signal).catch(() => undefined);
        continue;
      }
      if (this.#closed) break;
      if (claimed >= this.#o.batchSize || this.#woken) continue;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    await unwatch?.().catch((err: unknown) => this.#logger.warn({ err }, 'stopping the commit listener failed'));
  }

  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#sweepTimer = this.#clock.setTimer(() => {
      this.wake();
      this.#scheduleSweep();
    }, this.#o.sweepIntervalMs);
    this.#sweepTimer.unref?.();
  }

  /** One claim–send–mark round; returns how many rows it claimed. */
  async #round(): Promise<number> {
    const o = this.#o;
    const claimedAt = this.#clock.now();
    await this.#cleanup(claimedAt);
    const rows = await this.#store.claim(this.owner, claimedAt, o.leaseMs, o.batchSize);
    if (rows.length === 0) return 0;
    const result = await deliver(rows, {
      broker: this.#broker,
      chunk: Math.min(o.batchSize, this.#broker.limits.maxBatch),
      stopAt: claimedAt + o.leaseMs - Math.min(5000, Math.floor(o.leaseMs / 4)),
      now: () => this.#clock.now(),
      markSent: async (chunk) => {
        const at = this.#clock.now();
        this.#notifySent(chunk, at);
        await this.#store.markSent(
          chunk.map((r) => r.seq),
          at,
        );
      },
    });
    for (const { rows: failed, error } of result.failed) {
      const attempts = Math.max(...failed.map((r) => r.attempts));
      const delay = Math.min(o.maxRetryDelayMs, o.retryDelayMs * 2 ** Math.min(30, attempts - 1));
      const at = this.#clock.now() + delay;
      this.#logger.warn({ err: error, destination: failed[0]?.destination, rows: failed.length, attempts, retryInMs: delay }, 'the broker refused outbox messages; retrying later');
      await this.#store.release(this.owner, seqs(failed), at, describeError(error) ?? null);
      this.#retryAt(at);
    }
    for (const { rows: unmarked, error } of result.unmarked) {
      this.#logger.error({ err: error, rows: unmarked.length }, 'sent messages could not be marked; they will be sent again when their lease ends');
    }
    if (result.untried.length > 0) await this.#store.release(this.owner, seqs(result.untried), this.#clock.now(), null);
    return rows.length;
  }

  #notifySent(chunk: ClaimedRow[], at: number): void {
    if (!this.#o.onSent) return;
    try {
      this.#o.onSent({ messages: chunk.map((r) => ({ id: r.id, createdAt: r.createdAt })), destination: (chunk[0] as ClaimedRow).destination, at });
    } catch (err) {
      this.#logger.warn({ err }, 'the onSent hook threw');
    }
  }

  /** Wakes the relay when the earliest retry falls due (the sweep would too, but later). */
  #retryAt(at: number): void {
    if (this.#retryTimer && this.#retryTimer.at <= at) return;
    this.#retryTimer?.handle.cancel();
    const handle = this.#clock.setTimer(() => {
      this.#retryTimer = undefined;
      this.wake();
    }, at - this.#clock.now());
    handle.unref?.();
    this.#retryTimer = { at, handle };
  }

  /** Deletes sent rows past their retention, at most once per sweep interval. */
  async #cleanup(now: number): Promise<void> {
    const keep = this.#store.retainSentMs;
    if (keep === 0 || now - this.#lastCleanup < this.#o.sweepIntervalMs) return;
    this.#lastCleanup = now;
    for (let i = 0; i < 100; i++) {
      if ((await this.#store.cleanup(now - keep, 1000)) < 1000) return;
    }
  }
}

function seqs(rows: readonly ClaimedRow[]): number[] {
  return rows.map((r) => r.seq);
}
