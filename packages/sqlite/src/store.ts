import type { Database, Statement } from 'better-sqlite3';
import { QueueNotFoundError } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { queueColumns, queueFrom, type QueueRow } from './rows.js';
import type { Waiters } from '@switchyard/core';

/**
 * The open database and what every state change needs: prepared statements (kept beside the
 * code that uses them, prepared once), queue look-ups, and the waiters to wake after commit.
 */
export class Store {
  readonly db: Database;
  readonly waiters: Waiters<number>;
  readonly #statements = new Map<string, Statement>();
  /**
   * Queue rows read in the current transaction. Valid only inside one transaction: the batcher
   * clears it when a transaction begins and when an operation rolls back, and admin operations
   * clear it when they change a queue.
   */
  readonly #queues = new Map<string, QueueRow>();

  constructor(db: Database, waiters: Waiters<number>) {
    this.db = db;
    this.waiters = waiters;
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

  forgetQueues(): void {
    this.#queues.clear();
  }

  queueById(id: number): QueueRow | undefined {
    return this.sql(`SELECT ${queueColumns} FROM ${queueFrom} WHERE q.id = ?`).get(id) as QueueRow | undefined;
  }

  requireQueue(name: string): QueueRow {
    const q = this.queue(name);
    if (!q) throw new QueueNotFoundError(name);
    return q;
  }

  /** Wakes up to `n` consumers waiting on the queue once the transaction commits. */
  announce(tx: Tx, queueId: number, n?: number): void {
    tx.afterCommit(() => this.waiters.notify(queueId, n));
  }
}
