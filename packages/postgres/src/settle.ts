import { InvalidReceiptError, ReceiptExpiredError } from '@switchyard/core';
import type { Tx } from './db.js';
import { moveToDeadLetter } from './dead-letter.js';
import { promoteGroupHead } from './fifo.js';
import { usedUp } from './lease.js';
import { parseReceipt } from './receipt.js';
import { requireQueue, type MessageRow, type QueueRow } from './rows.js';

/**
 * Finds and locks the message a receipt leases. Returns undefined when the message is gone
 * (acked, purged, expired). Throws InvalidReceiptError for a receipt of another queue and
 * ReceiptExpiredError when the lease has ended or the message has been leased again or moved.
 */
async function leased(tx: Tx, queue: string, receipt: string): Promise<{ q: QueueRow; row: MessageRow | undefined }> {
  const q = await requireQueue(tx, queue);
  const r = parseReceipt(receipt);
  if (r.queueId !== q.id) throw new InvalidReceiptError(`it was issued by another queue, not ${JSON.stringify(queue)}`);
  const [row] = await tx.query<MessageRow>('SELECT * FROM messages WHERE seq = $1 FOR UPDATE', [r.seq]);
  if (!row) return { q, row };
  if (row.queue_id !== q.id || row.lease !== r.lease || row.visible_at <= tx.now) throw new ReceiptExpiredError(queue);
  return { q, row };
}

/** Ack: deletes the leased message. A message already gone counts as done. */
export async function remove(tx: Tx, queue: string, receipt: string): Promise<void> {
  const r = parseReceipt(receipt);
  // The common case in one statement (the queue is matched by name, so no look-up first);
  // anything unusual is diagnosed below.
  const [gone] = await tx.query<{ fifo_group: string | null }>(
    `DELETE FROM messages m USING queues q
     WHERE m.seq = $1 AND m.queue_id = $2 AND m.lease = $3 AND m.visible_at > $4 AND q.id = m.queue_id AND q.name = $5
     RETURNING m.fifo_group`,
    [r.seq, r.queueId, r.lease, tx.now, queue],
  );
  if (!gone) {
    await leased(tx, queue, receipt);
    return;
  }
  if (gone.fifo_group !== null && (await promoteGroupHead(tx, r.queueId, gone.fifo_group))) tx.announce(queue, 1);
}

/** Nack: ends the lease; deliverable again after `delayMs`, or dead-lettered if out of receives. */
export async function release(tx: Tx, queue: string, receipt: string, delayMs: number, error: string | null): Promise<void> {
  const { q, row } = await leased(tx, queue, receipt);
  if (!row) throw new ReceiptExpiredError(queue);
  if (usedUp(q, row)) return moveToDeadLetter(tx, q, row, 'max-receives', error ?? row.last_error);
  await tx.query('UPDATE messages SET lease = NULL, visible_at = $1, last_error = coalesce($2, last_error) WHERE seq = $3', [tx.now + delayMs, error, row.seq]);
  tx.announce(q.name, 1);
}

/** Heartbeat: the lease now ends `visibilityMs` from now. */
export async function extendLease(tx: Tx, queue: string, receipt: string, visibilityMs: number): Promise<void> {
  const { q, row } = await leased(tx, queue, receipt);
  if (!row) throw new ReceiptExpiredError(queue);
  await tx.query('UPDATE messages SET visible_at = $1 WHERE seq = $2', [tx.now + visibilityMs, row.seq]);
  if (visibilityMs === 0) tx.announce(q.name, 1);
}

/** Poison: straight to the dead-letter queue. */
export async function deadLetter(tx: Tx, queue: string, receipt: string, error: string | null): Promise<void> {
  const { q, row } = await leased(tx, queue, receipt);
  if (!row) throw new ReceiptExpiredError(queue);
  await moveToDeadLetter(tx, q, row, 'poison', error);
}
