import type { Delivery, EncodedBody, LeaseRequest } from '@switchyard/core';
import type { Tx } from './db.js';
import { moveToDeadLetter } from './dead-letter.js';
import { dropExpired } from './expiry.js';
import { formatReceipt, newLeaseToken } from './receipt.js';
import { requireQueue, toMessage, type MessageRow, type QueueRow } from './rows.js';
import { BLOCKED } from './schema.js';

export interface LeaseOutcome {
  deliveries: Delivery<EncodedBody>[];
  /** When the next message becomes deliverable (a delay or a lease ending), if any. */
  nextVisibleAt: number;
}

/**
 * Leases the first `n` ready messages that are neither expired nor out of receives, in one
 * statement. SKIP LOCKED lets concurrent consumers pass over rows another transaction is
 * leasing instead of queueing behind it; each row is still leased by one transaction only.
 * `$7` are the messages this receive has leased already: with a zero (or by now ended)
 * visibility timeout they are ready again, and must not be handed out twice or dead-lettered
 * while being handed out.
 */
const takeSql = `UPDATE messages SET lease = $1, visible_at = $2, receives = receives + 1
  WHERE seq IN (
    SELECT seq FROM messages WHERE queue_id = $3 AND visible_at <= $4 AND expires_at > $4 AND receives < $5 AND seq <> ALL($7::bigint[])
    ORDER BY visible_at, seq LIMIT $6 FOR UPDATE SKIP LOCKED)
  RETURNING *`;

/** Ready messages the statement above passes over: expired, or used up. */
const exceptionsSql = `SELECT * FROM messages WHERE queue_id = $1 AND visible_at <= $2 AND (expires_at <= $2 OR receives >= $3) AND seq <> ALL($5::bigint[])
  ORDER BY visible_at, seq LIMIT $4 FOR UPDATE SKIP LOCKED`;

/**
 * Leases up to `max` ready messages, oldest-visible first. Ready messages past retention are
 * dropped, and ready messages that have used up `maxReceives` are dead-lettered instead of
 * delivered. One lease token serves the whole batch; each receipt also names its message.
 * `already` are the sequence numbers the same receive leased before this transaction (the fast
 * path's): they are neither leased again nor dead-lettered here.
 */
export async function leaseNow(tx: Tx, queue: string, request: LeaseRequest, already: readonly number[] = []): Promise<LeaseOutcome> {
  const q = await requireQueue(tx, queue);
  const until = tx.now + (request.visibilityMs ?? q.visibility_ms);
  const lease = newLeaseToken();
  const maxReceives = q.dlq_id !== null && q.max_receives !== null ? q.max_receives : 2 ** 31 - 1;
  const rows: MessageRow[] = [];
  const leased = [...already];
  for (;;) {
    const n = request.max - rows.length;
    const taken = await tx.query<MessageRow>(takeSql, [lease, until, q.id, tx.now, maxReceives, n, leased]);
    rows.push(...taken);
    for (const row of taken) leased.push(row.seq);
    if (taken.length === n) break;
    const exceptions = await tx.query<MessageRow>(exceptionsSql, [q.id, tx.now, maxReceives, n - taken.length, leased]);
    if (exceptions.length === 0) break;
    await settleExceptions(tx, q, exceptions);
  }
  rows.sort((a, b) => a.seq - b.seq);
  const deliveries = rows.map((row) => {
    const d = toMessage(row) as Delivery<EncodedBody>;
    d.queue = q.name;
    d.receipt = formatReceipt({ queueId: q.id, seq: row.seq, lease });
    d.attempt = row.receives;
    d.enqueuedAt = row.enqueued_at;
    return d;
  });
  return { deliveries, nextVisibleAt: deliveries.length > 0 ? tx.now : await nextVisibleAt(tx, q.id) };
}

async function settleExceptions(tx: Tx, q: QueueRow, rows: MessageRow[]): Promise<void> {
  if (rows.some((r) => r.expires_at <= tx.now)) await dropExpired(tx, q.id);
  for (const row of rows) {
    if (row.expires_at > tx.now) await moveToDeadLetter(tx, q, row, 'max-receives', row.last_error ?? 'the lease ended without an ack');
  }
}

/** True when the queue has a dead-letter policy and the message has had all its receives. */
export function usedUp(q: QueueRow, row: MessageRow): boolean {
  return q.dlq_id !== null && q.max_receives !== null && row.receives >= q.max_receives;
}

async function nextVisibleAt(tx: Tx, queueId: number): Promise<number> {
  const [r] = await tx.query<{ t: number | null }>('SELECT min(visible_at) AS t FROM messages WHERE queue_id = $1 AND visible_at > $2 AND visible_at < $3', [
    queueId,
    tx.now,
    BLOCKED,
  ]);
  return r?.t ?? Number.POSITIVE_INFINITY;
}
