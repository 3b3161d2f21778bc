import type { Database, Statement } from 'better-sqlite3';
import { QueueNotFoundError } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { queueColumns, queueFrom, type QueueRow } from './rows.js';
import type { Waiters } from '@switchyard/core';
import { Takers } from './handoff.js';

/**
 * The open database and what every state change needs: prepared statements (kept beside the
 * code that uses them, prepared once), queue look-ups, and the waiters to wake after commit.
 */
export class Store {
  readonly db: Database;
  readonly waiters: Waiters<number>;
  /** Polls of this process that sends may hand messages to (see handoff.ts). */
  readonly takers: Takers;
  readonly #statements = new Map<string, Statement>();
  /**
   * Queue rows read in the current transaction. Valid only inside one transaction: the batcher
   * clears it when a transaction begins and when an operation rolls back, and admin operations
   * clear it when they change a queue.
   */
  readonly #queues = new Map<string, QueueRow>();
  /** Per queue, whether it has a ready message, as far as the current transaction knows (same life as #queues). */
  readonly #ready = new Map<number, boolean>();

  constructor(db: Database, waiters: Waiters<number>) {
    this.db = db;
    this.waiters = waiters;
    this.takers = new Takers(waiters);
  }

  /** The prepared statement for `text`, prepared on first use. */
  sql(text: string): Statement {
    let s = this.#statements.get(text);
    if (!s) this.#statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  queue(name: string): QueueRow | undefined {
    let q = this.#queues.get(name);
    if (!q) {
      q = this.sql(`SELECT ${queueColumns} FROM ${queueFrom} WHERE q.name = ?`).get(name) as QueueRow | undefined;
      if (q) this.#queues.set(name, q);
    }
    return q;
  }

  /** Drops what the current transaction has cached (it began, rolled back, or changed a queue). */
  forgetCached(): void {
    this.#queues.clear();
    this.#ready.clear();
  }

  /** True when the queue has a message ready at `now` (read once per transaction, then tracked). */
  hasReady(queueId: number, now: number): boolean {
    let ready = this.#ready.get(queueId);
    if (ready === undefined) {
      ready = this.sql('SELECT 1 FROM messages WHERE queue_id = ? AND visible_at <= ? LIMIT 1').get(queueId, now) !== undefined;
      this.#ready.set(queueId, ready);
    }
    return ready;
  }

  /** Records that the current transaction made a message of the queue ready, or leased the last one. */
  markReady(queueId: number, ready = true): void {
    this.#ready.set(queueId, ready);
  }

  queueById(id: number): QueueRow | undefined {
    return this.sql(`SELECT ${queueColumns} FROM ${queueFrom} WHERE q.id = ?`).get(id) as QueueRow | undefined;
  }

  requireQueue(name: string): QueueRow {
    const q = this.queue(name);
    if (!q) throw new QueueNotFoundError(name);
    return q;
  }

  /**
   * Wakes up to `n` consumers waiting on the queue once the transaction commits. Every change that
   * makes messages ready announces, so the queue also counts as having one for the rest of the
   * transaction.
   */
  announce(tx: Tx, queueId: number, n?: number): void {
    this.#ready.set(queueId, true);
    tx.afterCommit(() => this.waiters.notify(queueId, n));
  }
}
