import { defaultLogger, type Logger } from '@switchyard/consumer';
import { checkInt, InvalidArgumentError, resolveMessageLimits, systemClock, type Broker, type Clock, type MessageLimits } from '@switchyard/core';
import type { ClientBase, Pool } from 'pg';
import { checkIdentifier } from '../identifiers.js';
import { prepareRecord, type OutboxMessage } from '../outbox-message.js';
import { OutboxRelay } from '../relay.js';
import type { RelayOptions } from '../relay-options.js';
import type { OutboxStats } from '../store.js';
import { canWatchCommits, CommitNotifier } from './commit-notifier.js';
import { migrateOutbox } from './schema.js';
import { requireTransaction } from './transaction.js';
import { PostgresOutboxStore } from './store.js';

export interface PostgresOutboxOptions {
  /** The outbox table, created if missing. Default `switchyard_outbox`. */
  table?: string;
  /** Stamps row times and message ids, and times relays. Default: the system clock. */
  clock?: Clock;
  /** Largest message (body plus headers), as the broker's limit. Default 256 KiB. */
  maxMessageBytes?: number;
  /** Keep delivered rows this long; relays delete them afterwards. Default 0 (deleted when sent); up to 30 days. */
  retainSentMs?: number;
  /** For the LISTEN and NOTIFY connections' troubles. Default: pino, named `switchyard-outbox`. */
  logger?: Logger;
  /**
   * How writers wake relays. `after-commit` (default): a NOTIFY of its own as soon as the
   * writing transaction has ended. `in-transaction`: a NOTIFY inside the writing transaction,
   * delivered exactly at its commit even if the process dies right after — but PostgreSQL then
   * serialises those commits through their WAL flush (about one per fsync), which caps a busy
   * database. With a pg client lacking `getTransactionStatus()` (older pg 8 releases) it is always `in-transaction`.
   */
  notify?: 'after-commit' | 'in-transaction';
}

/**
 * The transactional outbox on your own PostgreSQL database (`pg`): `add` writes outgoing
 * messages on the connection of your transaction, so they commit or roll back with your
 * business rows; a NOTIFY as soon as that transaction ends wakes relays (LISTEN).
 *
 *   const outbox = await PostgresOutbox.open(pool)
 *   const client = await pool.connect()
 *   await client.query('BEGIN')
 *   await client.query('INSERT INTO orders (id, total) VALUES ($1, $2)', [id, total])
 *   await outbox.add(client, { queue: 'orders', type: 'order.created', body: { id, total }, key: id })
 *   await client.query('COMMIT')
 *
 * Order per key is the order of the rows' sequence numbers, taken at insert: two transactions
 * writing the same key concurrently may commit in the other order (serialise them, e.g. by
 * updating the same aggregate row, when their order matters — the usual case anyway).
 */
export class PostgresOutbox {
  readonly table: string;
  readonly store: PostgresOutboxStore;
  readonly #pool: Pool;
  readonly #clock: Clock;
  readonly #limits: MessageLimits;
  readonly #notifier: CommitNotifier | undefined;

  private constructor(pool: Pool, table: string, store: PostgresOutboxStore, clock: Clock, limits: MessageLimits, notifier: CommitNotifier | undefined) {
    this.#pool = pool;
    this.table = table;
    this.store = store;
    this.#clock = clock;
    this.#limits = limits;
    this.#notifier = notifier;
  }

  /** Validates the options and creates the table if it is missing. */
  static async open(pool: Pool, options: PostgresOutboxOptions = {}): Promise<PostgresOutbox> {
    if (typeof pool?.connect !== 'function' || typeof pool.query !== 'function') throw new InvalidArgumentError('pool', 'must be a pg Pool');
    const table = checkIdentifier('table', options.table ?? 'switchyard_outbox');
    const clock = options.clock ?? systemClock;
    const limits = resolveMessageLimits({ maxMessageBytes: checkInt('maxMessageBytes', options.maxMessageBytes ?? 256 * 1024, { min: 1024, max: 64 * 1024 * 1024 }) });
    const retainSentMs = checkInt('retainSentMs', options.retainSentMs ?? 0, { min: 0, max: 30 * 86_400_000 });
    const notify = options.notify ?? 'after-commit';
    if (notify !== 'after-commit' && notify !== 'in-transaction') throw new InvalidArgumentError('notify', 'must be "after-commit" or "in-transaction"');
    const logger = options.logger ?? defaultLogger('switchyard-outbox');
    await migrateOutbox(pool, table);
    const store = new PostgresOutboxStore(pool, table, retainSentMs, clock, logger);
    const notifier = notify === 'after-commit' ? new CommitNotifier(pool, store.channel, logger) : undefined;
    return new PostgresOutbox(pool, table, store, clock, limits, notifier);
  }

  /**
   * Writes one message on `client`, which must be inside the transaction that makes the
   * business change (NotInTransactionError otherwise: pg reports the connection's transaction
   * state). Returns the message id.
   */
  async add(client: ClientBase, message: OutboxMessage): Promise<string> {
    return (await this.addBatch(client, [message]))[0] as string;
  }

  /** Writes several messages (delivered in this order) in the caller's transaction. */
  async addBatch(client: ClientBase, messages: readonly OutboxMessage[]): Promise<string[]> {
    requireTransaction(client, 'outbox.add');
    if (!Array.isArray(messages)) throw new InvalidArgumentError('messages', 'must be an array');
    const records = messages.map((m) => prepareRecord(m, this.#limits, this.#clock));
    const watch = this.#notifier !== undefined && canWatchCommits(client);
    await this.store.insert(client, records, !watch);
    if (watch) this.#notifier?.track(client);
    return records.map((r) => r.id);
  }

  /** Starts a relay delivering this outbox to `broker`, woken by LISTEN/NOTIFY. */
  relay(broker: Broker, options: RelayOptions = {}): OutboxRelay {
    return new OutboxRelay(this.store, broker, { clock: this.#clock, ...options });
  }

  stats(): Promise<OutboxStats> {
    return this.store.stats(this.#clock.now());
  }

  /** The pool this outbox was opened on. */
  get pool(): Pool {
    return this.#pool;
  }
}
