import { InvalidReceiptError, isReceiptError, ReceiptExpiredError, type SwitchyardError } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { moveToDeadLetter } from './dead-letter.js';
import { promoteGroupHead } from './fifo.js';
import { usedUp } from './lease.js';
import { parseReceipt } from './receipt.js';
import { messageColumns, type MessageRow, type QueueRow } from './rows.js';
import type { Store } from './store.js';

/**
 * Finds the message a receipt leases. Returns undefined when the message is gone (acked, purged,
 * expired). Throws InvalidReceiptError for a receipt of another queue and ReceiptExpiredError when
 * the lease has ended or the message has been leased again or moved.
 */
function leased(store: Store, tx: Tx, queue: string, receipt: string): { q: QueueRow; row: MessageRow | undefined } {
  const q = store.requireQueue(queue);
  const r = parseReceipt(receipt);
  if (r.queueId !== q.id) throw new InvalidReceiptError(`it was issued by another queue, not ${JSON.stringify(queue)}`);
  const row = store.sql(`SELECT ${messageColumns} FROM messages WHERE seq = ?`).get(r.seq) as MessageRow | undefined;
  if (!row) return { q, row };
  if (row.queue_id !== q.id || row.lease !== r.lease || row.visible_at <= tx.now) throw new ReceiptExpiredError(queue);
  return { q, row };
}

const removeSql = 'DELETE FROM messages WHERE seq = ? AND queue_id = ? AND lease = ? AND visible_at > ?';

/** Ack: deletes the leased message. A message already gone counts as done. */
export function remove(store: Store, tx: Tx, queue: string, receipt: string): void {
  const q = store.requireQueue(queue);
  const r = parseReceipt(receipt);
  const queueId = r.queueId === q.id ? q.id : -1;
  // The common case in one statement; anything unusual is diagnosed below. Only a FIFO queue's
  // messages have a group to promote the next of (a standard queue's have none), so only there
  // does the delete return it: RETURNING costs ~1 µs per ack (2.45 against 1.5 in a raw harness).
  if (!q.fifo) {
    if (store.sql(removeSql).run(r.seq, queueId, r.lease, tx.now).changes === 0) leased(store, tx, queue, receipt);
    return;
  }
  const gone = store.sql(`${removeSql} RETURNING fifo_group`).get(r.seq, queueId, r.lease, tx.now) as { fifo_group: string | null } | undefined;
  if (!gone) {
    leased(store, tx, queue, receipt);
    return;
  }
  if (gone.fifo_group !== null && promoteGroupHead(store, q.id, gone.fifo_group, tx.now)) store.announce(tx, q.id, 1);
}

/**
 * Acks of one queue in one operation: each as `remove`, a receipt error reported in its place.
 * `remove` throws a receipt error before it writes anything, so the others stand; any other
 * error fails the operation, and the batcher rolls all of it back.
 */
export function removeBatch(store: Store, tx: Tx, queue: string, receipts: readonly string[]): (SwitchyardError | undefined)[] {
  store.requireQueue(queue);
  return receipts.map((receipt) => {
    try {
      remove(store, tx, queue, receipt);
      return undefined;
    } catch (err) {
      if (isReceiptError(err)) return err;
      throw err;
    }
  });
}

/** Nack: ends the lease; deliverable again after `delayMs`, or dead-lettered if out of receives. */
export function release(store: Store, tx: Tx, queue: string, receipt: string, delayMs: number, error: string | null): void {
  const { q, row } = leased(store, tx, queue, receipt);
  if (!row) throw new ReceiptExpiredError(queue);
  if (usedUp(q, row)) {
    moveToDeadLetter(store, tx, q, row, 'max-receives', error ?? row.last_error);
    return;
  }
  store.sql('UPDATE messages SET lease = NULL, visible_at = ?, last_error = coalesce(?, last_error) WHERE seq = ?').run(tx.now + delayMs, error, row.seq);
  store.announce(tx, q.id, 1);
}

/** Heartbeat: the lease now ends `visibilityMs` from now. */
export function extendLease(store: Store, tx: Tx, queue: string, receipt: string, visibilityMs: number): void {
  const { q, row } = leased(store, tx, queue, receipt);
  if (!row) throw new ReceiptExpiredError(queue);
  store.sql('UPDATE messages SET visible_at = ? WHERE seq = ?').run(tx.now + visibilityMs, row.seq);
  if (visibilityMs === 0) store.announce(tx, q.id, 1);
}

/** Poison: straight to the dead-letter queue. */
export function deadLetter(store: Store, tx: Tx, queue: string, receipt: string, error: string | null): void {
  const { q, row } = leased(store, tx, queue, receipt);
  if (!row) throw new ReceiptExpiredError(queue);
  moveToDeadLetter(store, tx, q, row, 'poison', error);
}
