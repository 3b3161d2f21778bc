import { checkInt, InvalidArgumentError, resolveMessageLimits, systemClock, type Broker, type Clock, type MessageLimits } from '@switchyard/core';
import type { Database } from 'better-sqlite3';
import { NotInTransactionError } from '../errors.js';
import { checkIdentifier } from '../identifiers.js';
import { prepareRecord, type OutboxMessage } from '../outbox-message.js';
import { OutboxRelay } from '../relay.js';
import type { RelayOptions } from '../relay-options.js';
import type { OutboxStats } from '../store.js';
import { migrateOutbox } from './schema.js';
import { SqliteOutboxStore } from './store.js';

export interface SqliteOutboxOptions {
  /** The outbox table, created if missing. Default `switchyard_outbox`. */
  table?: string;
  /** Stamps row times and message ids. Default: the system clock. */
  clock?: Clock;
  /** Largest message (body plus headers), as the broker's limit. Default 256 KiB. */
  maxMessageBytes?: number;
  /**
   * Keep delivered rows this long for inspection; relays delete them afterwards. Default 0:
   * a row is deleted as soon as the broker has accepted its message. Up to 30 days.
   */
  retainSentMs?: number;
}

/**
 * The transactional outbox on your own better-sqlite3 database: `add` writes outgoing messages
 * in the same transaction as your business rows, so they are stored if and only if that
 * transaction commits; a relay (`relay(broker)`) delivers them.
 *
 *   const outbox = new SqliteOutbox(db)
 *   db.transaction(() => {
 *     db.prepare('INSERT INTO orders (id, total) VALUES (?, ?)').run(id, total)
 *     outbox.add({ queue: 'orders', type: 'order.created', body: { id, total }, key: id })
 *   })()
 *   await using relay = outbox.relay(broker)
 */
export class SqliteOutbox {
  readonly table: string;
  readonly store: SqliteOutboxStore;
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #limits: MessageLimits;

  constructor(db: Database, options: SqliteOutboxOptions = {}) {
    if (typeof db?.prepare !== 'function' || typeof db.transaction !== 'function') throw new InvalidArgumentError('db', 'must be a better-sqlite3 Database');
    this.table = checkIdentifier('table', options.table ?? 'switchyard_outbox');
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#limits = resolveMessageLimits({ maxMessageBytes: checkInt('maxMessageBytes', options.maxMessageBytes ?? 256 * 1024, { min: 1024, max: 64 * 1024 * 1024 }) });
    const retainSentMs = checkInt('retainSentMs', options.retainSentMs ?? 0, { min: 0, max: 30 * 86_400_000 });
    migrateOutbox(db, this.table);
    this.store = new SqliteOutboxStore(db, this.table, retainSentMs);
  }

  /**
   * Writes one message; must run inside the transaction that makes the business change
   * (`db.transaction(fn)` or an open `BEGIN`), else NotInTransactionError. Returns its id.
   */
  add(message: OutboxMessage): string {
    return this.addBatch([message])[0] as string;
  }

  /** Writes several messages (delivered in this order), in the caller's transaction. */
  addBatch(messages: readonly OutboxMessage[]): string[] {
    if (!this.#db.inTransaction) throw new NotInTransactionError('outbox.add');
    if (!Array.isArray(messages)) throw new InvalidArgumentError('messages', 'must be an array');
    const records = messages.map((m) => prepareRecord(m, this.#limits, this.#clock));
    this.store.insert(records);
    return records.map((r) => r.id);
  }

  /**
   * Starts a relay delivering this outbox to `broker`. Relays in this process are woken by
   * every commit that added rows; relays in other processes on the same file find them at
   * their next sweep.
   */
  relay(broker: Broker, options: RelayOptions = {}): OutboxRelay {
    return new OutboxRelay(this.store, broker, { clock: this.#clock, ...options });
  }

  /** Rows not yet delivered, and the age of the oldest. */
  stats(): Promise<OutboxStats> {
    return this.store.stats(this.#clock.now());
  }
}
