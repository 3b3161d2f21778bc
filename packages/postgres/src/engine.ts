import {
  longPoll,
  untilQuiet,
  redriveInSteps,
  ClosedError,
  supported,
  type AdminEngine,
  type Clock,
  type Delivery,
  type EncodedBody,
  type Engine,
  type EnqueueEntry,
  type Features,
  type LeaseRequest,
  type QueueEngine,
  type RedriveOptions,
  type RedriveResult,
  type TimerHandle,
  type TopicEngine,
} from '@switchyard/core';
import * as admin from './admin-queues.js';
import { Db, type Tx } from './db.js';
import { closingController, Coalescer } from '@switchyard/core';
import { enqueue } from './enqueue.js';
import { fastEnqueue, fastLease, fastRemove } from './fast-path.js';
import { sweep } from './expiry.js';
import * as inspect from './inspect.js';
import { leaseNow } from './lease.js';
import { resolvePostgresOptions, type PostgresEngineOptions, type ResolvedPostgresOptions } from './options.js';
import { checkRedrive, redriveStep } from './redrive.js';
import { parseReceipt } from './receipt.js';
import * as settle from './settle.js';
import { createStreamEngine, type PostgresStreams } from './streams/stream-engine.js';
import * as topics from './topics.js';
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

/** Messages moved per transaction by redrive. */
const redriveChunk = 100;

/**
 * Queues, topics and streams in PostgreSQL tables (one schema per broker). Every operation is one
 * transaction; many engines, in any number of processes, may share a schema: row locks with
 * SKIP LOCKED keep a message leased by one consumer at a time, advisory locks keep FIFO groups
 * consistent, a stream partition's row lock keeps its offsets dense and committed in order (see
 * streams/locks.ts), and LISTEN/NOTIFY wakes waiting consumers and readers. Concurrent commits share WAL flushes
 * (PostgreSQL's own group commit), so durable throughput grows with the pool's concurrency.
 */
export class PostgresEngine implements Engine {
  readonly name = 'postgres';
  readonly features = features;
  readonly options: ResolvedPostgresOptions;
  readonly queues: QueueEngine;
  readonly topics: TopicEngine;
  readonly admin: AdminEngine;
  readonly streams: PostgresStreams;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #waiters: Waiters;
  readonly #aborts = closingController();
  #closed = false;
  /**
   * Sends and acks of standard queues coalesce per queue: while two statements for a queue are
   * running, later calls wait and then go as one INSERT or DELETE (group commit, see
   * coalescer.ts). Each call stays atomic: a batch's statement stores or deletes all of it or
   * none. Resolves false for calls the general path must handle.
   */
  readonly #sends = new Coalescer<readonly EnqueueEntry[], boolean>(
    async (queue, batches) => {
      const all = batches.flat();
      const stored = await fastEnqueue(this.#db, this.#clock.now(), queue, all);
      if (stored) this.#waiters.notify(queue, all.length);
      return batches.map(() => stored !== undefined);
    },
    { concurrency: 2, maxItems: 500 },
  );
  readonly #acks = new Coalescer<string, boolean>((queue, receipts) => fastRemove(this.#db, this.#clock.now(), queue, receipts), { concurrency: 2, maxItems: 500 });
  #sweepTimer: TimerHandle | undefined;

  constructor(options: PostgresEngineOptions) {
    this.options = resolvePostgresOptions(options);
    this.#clock = this.options.clock;
    this.#waiters = new Waiters(this.#clock);
    this.#db = new Db(this.options.url, this.options.schema, this.options.poolSize, this.#clock, this.#waiters);
    this.queues = this.#queueEngine();
    this.topics = { publish: (topic, entries) => this.#tx((tx) => topics.publish(tx, topic, entries)) };
    this.admin = this.#adminEngine();
    this.streams = createStreamEngine({
      clock: this.#clock,
      waiters: this.#waiters,
      tx: (fn, mode) => (this.#closed ? Promise.reject(new ClosedError()) : this.#db.tx(fn, mode)),
      closing: this.#aborts.signal,
    });
  }

  /** Creates the schema when missing and starts listening. Called once by `openPostgresEngine`. */
  async open(): Promise<this> {
    await this.#db.open();
    this.#scheduleSweep();
    return this;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweepTimer?.cancel();
    this.#aborts.abort(new ClosedError());
    this.#waiters.notifyAll();
    // Calls accepted before close (running, or waiting in a coalescer) finish first.
    await this.settled();
    await this.#db.close();
  }

  /**
   * Resolves once no transaction has been in flight for a few turns of the event loop. A test
   * that drives the injected clock awaits it after moving time, so work the move started (a
   * delayed message becoming ready, a rate-limited redrive) reaches the server before the test
   * looks (see tests/engines/settled-clock.ts).
   */
  settled(): Promise<void> {
    return untilQuiet(() => this.#db.inFlight);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ClosedError());
    return this.#db.tx(fn);
  }

  #queueEngine(): QueueEngine {
    return {
      enqueue: async (queue, entries) => {
        if (this.#closed) throw new ClosedError();
        if (!queue.endsWith('.fifo')) {
          const stored = await this.#sends.submit(queue, entries);
          if (stored) return entries.map((e) => ({ id: e.id, duplicate: false }));
        }
        return this.#tx((tx) => enqueue(tx, queue, entries));
      },
      lease: (queue, request, signal) => this.#lease(queue, request, signal),
      remove: async (queue, receipt) => {
        if (this.#closed) throw new ClosedError();
        parseReceipt(receipt);
        if (!(await this.#acks.submit(queue, receipt))) await this.#tx((tx) => settle.remove(tx, queue, receipt));
      },
      release: (queue, receipt, o) => this.#tx((tx) => settle.release(tx, queue, receipt, o.delayMs, o.error ?? null)),
      extendLease: (queue, receipt, ms) => this.#tx((tx) => settle.extendLease(tx, queue, receipt, ms)),
      moveToDeadLetter: (queue, receipt, o) => this.#tx((tx) => settle.deadLetter(tx, queue, receipt, o.error ?? null)),
      redrive: (queue, options, signal) => this.#redrive(queue, options, signal),
      purge: (queue) => this.#tx((tx) => inspect.purge(tx, queue)),
      peek: (queue, request) => this.#tx((tx) => inspect.peek(tx, queue, request)),
      stats: (queue) => this.#tx((tx) => inspect.stats(tx, queue)),
    };
  }

  #adminEngine(): AdminEngine {
    return {
      createQueue: (name, o) => this.#tx((tx) => admin.createQueue(tx, name, o)),
      updateQueue: (name, changes) => this.#tx((tx) => admin.updateQueue(tx, name, changes)),
      deleteQueue: (name) => this.#tx((tx) => admin.deleteQueue(tx, name)),
      getQueue: (name) => this.#tx((tx) => admin.getQueue(tx, name)),
      listQueues: (prefix) => this.#tx((tx) => admin.listQueues(tx, prefix)),
      listDeadLetterSources: (name) => this.#tx((tx) => admin.listDeadLetterSources(tx, name)),
      createTopic: (name) => this.#tx((tx) => topics.createTopic(tx, name)),
      deleteTopic: (name) => this.#tx((tx) => topics.deleteTopic(tx, name)),
      listTopics: (prefix) => this.#tx((tx) => topics.listTopics(tx, prefix)),
      subscribe: (topic, o) => this.#tx((tx) => topics.subscribe(tx, topic, o)),
      unsubscribe: (topic, id) => this.#tx((tx) => topics.unsubscribe(tx, topic, id)),
      listSubscriptions: (topic) => this.#tx((tx) => topics.listSubscriptions(tx, topic)),
    };
  }

  #lease(queue: string, request: LeaseRequest, signal?: AbortSignal): Promise<Delivery<EncodedBody>[]> {
    const closing = this.#aborts.signal;
    return longPoll({
      clock: this.#clock,
      waiters: this.#waiters,
      waitMs: request.waitMs,
      signal,
      closing,
      look: async () => {
        // Read before looking, so a wake-up between the transaction and the wait is not missed.
        const version = this.#waiters.version(queue);
        const fast = await fastLease(this.#db, this.#clock.now(), queue, request);
        if (fast.complete || closing.aborted) return { found: fast.deliveries, key: queue, version, nextVisibleAt: this.#clock.now() };
        const rest = { ...request, max: request.max - fast.deliveries.length };
        const r = await this.#tx((tx) => leaseNow(tx, queue, rest, fast.seqs));
        return { found: [...fast.deliveries, ...r.deliveries], key: queue, version, nextVisibleAt: r.nextVisibleAt };
      },
    });
  }


  async #redrive(queue: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult> {
    await this.#tx((tx) => checkRedrive(tx, queue, options));
    return redriveInSteps({
      clock: this.#clock,
      options,
      signal,
      closing: this.#aborts.signal,
      chunk: redriveChunk,
      start: 0,
      step: (cursor, limit) => this.#tx((tx) => redriveStep(tx, queue, options.to, cursor, limit)),
    });
  }

  /**
   * Queue expiry, then stream retention, each on its own; a failed pass (say, the server is away)
   * is retried at the next.
   */
  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#sweepTimer = this.#clock.setTimer(() => {
      this.#tx((tx) => sweep(tx))
        .catch(() => undefined)
        .then(() => this.streams.sweep())
        .catch(() => undefined)
        .finally(() => this.#scheduleSweep());
    }, this.options.sweepIntervalMs);
    this.#sweepTimer.unref?.();
  }
}
