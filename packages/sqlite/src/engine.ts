import {
  ClosedError,
  longPoll,
  redriveInSteps,
  type AdminEngine,
  type Clock,
  type Delivery,
  type EncodedBody,
  type Engine,
  type LeaseRequest,
  type QueueEngine,
  type QueueStats,
  QueueNotFoundError,
  type RedriveOptions,
  type RedriveResult,
  type TimerHandle,
  type TopicEngine,
} from '@switchyard/core';
import type { Database } from 'better-sqlite3';
import * as admin from './admin-queues.js';
import { Batcher, type Tx } from './batcher.js';
import { enqueue } from './enqueue.js';
import { sweepExpired } from './expiry.js';
import * as inspect from './inspect.js';
import { leaseNow } from './lease.js';
import { openDatabase } from './open-database.js';
import { resolveSqliteOptions, type ResolvedSqliteOptions, type SqliteEngineOptions } from './options.js';
import { checkRedrive, redriveStep } from './redrive.js';
import * as settle from './settle.js';
import { Store } from './store.js';
import { createStreamEngine, type SqliteStreams } from './streams/stream-engine.js';
import * as topics from './topics.js';
import { WalSync } from './wal-sync.js';
import { BackgroundCheckpoints, type CheckpointThreadState } from './background-checkpoints.js';
import { features } from './features.js';
import { statsFromCounts } from './counts.js';
import { StatsThread, type StatsThreadState } from './stats-thread.js';
import { closingController, Waiters } from '@switchyard/core';

/** Messages moved per transaction by redrive. */
const redriveChunk = 100;

/**
 * The embedded engine: queues, topics and streams in one SQLite file (or in memory). Several engines —
 * in this process or others — may open the same file: SQLite's write lock serialises their
 * transactions, so a message is never leased twice, and a watcher on the file wakes local
 * consumers when another process commits.
 */
export class SqliteEngine implements Engine {
  readonly name = 'sqlite';
  readonly features = features;
  readonly options: ResolvedSqliteOptions;
  readonly queues: QueueEngine;
  readonly topics: TopicEngine;
  readonly admin: AdminEngine;
  readonly streams: SqliteStreams;
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #store: Store;
  readonly #batcher: Batcher;
  readonly #walSync: WalSync | undefined;
  readonly #checkpoints: BackgroundCheckpoints | undefined;
  readonly #statsThread: StatsThread | undefined;
  readonly #waiters: Waiters<number>;
  readonly #aborts = closingController();
  #closed = false;
  #sweepTimer: TimerHandle | undefined;
  #watchTimer: ReturnType<typeof setTimeout> | undefined;
  #dataVersion = 0;
  #sweepCursor = 0;

  constructor(options: SqliteEngineOptions = {}) {
    this.options = resolveSqliteOptions(options);
    this.#clock = this.options.clock;
    const opened = openDatabase(this.options);
    this.#db = opened.db;
    this.#walSync = opened.syncWalInBackground ? new WalSync(this.options.path) : undefined;
    this.#checkpoints = opened.wal && this.options.backgroundCheckpoints ? new BackgroundCheckpoints(this.#db, this.options) : undefined;
    this.#statsThread = opened.wal && this.options.statsThread !== 'never' ? new StatsThread({ path: this.options.path, busyTimeoutMs: this.options.busyTimeoutMs }, this.options.statsThread) : undefined;
    this.#waiters = new Waiters<number>(this.#clock);
    this.#store = new Store(this.#db, this.#waiters);
    this.#batcher = new Batcher(
      this.#db,
      this.#clock,
      { maxOps: this.options.maxOpsPerCommit, waitTurns: this.options.commitWaitTurns },
      () => this.#store.forgetCached(),
      this.#walSync,
      this.#checkpoints?.noteCommit.bind(this.#checkpoints),
    );
    this.queues = this.#queueEngine();
    this.topics = { publish: (topic, entries) => this.#tx((tx) => topics.publish(this.#store, tx, topic, entries)) };
    this.admin = this.#adminEngine();
    this.streams = createStreamEngine({
      store: this.#store,
      clock: this.#clock,
      run: (fn, durable) => this.#tx(fn, durable),
      isClosed: () => this.#closed,
      closing: this.#aborts.signal,
      beforeWait: () => this.#watchOtherProcesses(),
    });
    this.#scheduleSweep();
  }

  /**
   * Commits made, operations committed and WAL syncs made (with the `fsync` setting on a file),
   * for seeing how well group commit coalesces; and messages handed straight to a waiting
   * receive by their send (handoff.ts). Checkpoints: `checkpointThread`.
   */
  get commitStats(): { commits: number; ops: number; syncs: number; handedOver: number } {
    return { commits: this.#batcher.commits, ops: this.#batcher.ops, syncs: this.#walSync?.syncs ?? 0, handedOver: this.#store.takers.handedOver };
  }

  /**
   * The WAL checkpoint thread (background-checkpoints.ts): `off` for `:memory:`, a file not in WAL
   * mode or `backgroundCheckpoints: false`; `waiting` until the engine's 64th commit; `running`;
   * or `failed`, with why (the commits then checkpoint by themselves, as before).
   */
  get checkpointThread(): CheckpointThreadState | { state: 'off'; checkpoints: 0 } {
    return this.#checkpoints?.state ?? { state: 'off', checkpoints: 0 };
  }

  /**
   * The stats thread (stats-thread.ts): `off` for `:memory:`, a file not in WAL mode or
   * `statsThread: 'never'`; `waiting` until a count is slow enough (or the first, with `always`);
   * `running`; or `failed`, with why (stats then count on the event loop again).
   */
  get statsThread(): StatsThreadState {
    return this.#statsThread?.state ?? { state: 'off', counts: 0 };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweepTimer?.cancel();
    clearTimeout(this.#watchTimer);
    this.#aborts.abort(new ClosedError());
    this.#waiters.notifyAll();
    // Writes already accepted still commit; then the file is released.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#batcher.flush();
    await this.#walSync?.drained();
    this.#walSync?.close();
    // The thread's connection closes first, so this one is the last and leaves no WAL behind.
    await this.#checkpoints?.close();
    await this.#statsThread?.close();
    this.#db.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #tx<T>(fn: (tx: Tx) => T, durable = true): Promise<T> {
    if (this.#closed) return Promise.reject(new ClosedError());
    return this.#batcher.run(fn, durable);
  }

  #read<T>(fn: (now: number) => T): Promise<T> {
    if (this.#closed) return Promise.reject(new ClosedError());
    return this.#batcher.read(fn);
  }

  #queueEngine(): QueueEngine {
    const s = this.#store;
    return {
      enqueue: (queue, entries) => this.#tx((tx) => enqueue(s, tx, queue, entries)),
      lease: (queue, request, signal) => this.#lease(queue, request, signal),
      remove: (queue, receipt) => this.#tx((tx) => settle.remove(s, tx, queue, receipt)),
      removeBatch: (queue, receipts) => this.#tx((tx) => settle.removeBatch(s, tx, queue, receipts)),
      release: (queue, receipt, o) => this.#tx((tx) => settle.release(s, tx, queue, receipt, o.delayMs, o.error ?? null)),
      extendLease: (queue, receipt, ms) => this.#tx((tx) => settle.extendLease(s, tx, queue, receipt, ms)),
      moveToDeadLetter: (queue, receipt, o) => this.#tx((tx) => settle.deadLetter(s, tx, queue, receipt, o.error ?? null)),
      redrive: (queue, options, signal) => this.#redrive(queue, options, signal),
      purge: (queue) => this.#tx(() => inspect.purge(s, queue)),
      // Reads of their own (no write lock while a deep queue is counted or paged).
      peek: (queue, request) => this.#read((now) => inspect.peek(s, now, queue, request)),
      stats: (queue) => this.#stats(queue),
    };
  }

  #adminEngine(): AdminEngine {
    const s = this.#store;
    // The look-ups are reads of their own, like stats: no write lock, so they answer while
    // another process writes.
    return {
      createQueue: (name, o) => this.#tx((tx) => admin.createQueue(s, tx, name, o)),
      updateQueue: (name, changes) => this.#tx(() => admin.updateQueue(s, name, changes)),
      deleteQueue: (name) => this.#tx((tx) => admin.deleteQueue(s, tx, name)),
      getQueue: (name) => this.#read(() => admin.getQueue(s, name)),
      listQueues: (prefix) => this.#read(() => admin.listQueues(s, prefix)),
      listDeadLetterSources: (name) => this.#read(() => admin.listDeadLetterSources(s, name)),
      createTopic: (name) => this.#tx((tx) => topics.createTopic(s, tx, name)),
      deleteTopic: (name) => this.#tx(() => topics.deleteTopic(s, name)),
      listTopics: (prefix) => this.#read(() => topics.listTopics(s, prefix)),
      subscribe: (topic, o) => this.#tx((tx) => topics.subscribe(s, tx, topic, o)),
      unsubscribe: (topic, id) => this.#tx(() => topics.unsubscribe(s, topic, id)),
      listSubscriptions: (topic) => this.#read(() => topics.listSubscriptions(s, topic)),
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
        const r = await this.#tx((tx) => leaseNow(this.#store, tx, queue, request), false);
        return { found: r.deliveries, key: r.queueId, version: r.version, nextVisibleAt: r.nextVisibleAt };
      },
      beforeWait: () => this.#watchOtherProcesses(),
      // While it waits, a send in this process may hand it messages directly (handoff.ts).
      wait: (key, since, until, signal) => this.#store.takers.wait(key, request, since, until, signal),
    });
  }

  /**
   * Counts a queue: on the stats thread once it is engaged (stats-thread.ts), else as a read of its
   * own on the event loop; if the count finds expired messages, they are dropped and the queue
   * counted again, in a write transaction here.
   */
  async #stats(queue: string): Promise<QueueStats> {
    const s = this.#store;
    const thread = this.#statsThread;
    if (thread?.engaged) {
      // A read: after every operation submitted before this call, and it checks the queue exists.
      const q = await this.#read(() => s.requireQueue(queue));
      const now = this.#clock.now();
      const counted = await thread.count(q.id, now).then(
        (counts) => ({ counts }),
        () => undefined, // the thread failed: count here instead
      );
      if (counted) {
        if (counted.counts === null) throw new QueueNotFoundError(queue);
        if (counted.counts.expired === 0) return statsFromCounts(counted.counts, now);
        return this.#tx((tx) => inspect.statsAfterDroppingExpired(s, tx, queue), false);
      }
    }
    const found = await this.#read((now) => inspect.statsIfNoneExpired(s, now, queue));
    thread?.noteCountOnLoop(found.ms);
    return found.stats ?? this.#tx((tx) => inspect.statsAfterDroppingExpired(s, tx, queue), false);
  }

  async #redrive(queue: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult> {
    // A check that writes nothing: no need to wait for the disk before the first step.
    await this.#tx(() => checkRedrive(this.#store, queue, options), false);
    try {
      return await redriveInSteps({
        clock: this.#clock,
        options,
        signal,
        closing: this.#aborts.signal,
        chunk: redriveChunk,
        start: 0,
        // Each step is atomic; the moves become durable together at the end (below), so a
        // rate-limited redrive does not wait on the disk between steps.
        step: (cursor, limit) => this.#tx((tx) => redriveStep(this.#store, tx, queue, options.to, cursor, limit), false),
      });
    } finally {
      // A durable no-op: settles once every step before it is on disk.
      if (!this.#closed) await this.#tx(() => undefined);
    }
  }

  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#sweepTimer = this.#clock.setTimer(() => {
      // Housekeeping, so not durable: an expiry lost to a power cut is simply done again.
      this.#tx((tx) => (this.#sweepCursor = sweepExpired(this.#store, tx, this.#sweepCursor)), false)
        .then(() => this.streams.sweep())
        .catch(() => undefined)
        .finally(() => this.#scheduleSweep());
    }, this.options.sweepIntervalMs);
    this.#sweepTimer.unref?.();
  }

  /**
   * While consumers wait, checks now and then whether another connection committed to the file
   * (`PRAGMA data_version` changes only for other connections' commits) and wakes them if so.
   * This runs on real time, not the injected clock: it stands in for the notification SQLite
   * does not have, and other processes commit in real time. (Deadlines, delays and leases stay
   * on the injected clock, so a test on a manual clock still sees another process's send.)
   */
  #watchOtherProcesses(): void {
    if (this.#watchTimer || this.options.path === ':memory:') return;
    this.#dataVersion = this.#db.pragma('data_version', { simple: true }) as number;
    const tick = () => {
      this.#watchTimer = undefined;
      if (this.#closed || this.#waiters.size === 0) return;
      const v = this.#db.pragma('data_version', { simple: true }) as number;
      if (v !== this.#dataVersion) {
        this.#dataVersion = v;
        this.#waiters.notifyAll();
      }
      this.#watchTimer = setTimeout(tick, this.options.watchIntervalMs).unref();
    };
    this.#watchTimer = setTimeout(tick, this.options.watchIntervalMs).unref();
  }
}
