import { InvalidArgumentError, type Clock, type MessageLimits } from '@switchyard/core';
import type { ClientBase, Pool } from 'pg';
import { WrongExpectedVersionError } from '../errors.js';
import {
  checkExpectedVersion,
  checkStreamId,
  prepareEvents,
  requiredVersion,
  resolveEventStoreOptions,
  resolveReadAll,
  resolveReadStream,
  toStoredEvent,
  type EventRow,
} from '../event-record.js';
import type { AppendOptions, AppendResult, EventStoreOptions, NewEvent, ReadAllOptions, ReadStreamOptions, StoredEvent } from '../event-store.js';
import { migrateEventStore } from './schema.js';
import { isUniqueViolation, requireTransaction } from './transaction.js';

const columns = 'position, stream_id, version, id, type, body_kind, body, headers, timestamp, recorded_at';

/**
 * An event store on your own PostgreSQL database (`pg`): `append` writes on the connection of
 * your transaction, so events commit or roll back with the rest of it (outbox messages, saga
 * state, read models).
 *
 *   const events = await PostgresEventStore.open(pool)
 *   await client.query('BEGIN')
 *   await events.append(client, 'order-42', [{ type: 'order.placed', body: { total: 42 } }], { expectedVersion: 0 })
 *   await client.query('COMMIT')
 *   const page = await events.readAll({ after: checkpoint, max: 500 })
 *
 * **Positions follow commit order.** A BIGSERIAL alone would not: T1 takes position 5, T2 takes
 * 6 and commits first, a projection reads 6, carries on from 6 and never sees 5. So `append`
 * takes a transaction-scoped advisory lock on the table (`pg_advisory_xact_lock`) before it
 * takes positions, held until your transaction ends: the next appender takes its positions only
 * after this one committed (or rolled back), and a reader that has seen position p will never
 * find a committed event below p. The cost: appending transactions run one at a time from their
 * first `append` to their commit, so append last, just before COMMIT, and keep those
 * transactions short; an append waits for the one in progress (and a deadlock with other locks
 * you hold is possible, which PostgreSQL detects and breaks). Reads take no lock. (The
 * alternative — readers filtering on `pg_snapshot_xmin` — cannot keep a plain position cursor
 * and lets any long transaction in the cluster stall every projection.) Leave the sequence's
 * CACHE at 1.
 *
 * **Conflicts.** Under READ COMMITTED (the default) the version check runs after the lock, so a
 * concurrent append to the same stream is reported as WrongExpectedVersionError with the version
 * found, your transaction still usable. Under REPEATABLE READ or SERIALIZABLE the check sees your
 * snapshot and the unique (stream, version) constraint catches the conflict instead: the error
 * has `actual` undefined and PostgreSQL has aborted your transaction — roll it back and retry.
 */
export class PostgresEventStore {
  readonly table: string;
  readonly #pool: Pool;
  readonly #clock: Clock;
  readonly #limits: MessageLimits;

  private constructor(pool: Pool, table: string, clock: Clock, limits: MessageLimits) {
    this.#pool = pool;
    this.table = table;
    this.#clock = clock;
    this.#limits = limits;
  }

  /** Validates the options and creates the table if it is missing. */
  static async open(pool: Pool, options: EventStoreOptions = {}): Promise<PostgresEventStore> {
    if (typeof pool?.connect !== 'function' || typeof pool.query !== 'function') throw new InvalidArgumentError('pool', 'must be a pg Pool');
    const o = resolveEventStoreOptions(options);
    await migrateEventStore(pool, o.table);
    return new PostgresEventStore(pool, o.table, o.clock, o.limits);
  }

  /**
   * Appends `events` to `streamId` on `client`, inside its transaction (NotInTransactionError
   * otherwise), as versions current+1, current+2 …; WrongExpectedVersionError, with nothing
   * written, when the stream is not at `expectedVersion`.
   */
  async append(client: ClientBase, streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    requireTransaction(client, 'eventStore.append');
    const stream = checkStreamId(streamId);
    const expected = checkExpectedVersion(options);
    const records = prepareEvents(events, this.#limits, this.#clock);
    const t = this.table;
    const params: unknown[] = [stream, requiredVersion(expected) ?? null, this.#clock.now()];
    const values = records.map((r, i) => {
      const at = params.push(i + 1, r.id, r.type, r.bodyKind, r.body, r.headers, r.timestamp) - 7;
      return `($${at + 1}::int, $${at + 2}::text, $${at + 3}::text, $${at + 4}::smallint, $${at + 5}::bytea, $${at + 6}::text, $${at + 7}::bigint)`;
    });
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`switchyard:append:${t}`]);
    // A new statement, so (under READ COMMITTED) a snapshot taken after the lock.
    let row: { current: string; position: string | null } | undefined;
    try {
      const r = await client.query<{ current: string; position: string | null }>(
        `WITH cur AS (SELECT coalesce(max(version), 0) AS v FROM ${t} WHERE stream_id = $1::text),
         ins AS (
           INSERT INTO ${t} (stream_id, version, id, type, body_kind, body, headers, timestamp, recorded_at)
           SELECT $1::text, cur.v + e.n, e.id, e.type, e.body_kind, e.body, e.headers, e.ts, $3::bigint
           FROM cur, (VALUES ${values.join(', ')}) AS e (n, id, type, body_kind, body, headers, ts)
           WHERE $2::bigint IS NULL OR cur.v = $2::bigint
           ORDER BY e.n
           RETURNING position)
         SELECT cur.v AS current, (SELECT max(position) FROM ins) AS position FROM cur`,
        params,
      );
      row = r.rows[0];
    } catch (err) {
      if (isUniqueViolation(err, `${t}_version`)) throw new WrongExpectedVersionError(stream, expected, undefined, { cause: err });
      throw err;
    }
    const current = Number(row?.current ?? 0);
    if (row?.position === null || row?.position === undefined) throw new WrongExpectedVersionError(stream, expected, current);
    return { version: current + records.length, position: Number(row.position) };
  }

  /** Events of one stream in version order, from `fromVersion` (1), up to `max` (1000). */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const stream = checkStreamId(streamId);
    const { fromVersion, max } = resolveReadStream(options);
    const r = await this.#pool.query<EventRow>(`SELECT ${columns} FROM ${this.table} WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`, [stream, fromVersion, max]);
    return r.rows.map(toStoredEvent);
  }

  /**
   * Committed events of every stream with a position above `after`, in position order, up to
   * `max` (1000). Reading on from the last position returned sees every event exactly once.
   */
  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const { after, max } = resolveReadAll(options);
    const r = await this.#pool.query<EventRow>(`SELECT ${columns} FROM ${this.table} WHERE position > $1 ORDER BY position LIMIT $2`, [after, max]);
    return r.rows.map(toStoredEvent);
  }
}
