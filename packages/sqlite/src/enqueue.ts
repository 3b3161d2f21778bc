import { contentDedupId, InvalidArgumentError, type EncodedBody, type EnqueueEntry, type EnqueueResult } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { groupHasMessages } from './fifo.js';
import { handedDelivery, type Taker } from './handoff.js';
import type { QueueRow } from './rows.js';
import { BLOCKED } from './schema.js';
import { formatSequence } from './sequence.js';
import type { Store } from './store.js';

const insertSql = `INSERT INTO messages
  (queue_id, id, type, body_kind, headers, key, dedup_id, ts, enqueued_at, available_at, visible_at, expires_at, fifo_group, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/** The same, stored already leased to a waiting poll (see handoff.ts): as a first lease leaves a row. */
const insertLeasedSql = `INSERT INTO messages
  (queue_id, id, type, body_kind, headers, key, dedup_id, ts, enqueued_at, available_at, visible_at, expires_at, fifo_group, lease, receives, first_received_at, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, 1, ?, ?)`;

/** One entry's outcome: what the sender is told, and whether it left a message ready to lease. */
export interface Stored {
  result: EnqueueResult;
  /** False for a duplicate and for a message handed straight to a waiting poll. */
  ready: boolean;
}

/**
 * Stores one message in a queue (inside the caller's transaction). On FIFO queues it enforces a
 * group key, refuses per-message delays (as SQS does), and suppresses a deduplication id already
 * seen within the window, returning the first message's id with `duplicate: true`. A message due
 * at once on a standard queue goes to a poll of this process that waits on the queue, if there
 * is one with room and nothing is ready ahead of it (see handoff.ts).
 */
export function insertEntry(store: Store, tx: Tx, q: QueueRow, e: EnqueueEntry): Stored {
  const now = tx.now;
  let group: string | null = null;
  let dedupId: string | null = e.dedupId ?? null;
  if (q.fifo) {
    if (e.key === undefined) throw new InvalidArgumentError('key', `FIFO queue ${q.name} needs a group key on every message`);
    if (e.delayMs !== undefined) throw new InvalidArgumentError('delayMs', `FIFO queue ${q.name} takes only the queue's delay, not a per-message one`);
    group = e.key;
    dedupId ??= contentDedupId(e.body);
    const seen = store.sql('SELECT message_id, expires_at, seq FROM dedup WHERE queue_id = ? AND dedup_id = ?').get(q.id, dedupId) as
      | { message_id: string; expires_at: number; seq: number | null }
      | undefined;
    if (seen && seen.expires_at > now) {
      const duplicate: EnqueueResult = { id: seen.message_id, duplicate: true };
      if (seen.seq !== null) duplicate.sequence = formatSequence(seen.seq);
      return { result: duplicate, ready: false };
    }
  }
  const available = now + (e.delayMs ?? q.delay_ms);
  const headers = Object.keys(e.headers).length === 0 ? null : JSON.stringify(e.headers);
  const taker = group === null && available === now ? takerFor(store, tx, q) : undefined;
  const body = storedBody(e.body);
  let seq: number;
  if (taker) {
    const visible = now + (taker.visibilityMs ?? q.visibility_ms);
    seq = Number(
      store
        .sql(insertLeasedSql)
        .run(q.id, e.id, e.type, e.body.kind, headers, e.key ?? null, dedupId, e.timestamp, now, available, visible, now + q.retention_ms, taker.lease, now, body).lastInsertRowid,
    );
  } else {
    const visible = group !== null && groupHasMessages(store, q.id, group) ? BLOCKED : available;
    seq = Number(
      store
        .sql(insertSql)
        .run(q.id, e.id, e.type, e.body.kind, headers, e.key ?? null, dedupId, e.timestamp, now, available, visible, now + q.retention_ms, group, body).lastInsertRowid,
    );
  }
  if (group !== null) {
    store.sql('INSERT OR REPLACE INTO dedup (queue_id, dedup_id, message_id, expires_at, seq) VALUES (?, ?, ?, ?, ?)').run(q.id, dedupId, e.id, now + q.dedup_window_ms, seq);
  }
  if (taker) store.takers.handOver(tx, taker, handedDelivery(q, e, dedupId, seq, taker.lease, now));
  else if (available <= now) store.markReady(q.id);
  return { result: { id: e.id, duplicate: false, sequence: formatSequence(seq) }, ready: taker === undefined };
}

/**
 * A receive to hand a message due now to: one is short of messages, and none is ready ahead. Not
 * one with a zero visibility timeout: its message would be ready again at once, so it takes the
 * ordinary lease.
 */
function takerFor(store: Store, tx: Tx, q: QueueRow): Taker | undefined {
  if (!store.takers.waiting(q.id) || store.hasReady(q.id, tx.now)) return undefined;
  const taker = store.takers.find(q.id);
  return taker && (taker.visibilityMs ?? q.visibility_ms) > 0 ? taker : undefined;
}

/** Stores a batch in one queue and wakes as many waiting consumers as messages it left ready. */
export function enqueue(store: Store, tx: Tx, queue: string, entries: readonly EnqueueEntry[]): EnqueueResult[] {
  const q = store.requireQueue(queue);
  let ready = 0;
  const results = entries.map((e) => {
    const stored = insertEntry(store, tx, q, e);
    if (stored.ready) ready++;
    return stored.result;
  });
  if (ready > 0) store.announce(tx, q.id, ready);
  return results;
}

/**
 * What `messages.body` holds: a text or JSON body that comes as a string is stored as SQLite TEXT
 * (the column has no type affinity, so it stays TEXT) and read back as a string, which spares the
 * UTF-8 encoding at send and the Buffer and decoding at lease; bytes, and bodies that come only as
 * bytes, are stored as a BLOB. Both read back alike (see `toMessage`).
 */
function storedBody(body: EncodedBody): Buffer | string {
  if (body.text !== undefined) return body.text;
  const data = body.data;
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
