import { contentDedupId, InvalidArgumentError, type EnqueueEntry, type EnqueueResult } from '@switchyard/core';
import type { Tx } from './db.js';
import { groupHasMessages, lockGroup } from './fifo.js';
import { requireQueue, type QueueRow } from './rows.js';
import { BLOCKED } from './schema.js';

/** Many rows in one statement: one array parameter per column. */
const insertManySql = `INSERT INTO messages
  (queue_id, id, type, body_kind, body, headers, key, dedup_id, ts, enqueued_at, available_at, visible_at, expires_at, fifo_group)
  SELECT $1, u.id, u.type, u.kind, u.body, u.headers, u.key, NULL, u.ts, $2, $2 + coalesce(u.delay, $3), $2 + coalesce(u.delay, $3), $2 + $4, NULL
  FROM unnest($5::text[], $6::text[], $7::smallint[], $8::bytea[], $9::text[], $10::text[], $11::bigint[], $12::bigint[])
    AS u(id, type, kind, body, headers, key, ts, delay)`;

/** Stores entries in a standard queue with a single INSERT. */
async function insertStandard(tx: Tx, q: QueueRow, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[]> {
  await tx.query(insertManySql, [
    q.id,
    tx.now,
    q.delay_ms,
    q.retention_ms,
    entries.map((e) => e.id),
    entries.map((e) => e.type),
    entries.map((e) => e.body.kind),
    entries.map((e) => asBuffer(e.body.data)),
    entries.map((e) => headersText(e.headers)),
    entries.map((e) => e.key ?? null),
    entries.map((e) => e.timestamp),
    entries.map((e) => e.delayMs ?? null),
  ]);
  return entries.map((e) => ({ id: e.id, duplicate: false }));
}

/**
 * Stores one message in a FIFO queue: a group key is required, per-message delays are refused
 * (as SQS does), and a deduplication id seen within the window is reported as a duplicate.
 */
async function insertFifo(tx: Tx, q: QueueRow, e: EnqueueEntry): Promise<EnqueueResult> {
  if (e.key === undefined) throw new InvalidArgumentError('key', `FIFO queue ${q.name} needs a group key on every message`);
  if (e.delayMs !== undefined) throw new InvalidArgumentError('delayMs', `FIFO queue ${q.name} takes only the queue's delay, not a per-message one`);
  const dedupId = e.dedupId ?? contentDedupId(e.body);
  // Takes the dedup id unless a live one holds it; a concurrent insert of the same id waits here.
  const claimed = await tx.query(
    `INSERT INTO dedup (queue_id, dedup_id, message_id, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (queue_id, dedup_id) DO UPDATE SET message_id = excluded.message_id, expires_at = excluded.expires_at
       WHERE dedup.expires_at <= $5
     RETURNING 1`,
    [q.id, dedupId, e.id, tx.now + q.dedup_window_ms, tx.now],
  );
  if (claimed.length === 0) {
    const [seen] = await tx.query<{ message_id: string }>('SELECT message_id FROM dedup WHERE queue_id = $1 AND dedup_id = $2', [q.id, dedupId]);
    return { id: seen?.message_id ?? e.id, duplicate: true };
  }
  await lockGroup(tx, q.id, e.key);
  const available = tx.now + q.delay_ms;
  const visible = (await groupHasMessages(tx, q.id, e.key)) ? BLOCKED : available;
  await tx.query(
    `INSERT INTO messages
       (queue_id, id, type, body_kind, body, headers, key, dedup_id, ts, enqueued_at, available_at, visible_at, expires_at, fifo_group)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $7)`,
    [q.id, e.id, e.type, e.body.kind, asBuffer(e.body.data), headersText(e.headers), e.key, dedupId, e.timestamp, tx.now, available, visible, tx.now + q.retention_ms],
  );
  return { id: e.id, duplicate: false };
}

/** Stores entries in a queue (inside the caller's transaction); returns one result per entry. */
export async function insertEntries(tx: Tx, q: QueueRow, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[]> {
  if (!q.fifo) return insertStandard(tx, q, entries);
  const results: EnqueueResult[] = [];
  for (const e of entries) results.push(await insertFifo(tx, q, e));
  return results;
}

/** Stores a batch in one queue and wakes as many waiting consumers as messages stored. */
export async function enqueue(tx: Tx, queue: string, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[]> {
  const q = await requireQueue(tx, queue);
  const results = await insertEntries(tx, q, entries);
  const stored = results.filter((r) => !r.duplicate).length;
  if (stored > 0) tx.announce(q.name, stored);
  return results;
}

function headersText(headers: Record<string, string>): string | null {
  return Object.keys(headers).length === 0 ? null : JSON.stringify(headers);
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
