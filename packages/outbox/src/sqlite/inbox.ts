import type { Handler, HandlerContext } from '@switchyard/consumer';
import { InvalidArgumentError, type Delivery, type TimerHandle } from '@switchyard/core';
import type { Database, Statement } from 'better-sqlite3';
import { resolveInboxOptions, type InboxOptions, type InboxOutcome, type ResolvedInboxOptions } from '../inbox-options.js';
import { migrateInbox } from './schema.js';

/**
 * The transactional inbox (idempotent consumer) on your own better-sqlite3 database: a
 * handler's database work and the record that the message was processed commit in one
 * transaction, so a redelivered message (a relay that sent twice, an ack lost in a crash) is
 * acked without running the work again. Processed ids expire after `retentionMs`.
 *
 * better-sqlite3 transactions are synchronous: the work runs inside one and must not await
 * (a returned promise is refused, and the transaction rolled back). Do asynchronous lookups
 * before, and write in the work.
 *
 *   const inbox = new SqliteInbox(db, { name: 'billing' })
 *   new Consumer({ broker, queue: 'orders', handler: inbox.handler((m) => {
 *     db.prepare('INSERT INTO invoices (order_id) VALUES (?)').run(m.body.orderId)
 *   }) })
 */
export class SqliteInbox implements AsyncDisposable {
  readonly #db: Database;
  readonly #o: ResolvedInboxOptions;
  readonly #record: Statement;
  readonly #seen: Statement;
  readonly #expire: Statement;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(db: Database, options: InboxOptions = {}) {
    if (typeof db?.prepare !== 'function' || typeof db.transaction !== 'function') throw new InvalidArgumentError('db', 'must be a better-sqlite3 Database');
    this.#db = db;
    this.#o = resolveInboxOptions(options);
    const t = this.#o.table;
    migrateInbox(db, t);
    this.#record = db.prepare(`INSERT OR IGNORE INTO ${t} (consumer, message_id, processed_at) VALUES (?, ?, ?)`);
    this.#seen = db.prepare(`SELECT 1 FROM ${t} WHERE consumer = ? AND message_id = ?`);
    this.#expire = db.prepare(`DELETE FROM ${t} WHERE consumer = ? AND processed_at < ?`);
    this.#scheduleCleanup();
  }

  get name(): string {
    return this.#o.name;
  }

  /**
   * Runs `work` and records `message.id` in one immediate transaction, unless the id is already
   * recorded: then nothing runs and the outcome is `duplicate`. If `work` throws, nothing is
   * recorded and the error propagates (the message will be retried).
   */
  process<T>(message: { id: string }, work: () => T): InboxOutcome<T> {
    return this.#db
      .transaction((): InboxOutcome<T> => {
        if (this.#record.run(this.#o.name, message.id, this.#o.clock.now()).changes === 0) return { status: 'duplicate' };
        const result = work();
        if (isThenable(result)) {
          throw new InvalidArgumentError('work', 'must be synchronous: a better-sqlite3 transaction cannot span an await');
        }
        return { status: 'processed', result };
      })
      .immediate();
  }

  /** A consumer handler running `work` through `process`; a duplicate is acked without running it. */
  handler<B = unknown>(work: (message: Delivery<B>, ctx: HandlerContext) => void): Handler {
    return (message, ctx) => {
      const outcome = this.process(message, () => work(message as Delivery<B>, ctx));
      if (outcome.status === 'duplicate') ctx.logger.debug({ inbox: this.#o.name }, 'duplicate message acked without handling');
    };
  }

  /** True when `messageId` is recorded as processed (and not yet expired and deleted). */
  has(messageId: string): boolean {
    return this.#seen.get(this.#o.name, messageId) !== undefined;
  }

  /** Deletes ids processed longer than `retentionMs` ago; returns how many. */
  cleanup(): number {
    if (this.#db.inTransaction) return 0;
    return this.#expire.run(this.#o.name, this.#o.clock.now() - this.#o.retentionMs).changes;
  }

  /** Stops the cleanup timer. The database stays open: it is yours. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #scheduleCleanup(): void {
    if (this.#closed) return;
    this.#timer = this.#o.clock.setTimer(() => {
      try {
        this.cleanup();
      } catch {
        // A busy or closed database: try again next time.
      }
      this.#scheduleCleanup();
    }, this.#o.cleanupIntervalMs);
    this.#timer.unref?.();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
