import { InvalidArgumentError, type Clock, type JsonValue } from '@switchyard/core';
import type { Database, Statement } from 'better-sqlite3';
import { NotInTransactionError, SagaVersionConflictError } from '../errors.js';
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

const columns = 'saga_type, saga_id, state, version, status, created_at, updated_at';

/**
 * Durable state of long-running processes on your own better-sqlite3 database, keyed by (saga
 * type, saga id), with optimistic concurrency. Writes run in your transaction, so a step's new
 * state and the commands it sends through the outbox commit together, or not at all.
 *
 *   const sagas = new SqliteSagaStore(db)
 *   const saga = sagas.load('fulfilment', orderId)
 *   db.transaction(() => {
 *     sagas.save('fulfilment', orderId, { step: 'paid' }, { expectedVersion: saga.version })
 *     outbox.add({ queue: 'shipping', type: 'ship.order', body: { orderId } })
 *   })()
 */
export class SqliteSagaStore {
  readonly table: string;
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #create: Statement;
  readonly #load: Statement;
  readonly #save: Statement;
  readonly #stale: Statement;

  /** Validates the options and creates the table if it is missing. */
  constructor(db: Database, options: SagaStoreOptions = {}) {
    if (typeof db?.prepare !== 'function' || typeof db.transaction !== 'function') throw new InvalidArgumentError('db', 'must be a better-sqlite3 Database');
    const o = resolveSagaStoreOptions(options);
    migrateSagaStore(db, o.table);
    this.#db = db;
    this.table = o.table;
    this.#clock = o.clock;
    const t = o.table;
    this.#create = db.prepare(`INSERT INTO ${t} (saga_type, saga_id, state, version, status, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)
      ON CONFLICT (saga_type, saga_id) DO NOTHING`);
    this.#load = db.prepare(`SELECT ${columns} FROM ${t} WHERE saga_type = ? AND saga_id = ?`);
    this.#save = db.prepare(`UPDATE ${t} SET state = @state, version = version + 1, status = coalesce(@status, status), updated_at = @now
      WHERE saga_type = @type AND saga_id = @id AND version = @expectedVersion RETURNING version`);
    this.#stale = db.prepare(`SELECT ${columns} FROM ${t}
      WHERE status IN ('running', 'compensating') AND updated_at < @updatedBefore AND (@type IS NULL OR saga_type = @type)
      ORDER BY updated_at, saga_type, saga_id LIMIT CAST(@max AS INTEGER)`);
  }

  /**
   * Stores a new saga at version 1 (status `running` unless given), inside your transaction
   * (NotInTransactionError otherwise); SagaVersionConflictError (expected 0) if it already
   * exists. Returns 1.
   */
  create(type: string, id: string, state: JsonValue, options: CreateSagaOptions = {}): number {
    if (!this.#db.inTransaction) throw new NotInTransactionError('sagaStore.create');
    const key = checkSagaKey(type, id);
    const text = encodeState(state);
    const status = resolveCreate(options);
    const now = this.#clock.now();
    if (this.#create.run(key.type, key.id, text, status, now, now).changes === 0) throw new SagaVersionConflictError(key.type, key.id, 0, this.#version(key.type, key.id));
    return 1;
  }

  /** The saga, or undefined. */
  load<S = JsonValue>(type: string, id: string): SagaRecord<S> | undefined {
    const key = checkSagaKey(type, id);
    const row = this.#load.get(key.type, key.id) as SagaRow | undefined;
    return row === undefined ? undefined : toSagaRecord<S>(row);
  }

  /**
   * Replaces the saga's state (and status, when given) inside your transaction if it is still
   * at `expectedVersion`; returns the new version. SagaVersionConflictError otherwise, nothing
   * written (`actual` 0: no such saga).
   */
  save(type: string, id: string, state: JsonValue, options: SaveSagaOptions): number {
    if (!this.#db.inTransaction) throw new NotInTransactionError('sagaStore.save');
    const key = checkSagaKey(type, id);
    const text = encodeState(state);
    const { expectedVersion, status } = resolveSave(options);
    const row = this.#save.get({ ...key, state: text, status, now: this.#clock.now(), expectedVersion }) as { version: number } | undefined;
    if (row === undefined) throw new SagaVersionConflictError(key.type, key.id, expectedVersion, this.#version(key.type, key.id));
    return row.version;
  }

  /** Running or compensating sagas not written since `updatedBefore`, oldest first: for a supervisor. */
  findStale<S = JsonValue>(options: FindStaleOptions): StaleSaga<S>[] {
    return (this.#stale.all(resolveFindStale(options)) as SagaRow[]).map((row) => toStaleSaga<S>(row));
  }

  #version(type: string, id: string): number {
    return Number((this.#load.get(type, id) as SagaRow | undefined)?.version ?? 0);
  }
}
