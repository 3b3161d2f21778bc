import type { Handler, HandlerContext } from '@switchyard/consumer';
import { InvalidArgumentError, type Delivery, type TimerHandle } from '@switchyard/core';
import type { Pool, PoolClient } from 'pg';
import { resolveInboxOptions, type InboxOptions, type InboxOutcome, type ResolvedInboxOptions } from '../inbox-options.js';
import { migrateInbox } from './schema.js';

/**
 * The transactional inbox (idempotent consumer) on PostgreSQL: the work runs on a pooled
 * connection inside a transaction that first records the message id; a recorded id means a
 * duplicate, which is acked without running the work. Two copies handled at once cannot both
 * run: the second insert waits on the first's row lock and then finds it (or, if the first
 * rolled back, runs). Processed ids expire after `retentionMs`.
 *
 *   const inbox = await PostgresInbox.open(pool, { name: 'billing' })
 *   handler: inbox.handler(async (m, client) => {
 *     await client.query('INSERT INTO invoices (order_id) VALUES ($1)', [m.body.orderId])
 *   })
 */
export class PostgresInbox implements AsyncDisposable {
  readonly #pool: Pool;
  readonly #o: ResolvedInboxOptions;
  #timer: TimerHandle | undefined;
  #closed = false;

  private constructor(pool: Pool, o: ResolvedInboxOptions) {
    this.#pool = pool;
    this.#o = o;
    this.#scheduleCleanup();
  }

  static async open(pool: Pool, options: InboxOptions = {}): Promise<PostgresInbox> {
    if (typeof pool?.connect !== 'function' || typeof pool.query !== 'function') throw new InvalidArgumentError('pool', 'must be a pg Pool');
    const o = resolveInboxOptions(options);
    await migrateInbox(pool, o.table);
    return new PostgresInbox(pool, o);
  }

  get name(): string {
    return this.#o.name;
  }

  /**
   * Runs `work` on a connection inside a transaction that also records `message.id`, unless the
   * id is already recorded (then nothing runs: `duplicate`). If `work` throws, the transaction
   * rolls back, nothing is recorded, and the error propagates.
   */
  async process<T>(message: { id: string }, work: (client: PoolClient) => Promise<T>): Promise<InboxOutcome<T>> {
    const client = await this.#pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const r = await client.query(`INSERT INTO ${this.#o.table} (consumer, message_id, processed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
        this.#o.name,
        message.id,
        this.#o.clock.now(),
      ]);
      if (r.rowCount === 0) {
        await client.query('ROLLBACK');
        return { status: 'duplicate' };
      }
      const result = await work(client);
      await client.query('COMMIT');
      return { status: 'processed', result };
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => (broken = rollbackErr));
      throw err;
    } finally {
      // A connection that could not even roll back is destroyed rather than reused.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  /** A consumer handler running `work` through `process`; a duplicate is acked without running it. */
  handler<B = unknown>(work: (message: Delivery<B>, client: PoolClient, ctx: HandlerContext) => Promise<void>): Handler {
    return async (message, ctx) => {
      const outcome = await this.process(message, (client) => work(message as Delivery<B>, client, ctx));
      if (outcome.status === 'duplicate') ctx.logger.debug({ inbox: this.#o.name }, 'duplicate message acked without handling');
    };
  }

  async has(messageId: string): Promise<boolean> {
    const r = await this.#pool.query(`SELECT 1 FROM ${this.#o.table} WHERE consumer = $1 AND message_id = $2`, [this.#o.name, messageId]);
    return (r.rowCount ?? 0) > 0;
  }

  /** Deletes ids processed longer than `retentionMs` ago; returns how many. */
  async cleanup(): Promise<number> {
    const r = await this.#pool.query(`DELETE FROM ${this.#o.table} WHERE consumer = $1 AND processed_at < $2`, [this.#o.name, this.#o.clock.now() - this.#o.retentionMs]);
    return r.rowCount ?? 0;
  }

  /** Stops the cleanup timer. The pool stays open: it is yours. */
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
      this.cleanup()
        .catch(() => undefined)
        .finally(() => this.#scheduleCleanup());
    }, this.#o.cleanupIntervalMs);
    this.#timer.unref?.();
  }
}
