import type { Delivery, EncodedBody, EnqueueEntry, EnqueueResult, LeaseRequest } from '@switchyard/core';
import type { Db } from './db.js';
import { formatReceipt, newLeaseToken, parseReceipt } from './receipt.js';
import { toMessage, type MessageRow } from './rows.js';

/**
 * The common cases of send, receive and ack as single statements (autocommit, one round trip
 * each, where the general path takes four or five). Each returns `undefined` when the case is
 * not the common one — a FIFO queue, a missing queue, a receipt that needs diagnosing, fewer
 * ready messages than asked for — and the caller then takes the general, transactional path,
 * which finds nothing of the fast path half done: each statement is atomic on its own.
 */

const enqueueSql = `WITH q AS (SELECT id, fifo, delay_ms, retention_ms FROM queues WHERE name = $1),
  ins AS (
    INSERT INTO messages (queue_id, id, type, body_kind, body, headers, key, ts, enqueued_at, available_at, visible_at, expires_at)
    SELECT q.id, u.id, u.type, u.kind, u.body, u.headers, u.key, u.ts, $2, $2 + coalesce(u.delay, q.delay_ms), $2 + coalesce(u.delay, q.delay_ms), $2 + q.retention_ms
    FROM q, unnest($3::text[], $4::text[], $5::smallint[], $6::bytea[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])
      AS u(id, type, kind, body, headers, key, ts, delay)
    WHERE NOT q.fifo
    RETURNING 1)
  SELECT (SELECT count(*) FROM ins)::int AS n, CASE WHEN EXISTS (SELECT 1 FROM ins) THEN pg_notify($11, $12) END AS notified`;

/** Stores a batch in a standard queue in one statement; undefined for FIFO or missing queues. */
export async function fastEnqueue(db: Db, now: number, queue: string, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[] | undefined> {
  if (queue.endsWith('.fifo')) return undefined;
  const [r] = await db.statement<{ n: number }>(enqueueSql, [
    queue,
    now,
    entries.map((e) => e.id),
    entries.map((e) => e.type),
    entries.map((e) => e.body.kind),
    entries.map((e) => (Buffer.isBuffer(e.body.data) ? e.body.data : Buffer.from(e.body.data.buffer, e.body.data.byteOffset, e.body.data.byteLength))),
    entries.map((e) => (Object.keys(e.headers).length === 0 ? null : JSON.stringify(e.headers))),
    entries.map((e) => e.key ?? null),
    entries.map((e) => e.timestamp),
    entries.map((e) => e.delayMs ?? null),
    db.channel,
    db.payload(queue),
  ]);
  if (!r || r.n !== entries.length) return undefined;
  return entries.map((e) => ({ id: e.id, duplicate: false }));
}

const leaseSql = `WITH q AS (
    SELECT id, visibility_ms, CASE WHEN dlq_id IS NOT NULL AND max_receives IS NOT NULL THEN max_receives ELSE 2147483647 END AS maxr
    FROM queues WHERE name = $1)
  UPDATE messages m SET lease = $2, visible_at = $3 + coalesce($4::bigint, (SELECT visibility_ms FROM q)), receives = m.receives + 1
  WHERE m.seq IN (
    SELECT seq FROM messages WHERE queue_id = (SELECT id FROM q) AND visible_at <= $3 AND expires_at > $3 AND receives < (SELECT maxr FROM q)
    ORDER BY visible_at, seq LIMIT $5 FOR UPDATE SKIP LOCKED)
  RETURNING m.*`;

/**
 * Leases in one statement. Returns the deliveries only when it got all `max` (so nothing was
 * skipped that the general path would dead-letter or expire first); otherwise the general path
 * adds to the rows it did lease (`seqs`, which that path must then pass over).
 */
export async function fastLease(
  db: Db,
  now: number,
  queue: string,
  request: LeaseRequest,
): Promise<{ deliveries: Delivery<EncodedBody>[]; seqs: number[]; complete: boolean }> {
  const lease = newLeaseToken();
  const rows = await db.statement<MessageRow>(leaseSql, [queue, lease, now, request.visibilityMs ?? null, request.max]);
  rows.sort((a, b) => a.seq - b.seq);
  const deliveries = rows.map((row) => {
    const d = toMessage(row) as Delivery<EncodedBody>;
    d.queue = queue;
    d.receipt = formatReceipt({ queueId: row.queue_id, seq: row.seq, lease });
    d.attempt = row.receives;
    d.enqueuedAt = row.enqueued_at;
    return d;
  });
  return { deliveries, seqs: rows.map((row) => row.seq), complete: rows.length === request.max };
}

const removeSql = `DELETE FROM messages m USING queues q, unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(seq, qid, lease)
  WHERE m.seq = r.seq AND m.queue_id = r.qid AND m.lease = r.lease AND m.visible_at > $4 AND m.fifo_group IS NULL
    AND q.id = m.queue_id AND q.name = $5
  RETURNING m.seq`;

/**
 * Acks standard-queue messages of one queue in one statement. Returns, per receipt, whether it
 * was done here; the others (FIFO, gone, expired, foreign) take the general path.
 */
export async function fastRemove(db: Db, now: number, queue: string, receipts: readonly string[]): Promise<boolean[]> {
  const parsed = receipts.map(parseReceipt);
  const rows = await db.statement<{ seq: number }>(removeSql, [parsed.map((r) => r.seq), parsed.map((r) => r.queueId), parsed.map((r) => r.lease), now, queue]);
  const done = new Set(rows.map((r) => r.seq));
  return parsed.map((r) => done.has(r.seq));
}
