import { InvalidArgumentError, type Clock, type JsonValue } from '@switchyard/core';
import type { ClientBase, Pool } from 'pg';
import { SagaVersionConflictError } from '../errors.js';
import {
  checkSagaKey,
  encodeState,
  resolveCreate,
  resolveFindStale,
  resolveSagaStoreOptions,
  resolveSave,
  toSagaRecord,
  toStaleSaga,
  type SagaRow,
} from '../saga-record.js';
import type { CreateSagaOptions, FindStaleOptions, SagaRecord, SagaStoreOptions, SaveSagaOptions, StaleSaga } from '../saga-store.js';
import { migrateSagaStore } from './schema.js';
import { requireTransaction } from './transaction.js';

const columns = 'saga_type, saga_id, state, version, status, created_at, updated_at';

/**
 * Durable state of long-running processes on your own PostgreSQL database (`pg`), keyed by
 * (saga type, saga id), with optimistic concurrency. Writes run on the connection of your
 * transaction, so a step's new state and the commands it sends through the outbox commit
 * together, or not at all.
 *
 *   const sagas = await PostgresSagaStore.open(pool)
 *   const saga = await sagas.load(pool, 'fulfilment', orderId)
 *   await client.query('BEGIN')
 *   await sagas.save(client, 'fulfilment', orderId, { step: 'paid' }, { expectedVersion: saga.version })
 *   await outbox.add(client, { queue: 'shipping', type: 'ship.order', body: { orderId } })
 *   await client.query('COMMIT')
 *
 * Two saves from the same version: under READ COMMITTED the second waits for the first's row
 * lock, then finds the version moved and throws SagaVersionConflictError with your transaction
 * still usable (under REPEATABLE READ PostgreSQL raises a serialization failure instead: roll
 * back and retry).
 */
export class PostgresSagaStore {
  readonly table: string;
  readonly #pool: Pool;
  readonly #clock: Clock;

  private constructor(pool: Pool, table: string, clock: Clock) {
    this.#pool = pool;
    this.table = table;
    this.#clock = clock;
  }

  /** Validates the options and creates the table if it is missing. */
  static async open(pool: Pool, options: SagaStoreOptions = {}): Promise<PostgresSagaStore> {
    if (typeof pool?.connect !== 'function' || typeof pool.query !== 'function') throw new InvalidArgumentError('pool', 'must be a pg Pool');
    const o = resolveSagaStoreOptions(options);
    await migrateSagaStore(pool, o.table);
    return new PostgresSagaStore(pool, o.table, o.clock);
  }

  /**
   * Stores a new saga at version 1 (status `running` unless given), in your transaction;
   * SagaVersionConflictError (expected 0) if it already exists. Returns 1.
   */
  async create(client: ClientBase, type: string, id: string, state: JsonValue, options: CreateSagaOptions = {}): Promise<number> {
    requireTransaction(client, 'sagaStore.create');
    const key = checkSagaKey(type, id);
    const text = encodeState(state);
    const status = resolveCreate(options);
    const r = await client.query(
      `INSERT INTO ${this.table} (saga_type, saga_id, state, version, status, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5, $5)
       ON CONFLICT (saga_type, saga_id) DO NOTHING`,
      [key.type, key.id, text, status, this.#clock.now()],
    );
    if (r.rowCount === 0) throw new SagaVersionConflictError(key.type, key.id, 0, await this.#version(client, key.type, key.id));
    return 1;
  }

  /** The saga, or undefined; on `client` (inside your transaction) or on a pool. */
  async load<S = JsonValue>(q: ClientBase | Pool, type: string, id: string): Promise<SagaRecord<S> | undefined> {
    if (typeof q?.query !== 'function') throw new InvalidArgumentError('client', 'must be a pg client or pool');
    const key = checkSagaKey(type, id);
    const r = await (q as ClientBase).query<SagaRow>(`SELECT ${columns} FROM ${this.table} WHERE saga_type = $1 AND saga_id = $2`, [key.type, key.id]);
    const row = r.rows[0];
    return row === undefined ? undefined : toSagaRecord<S>(row);
  }

  /**
   * Replaces the saga's state (and status, when given) in your transaction if it is still at
   * `expectedVersion`; returns the new version. SagaVersionConflictError otherwise, nothing
   * written (`actual` 0: no such saga).
   */
  async save(client: ClientBase, type: string, id: string, state: JsonValue, options: SaveSagaOptions): Promise<number> {
    requireTransaction(client, 'sagaStore.save');
    const key = checkSagaKey(type, id);
    const text = encodeState(state);
    const { expectedVersion, status } = resolveSave(options);
    const r = await client.query<{ version: string }>(
      `UPDATE ${this.table} SET state = $3, version = version + 1, status = coalesce($5, status), updated_at = $6
       WHERE saga_type = $1 AND saga_id = $2 AND version = $4 RETURNING version`,
      [key.type, key.id, text, expectedVersion, status, this.#clock.now()],
    );
    const row = r.rows[0];
    if (row === undefined) throw new SagaVersionConflictError(key.type, key.id, expectedVersion, await this.#version(client, key.type, key.id));
    return Number(row.version);
  }

  /** Running or compensating sagas not written since `updatedBefore`, oldest first: for a supervisor. */
  async findStale<S = JsonValue>(options: FindStaleOptions): Promise<StaleSaga<S>[]> {
    const { type, updatedBefore, max } = resolveFindStale(options);
    const r = await this.#pool.query<SagaRow>(
      `SELECT ${columns} FROM ${this.table}
       WHERE status IN ('running', 'compensating') AND updated_at < $1 AND ($2::text IS NULL OR saga_type = $2)
       ORDER BY updated_at, saga_type, saga_id LIMIT $3`,
      [updatedBefore, type, max],
    );
    return r.rows.map((row) => toStaleSaga<S>(row));
  }

  async #version(client: ClientBase, type: string, id: string): Promise<number> {
    const r = await client.query<{ version: string }>(`SELECT version FROM ${this.table} WHERE saga_type = $1 AND saga_id = $2`, [type, id]);
    return Number(r.rows[0]?.version ?? 0);
  }
}
