import type { Worker } from 'node:worker_threads';
import type { QueueCounts } from './counts.js';
import { startWorker } from './start-worker.js';

export interface StatsWorkerData {
  path: string;
  busyTimeoutMs: number;
}
export interface StatsRequest {
  id: number;
  queueId: number;
  now: number;
}
/** The counts, or null when the queue is gone. */
export type StatsReply = { id: number; counts: QueueCounts | null } | { id: number; error: string };

/** `auto`: once a count on the event loop took `slowCountMs`; `always`; `never`. */
export type StatsThreadMode = 'auto' | 'always' | 'never';
/** A count on the event loop this slow (a queue of ~30,000 messages of 1 KiB) moves later ones to the thread. */
export const slowCountMs = 10;

/** Where the thread is, as `engine.statsThread` tells it. */
export interface StatsThreadState {
  state: 'off' | 'waiting' | 'running' | 'failed';
  /** Why it failed (a bundle without stats-worker.js beside it, say); stats then count on the event loop again. */
  error?: string;
  /** Counts it has made. */
  counts: number;
}

/**
 * Counts deep queues off the event loop. `stats` on SQLite reads every row of the queue (exact
 * counts: the states and the oldest message need columns no index holds), ~70 ms per 200,000
 * messages of 1 KiB, during which nothing else of the engine runs. Once that has happened on this
 * engine (`auto`), later counts go to a worker thread with its own connection: a read transaction
 * there sees every commit made before the request, so the answer is the same, and the event loop
 * only posts the request and reads the reply. If the thread cannot start or fails, the counts are
 * made on the event loop again (the caller falls back when `count` rejects).
 */
export class StatsThread {
  readonly #data: StatsWorkerData;
  readonly #mode: StatsThreadMode;
  #engaged: boolean;
  #worker: Worker | undefined;
  #error: string | undefined;
  #closed = false;
  #nextId = 1;
  #counts = 0;
  readonly #pending = new Map<number, { resolve: (c: QueueCounts | null) => void; reject: (err: Error) => void }>();

  constructor(data: StatsWorkerData, mode: StatsThreadMode) {
    this.#data = data;
    this.#mode = mode;
    this.#engaged = mode === 'always';
  }

  /** True when the next count should go to the thread. */
  get engaged(): boolean {
    return this.#engaged && this.#error === undefined && !this.#closed;
  }

  /** Tells how long a count on the event loop took (`auto` engages the thread after a slow one). */
  noteCountOnLoop(ms: number): void {
    if (this.#mode === 'auto' && ms >= slowCountMs) this.#engaged = true;
  }

  get state(): StatsThreadState {
    if (this.#mode === 'never') return { state: 'off', counts: 0 };
    if (this.#error !== undefined) return { state: 'failed', error: this.#error, counts: this.#counts };
    return { state: this.#worker ? 'running' : 'waiting', counts: this.#counts };
  }

  /** Counts one queue on the thread, as of now (every commit made before this call included); null if it is gone. */
  count(queueId: number, now: number): Promise<QueueCounts | null> {
    // Closed while the caller's read was settling: no new thread (the caller counts on the loop, which refuses).
    if (this.#closed) return Promise.reject(new Error('the engine closed'));
    let worker: Worker;
    try {
      worker = this.#worker ?? this.#start();
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const id = this.#nextId++;
    return new Promise<QueueCounts | null>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Referenced while a count is owed, so the process waits for the answer.
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ id, queueId, now } satisfies StatsRequest);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#rejectAll(new Error('the engine closed'));
    await worker?.terminate();
  }

  #start(): Worker {
    const worker = startWorker('stats-worker', this.#data);
    worker.unref();
    worker.on('message', (reply: StatsReply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if ('error' in reply) return waiting.reject(new Error(`stats thread: ${reply.error}`));
      this.#counts++;
      waiting.resolve(reply.counts);
    });
    worker.on('error', (err) => this.#fail(err));
    worker.once('exit', (code) => {
      if (!this.#closed) this.#fail(new Error(`stats thread exited (code ${code})`));
    });
    this.#worker = worker;
    return worker;
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#error ??= err.message;
    const worker = this.#worker;
    this.#worker = undefined;
    void worker?.terminate();
    this.#rejectAll(err);
  }

  #rejectAll(err: Error): void {
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
}
