import {
  longPoll,
  untilQuiet,
  redriveInSteps,
  InvalidArgumentError,
  InvalidReceiptError,
  ReceiptExpiredError,
  ClosedError,
  supported,
  type AdminEngine,
  type Clock,
  type Delivery,
  type EncodedBody,
  type Engine,
  type EnqueueEntry,
  type EnqueueResult,
  type Features,
  type LeaseRequest,
  type QueueEngine,
  type RedriveOptions,
  type RedriveResult,
  type TimerHandle,
  type TopicEngine,
} from '@switchyard/core';
import { adminEngine } from './admin.js';
import { closingController, Coalescer } from '@switchyard/core';
import { isFifoName } from './codec.js';
import { Connection } from './connection.js';
import { resolveRedisOptions, type RedisEngineOptions, type ResolvedRedisOptions } from './options.js';
import * as q from './queues.js';
import { parseReceipt, type Receipt } from './receipt.js';
import { createStreamEngine, type RedisStreams } from './streams/stream-engine.js';
import { Waiters } from '@switchyard/core';

const features: Features = {
  fifo: supported,
  delays: supported,
  deadLetter: supported,
  redrive: supported,
  peek: supported,
  topics: supported,
  retention: supported,
  streams: supported,
  deadLetterCounts: supported,
  injectedClock: supported,
  streamClock: supported,
  streamTransactions: supported,
};

/** Messages moved per script by redrive. */
const redriveChunk = 100;
/** Records removed per partition by one pass of the retention sweep. */
const sweepChunk = 10_000;

/**
 * Queues, topics and streams in Redis: queues are sorted sets by visibility time, stream
 * partitions are Redis Streams with an entry id per offset; one Lua script per state change,
 * the clock's time passed into every script (the server's clock is never read). Waiting
 * consumers and readers are woken by pub/sub, never by polling. Durability is the server's: a
 * resolved send or append survives a server crash only with `appendonly yes` and
 * `appendfsync always`.
 */
export class RedisEngine implements Engine {
  readonly name = 'redis';
  readonly features = features;
  readonly options: ResolvedRedisOptions;
  readonly queues: QueueEngine;
  readonly topics: TopicEngine;
  readonly admin: AdminEngine;
  readonly streams: RedisStreams;
  readonly #conn: Connection;
  readonly #clock: Clock;
  readonly #waiters: Waiters;
  readonly #aborts = closingController();
  #closed = false;
  #sweepTimer: TimerHandle | undefined;
  /**
   * Sends and acks coalesce per queue: while two scripts for a queue are running, later calls
   * wait and then go as one script (see coalescer.ts); with `appendfsync always` they share one
   * fsync. Each send stays atomic (a script stores all of its batch or nothing), and each ack
   * gets its own outcome.
   */
  readonly #sends = new Coalescer<readonly EnqueueEntry[], EnqueueResult[]>(
    async (queue, batches) => {
      const results = await q.enqueue(this.#conn, queue, batches.flat());
      this.#waiters.notify(queue, results.filter((r) => !r.duplicate).length);
      let at = 0;
      return batches.map((b) => results.slice(at, (at += b.length)));
    },
    { concurrency: 2, maxItems: 500 },
  );
  readonly #acks = new Coalescer<Receipt, 1 | 'expired' | 'invalid'>(
    async (queue, receipts) => {
      const ids = new Set(receipts.map((r) => r.queueId));
      // Receipts naming different queue ids cannot share the script's id check: run them apart.
      if (ids.size > 1) return Promise.all(receipts.map(async (r) => ((await this.#conn.scripts.run('syRemoveMany', queue, r.queueId, r.seq, r.lease)) as [1])[0]));
      const first = receipts[0] as Receipt;
      return (await this.#conn.scripts.run('syRemoveMany', queue, first.queueId, ...receipts.flatMap((r) => [r.seq, r.lease]))) as (1 | 'expired' | 'invalid')[];
    },
    { concurrency: 2, maxItems: 500 },
  );

  constructor(options: RedisEngineOptions) {
    this.options = resolveRedisOptions(options);
    this.#clock = this.options.clock;
    this.#waiters = new Waiters(this.#clock);
    this.#conn = new Connection(this.options, this.#waiters);
    this.queues = this.#queueEngine();
    this.topics = { publish: (topic, entries) => this.#run(() => q.publish(this.#conn, topic, entries)) };
    this.admin = adminEngine(this.#conn, this.options.prefix, () => this.#clock.now(), (fn) => this.#run(fn));
    this.streams = createStreamEngine({
      conn: this.#conn,
      clock: this.#clock,
      waiters: this.#waiters,
      run: (fn) => this.#run(fn),
      isClosed: () => this.#closed,
      closing: this.#aborts.signal,
    });
  }

  async open(): Promise<this> {
    await this.#conn.open();
    this.#scheduleSweep();
    return this;
  }

  /** Stream retention on the engine's clock; a failed pass (say, the server is away) is retried at the next. */
  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#sweepTimer = this.#clock.setTimer(() => {
      void this.streams
        .sweep(sweepChunk)
        .catch(() => undefined)
        .finally(() => this.#scheduleSweep());
    }, this.options.sweepIntervalMs);
    this.#sweepTimer.unref?.();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweepTimer?.cancel();
    this.#aborts.abort(new ClosedError());
    this.#waiters.notifyAll();
    // Calls accepted before close (running, or waiting in a coalescer) finish first; QUIT is
    // answered after the commands sent before it.
    await this.settled();
    await this.#conn.close();
  }

  /** Resolves once no command has been in flight for a few turns of the event loop (see tests/engines/settled-clock.ts). */
  settled(): Promise<void> {
    return untilQuiet(() => this.#conn.inFlight);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ClosedError());
    return this.#conn.track(fn());
  }

  /** Runs a script on a receipt: the queue id, seq and lease token it names come first. */
  #settle(name: 'syRelease' | 'syExtend' | 'syDeadLetter', queue: string, receipt: string, ...rest: (string | number)[]): Promise<void> {
    return this.#run(async () => {
      const r = parseReceipt(receipt);
      await this.#conn.scripts.run(name, queue, r.queueId, r.seq, r.lease, ...rest);
    });
  }

  #queueEngine(): QueueEngine {
    const c = this.#conn;
    const notify = (queue: string, n: number) => this.#waiters.notify(queue, n);
    return {
      // FIFO sends go alone: one send's refusal (a missing group key) must not fail another's.
      enqueue: (queue, entries) => this.#run(() => (isFifoName(queue) ? q.enqueue(c, queue, entries) : this.#sends.submit(queue, entries))),
      lease: (queue, request, signal) => this.#lease(queue, request, signal),
      remove: (queue, receipt) =>
        this.#run(async () => {
          const outcome = await this.#acks.submit(queue, parseReceipt(receipt));
          if (outcome === 'expired') throw new ReceiptExpiredError(queue);
          if (outcome === 'invalid') throw new InvalidReceiptError(`it was issued by another queue, not ${JSON.stringify(queue)}`);
          notify(queue, 1);
        }),
      release: (queue, receipt, o) => this.#settle('syRelease', queue, receipt, o.delayMs, o.error ?? '').then(() => notify(queue, 1)),
      extendLease: (queue, receipt, ms) => this.#settle('syExtend', queue, receipt, ms).then(() => void (ms === 0 && notify(queue, 1))),
      moveToDeadLetter: (queue, receipt, o) => this.#settle('syDeadLetter', queue, receipt, o.error ?? '').then(() => this.#waiters.notifyAll()),
      redrive: (queue, options, signal) => this.#redrive(queue, options, signal),
      purge: (queue) => this.#run(async () => Number(await c.scripts.run('syPurge', queue))),
      peek: (queue, request) => this.#run(() => q.peek(c, queue, request, this.#clock.now())),
      stats: (queue) => this.#run(() => q.stats(c, queue, this.#clock.now())),
    };
  }

  #lease(queue: string, request: LeaseRequest, signal?: AbortSignal): Promise<Delivery<EncodedBody>[]> {
    return longPoll({
      clock: this.#clock,
      waiters: this.#waiters,
      waitMs: request.waitMs,
      signal,
      closing: this.#aborts.signal,
      look: async () => {
        // Read before looking, so a wake-up between the script and the wait is not missed.
        const version = this.#waiters.version(queue);
        const r = await this.#run(() => q.lease(this.#conn, queue, request));
        return { found: r.deliveries, key: queue, version, nextVisibleAt: r.nextVisibleAt };
      },
    });
  }

  async #redrive(queue: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult> {
    await this.#run(async () => {
      const dlq = await this.admin.getQueue(queue);
      if (options.to === undefined) return;
      const to = await this.admin.getQueue(options.to);
      if (to.fifo !== dlq.fifo) throw new InvalidArgumentError('to', `cannot redrive from a ${kind(dlq.fifo)} queue to a ${kind(to.fifo)} queue`);
      if (to.name === dlq.name) throw new InvalidArgumentError('to', 'cannot redrive a queue into itself');
    });
    return redriveInSteps({
      clock: this.#clock,
      options,
      signal,
      closing: this.#aborts.signal,
      chunk: redriveChunk,
      start: '',
      step: async (cursor, limit) => {
        const [moved, skipped, last, done] = (await this.#run(() => this.#conn.scripts.run('syRedrive', queue, cursor, limit, options.to ?? ''))) as [number, number, string, number];
        if (moved > 0) this.#waiters.notifyAll();
        return { moved, skipped, cursor: last, done: done === 1 };
      },
    });
  }
}

function kind(fifo: boolean): string {
  return fifo ? 'FIFO' : 'standard';
}
