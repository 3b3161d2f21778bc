import type { Logger } from '@switchyard/consumer';
import type { Clock } from '@switchyard/core';
import type { ClientBase, Pool, PoolClient } from 'pg';
import type { DestinationKind, OutboxRecord } from '../outbox-message.js';
import type { ClaimedRow, OutboxStats, OutboxStore } from '../store.js';
import { listen } from './listener.js';

interface RawRow {
  seq: string;
  id: string;
  dest_kind: DestinationKind;
  destination: string;
  type: string;
  body_kind: number;
  body: Buffer;
  headers: string;
  msg_key: string | null;
  dedup_id: string | null;
  delay_ms: number | null;
  timestamp: string;
  created_at: string;
  attempts: number;
}

/**
 * The outbox table on PostgreSQL. A claim takes a transaction-scoped advisory lock first, so
 * claims run one at a time and each sees every lease the previous one committed (under READ
 * COMMITTED a concurrent claim could otherwise judge a key's earlier row by a stale snapshot).
 * Claims are short; sending happens outside any transaction, under the lease.
 */
export class PostgresOutboxStore implements OutboxStore {
  readonly kind = 'postgres';
  readonly retainSentMs: number;
  readonly channel: string;
  readonly #pool: Pool;
  readonly #t: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** The advisory lock that serialises claims on this table: a stable 31-bit hash of its name. */
  readonly #claimLock: number;

  constructor(pool: Pool, table: string, retainSentMs: number, clock: Clock, logger: Logger) {
    this.#pool = pool;
    this.#t = table;
    this.retainSentMs = retainSentMs;
    this.channel = `${table}_insert`;
    this.#clock = clock;
    this.#logger = logger;
    this.#claimLock = fnv1a(`switchyard:claim:${table}`);
  }

  /**
   * Writes rows on the caller's connection, inside its transaction. With `notifyInTransaction`
   * the NOTIFY is part of it too (delivered at its commit, and only then).
   */
  async insert(client: ClientBase, records: readonly OutboxRecord[], notifyInTransaction: boolean): Promise<void> {
    for (const r of records) {
      await client.query(
        `INSERT INTO ${this.#t} (id, dest_kind, destination, type, body_kind, body, headers, msg_key, dedup_id, delay_ms, timestamp, created_at, available_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
        [r.id, r.destKind, r.destination, r.type, r.bodyKind, Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength), r.headers, r.key, r.dedupId, r.delayMs, r.timestamp, r.createdAt],
      );
    }
    // Delivered at commit only; duplicates within a transaction fold into one.
    if (notifyInTransaction) await client.query('SELECT pg_notify($1, $2)', [this.channel, '']);
  }

  async claim(owner: string, now: number, leaseMs: number, max: number): Promise<ClaimedRow[]> {
    const t = this.#t;
    return this.#relayTransaction(`SELECT pg_advisory_xact_lock(${this.#claimLock})`, async (client) => {
      const { rows } = await client.query<RawRow>(
        `UPDATE ${t} SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
         WHERE seq IN (
           SELECT o.seq FROM ${t} o
           WHERE o.sent_at IS NULL AND o.available_at <= $3 AND o.lease_until <= $3
             AND (o.msg_key IS NULL OR NOT EXISTS (
               SELECT 1 FROM ${t} e
               WHERE e.msg_key = o.msg_key AND e.destination = o.destination AND e.dest_kind = o.dest_kind
                 AND e.sent_at IS NULL AND e.seq < o.seq AND (e.available_at > $3 OR e.lease_until > $3)))
           ORDER BY o.seq LIMIT $4)
         RETURNING seq, id, dest_kind, destination, type, body_kind, body, headers, msg_key, dedup_id, delay_ms, timestamp, created_at, attempts`,
        [owner, now + leaseMs, now, max],
      );
      return rows.map(toClaimed).sort((a, b) => a.seq - b.seq);
    });
  }

  async markSent(seqs: readonly number[], now: number): Promise<void> {
    await this.#relayTransaction(undefined, (client) =>
      this.retainSentMs > 0
        ? client.query(`UPDATE ${this.#t} SET sent_at = $1, lease_owner = NULL WHERE seq = ANY($2::bigint[]) AND sent_at IS NULL`, [now, seqs])
        : client.query(`DELETE FROM ${this.#t} WHERE seq = ANY($1::bigint[])`, [seqs]),
    );
  }

  async release(owner: string, seqs: readonly number[], availableAt: number, error: string | null): Promise<void> {
    await this.#relayTransaction(undefined, (client) =>
      client.query(
        `UPDATE ${this.#t} SET lease_owner = NULL, lease_until = 0, available_at = $1, last_error = coalesce($2, last_error)
         WHERE seq = ANY($3::bigint[]) AND lease_owner = $4 AND sent_at IS NULL`,
        [availableAt, error, seqs, owner],
      ),
    );
  }

  async stats(now: number): Promise<OutboxStats> {
    const { rows } = await this.#pool.query<{ pending: string; oldest: string | null }>(`SELECT count(*) AS pending, min(created_at) AS oldest FROM ${this.#t} WHERE sent_at IS NULL`);
    const r = rows[0] as { pending: string; oldest: string | null };
    return { pending: Number(r.pending), oldestAgeMs: r.oldest === null ? 0 : Math.max(0, now - Number(r.oldest)) };
  }

  async cleanup(sentBefore: number, max: number): Promise<number> {
    const r = await this.#relayTransaction(undefined, (client) =>
      client.query(`DELETE FROM ${this.#t} WHERE seq IN (SELECT seq FROM ${this.#t} WHERE sent_at IS NOT NULL AND sent_at < $1 LIMIT $2)`, [sentBefore, max]),
    );
    return r.rowCount ?? 0;
  }

  /**
   * A transaction of the relay's own bookkeeping (leases, marks, cleanup). It commits with
   * synchronous_commit off: losing one of these commits in a server crash only means a row is
   * claimed, or sent, once more — and it spares the relay a WAL flush per step. `first` (no
   * parameters) runs in the same round trip as BEGIN.
   */
  async #relayTransaction<T>(first: string | undefined, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query(`BEGIN; SET LOCAL synchronous_commit = off${first ? `; ${first}` : ''}`);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  watch(wake: () => void): Promise<() => Promise<void>> {
    return listen(this.#pool, this.channel, wake, this.#clock, this.#logger);
  }
}

function toClaimed(r: RawRow): ClaimedRow {
  return {
    seq: Number(r.seq),
    id: r.id,
    destKind: r.dest_kind,
    destination: r.destination,
    type: r.type,
    bodyKind: r.body_kind,
    body: r.body,
    headers: r.headers,
    key: r.msg_key,
    dedupId: r.dedup_id,
    delayMs: r.delay_ms,
    timestamp: Number(r.timestamp),
    createdAt: Number(r.created_at),
    attempts: r.attempts,
  };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) & 0x7fffffff;
}
