import type { Database, Statement } from 'better-sqlite3';
import { QueueNotFoundError } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { queueColumns, queueFrom, type QueueRow } from './rows.js';
import type { Waiters } from './waiters.js';

/**
 * The open database and what every state change needs: prepared statements (kept beside the
 * code that uses them, prepared once), queue look-ups, and the waiters to wake after commit.
 */
export class Store {
  readonly db: Database;
  readonly waiters: Waiters;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database, waiters: Waiters) {
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
    return this.sql(`SELECT ${queueColumns} FROM ${queueFrom} WHERE q.name = ?`).get(name) as QueueRow | undefined;
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
