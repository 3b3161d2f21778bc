import { InvalidArgumentError, type Clock, type MessageLimits } from '@switchyard/core';
import type { Database, Statement } from 'better-sqlite3';
import { NotInTransactionError, WrongExpectedVersionError } from '../errors.js';
import {
  checkExpectedVersion,
  checkStreamId,
  prepareEvents,
  requiredVersion,
  resolveEventStoreOptions,
  resolveReadAll,
  resolveReadStream,
  toStoredEvent,
  type EventRecord,
  type EventRow,
} from '../event-record.js';
import type { AppendOptions, AppendResult, EventStoreOptions, NewEvent, ReadAllOptions, ReadStreamOptions, StoredEvent } from '../event-store.js';
import { migrateEventStore } from './schema.js';

const columns = 'position, stream_id, version, id, type, body_kind, body, headers, timestamp, recorded_at';

/**
 * An event store on your own better-sqlite3 database: `append` writes in your transaction, so
 * events commit or roll back with the rest of it (outbox messages, saga state, read models).
 * SQLite has one writer at a time, holding the write lock until commit, so positions are taken
 * in commit order and `readAll` never skips an event.
 *
 *   const events = new SqliteEventStore(db)
 *   db.transaction(() => {
 *     events.append('order-42', [{ type: 'order.placed', body: { total: 42 } }], { expectedVersion: 0 })
 *   })()
 *   const page = events.readAll({ after: checkpoint, max: 500 })
 *
 * Reads run on the same handle: inside a transaction of yours they see its uncommitted appends
 * (what an aggregate loading itself wants; a projection polling a handle that others hold
 * transactions open on should have a handle of its own).
 */
export class SqliteEventStore {
  readonly table: string;
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #limits: MessageLimits;
  readonly #current: Statement;
  readonly #insert: Statement;
  readonly #readStream: Statement;
  readonly #readAll: Statement;

  /** Validates the options and creates the table if it is missing. */
  constructor(db: Database, options: EventStoreOptions = {}) {
    if (typeof db?.prepare !== 'function' || typeof db.transaction !== 'function') throw new InvalidArgumentError('db', 'must be a better-sqlite3 Database');
    const o = resolveEventStoreOptions(options);
    migrateEventStore(db, o.table);
    this.#db = db;
    this.table = o.table;
    this.#clock = o.clock;
    this.#limits = o.limits;
    const t = o.table;
    this.#current = db.prepare(`SELECT coalesce(max(version), 0) AS v FROM ${t} WHERE stream_id = ?`);
    this.#insert = db.prepare(`INSERT INTO ${t} (stream_id, version, id, type, body_kind, body, headers, timestamp, recorded_at)
      VALUES (@stream, @version, @id, @type, @bodyKind, @body, @headers, @timestamp, @recordedAt)`);
    this.#readStream = db.prepare(`SELECT ${columns} FROM ${t} WHERE stream_id = ? AND version >= ? ORDER BY version LIMIT CAST(? AS INTEGER)`);
    this.#readAll = db.prepare(`SELECT ${columns} FROM ${t} WHERE position > ? ORDER BY position LIMIT CAST(? AS INTEGER)`);
  }

  /**
   * Appends `events` to `streamId` inside your transaction (`db.transaction(fn)` or an open
   * BEGIN; NotInTransactionError otherwise) as versions current+1, current+2 …;
   * WrongExpectedVersionError, with nothing written, when the stream is not at `expectedVersion`.
   */
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): AppendResult {
    if (!this.#db.inTransaction) throw new NotInTransactionError('eventStore.append');
    const stream = checkStreamId(streamId);
    const expected = checkExpectedVersion(options);
    const records = prepareEvents(events, this.#limits, this.#clock);
    const current = (this.#current.get(stream) as { v: number }).v;
    const required = requiredVersion(expected);
    if (required !== undefined && current !== required) throw new WrongExpectedVersionError(stream, expected, current);
    try {
      // A savepoint: a failure part-way leaves none of the batch in your transaction.
      const position = this.#db.transaction(() => this.#insertAll(stream, current, records))();
      return { version: current + records.length, position };
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' && String(e.message).includes(`${this.table}.version`)) {
        throw new WrongExpectedVersionError(stream, expected, undefined, { cause: err });
      }
      throw err;
    }
  }

  /** Events of one stream in version order, from `fromVersion` (1), up to `max` (1000). */
  readStream(streamId: string, options: ReadStreamOptions = {}): StoredEvent[] {
    const stream = checkStreamId(streamId);
    const { fromVersion, max } = resolveReadStream(options);
    return (this.#readStream.all(stream, fromVersion, max) as EventRow[]).map(toStoredEvent);
  }

  /**
   * Events of every stream with a position above `after`, in position order, up to `max`
   * (1000). Reading on from the last position returned sees every committed event exactly once.
   */
  readAll(options: ReadAllOptions = {}): StoredEvent[] {
    const { after, max } = resolveReadAll(options);
    return (this.#readAll.all(after, max) as EventRow[]).map(toStoredEvent);
  }

  #insertAll(stream: string, current: number, records: readonly EventRecord[]): number {
    const recordedAt = this.#clock.now();
    let position = 0;
    records.forEach((r, i) => {
      position = Number(this.#insert.run({ ...r, stream, version: current + i + 1, recordedAt }).lastInsertRowid);
    });
    return position;
  }
}
