import { deadLetterHeaders, InvalidArgumentError, type RedriveOptions } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { groupHasMessages, promoteGroupHead } from './fifo.js';
import { limitParam, messageColumns, type MessageRow, type QueueRow } from './rows.js';
import { BLOCKED } from './schema.js';
import type { Store } from './store.js';

export interface RedriveStep {
  moved: number;
  skipped: number;
  /** The last seq looked at; the next step continues after it. */
  cursor: number;
  done: boolean;
}

/** Checks the redrive target up front, so a bad `to` fails before anything moves. */
export function checkRedrive(store: Store, dlqName: string, options: RedriveOptions): void {
  const dlq = store.requireQueue(dlqName);
  if (options.to === undefined) return;
  const to = store.requireQueue(options.to);
  if (to.fifo !== dlq.fifo) throw new InvalidArgumentError('to', `cannot redrive from a ${kind(dlq)} queue to a ${kind(to)} queue`);
  if (to.id === dlq.id) throw new InvalidArgumentError('to', 'cannot redrive a queue into itself');
}

/**
 * Moves up to `limit` messages (after `cursor`, in seq order) out of a dead-letter queue: each
 * goes back to its source, or to `to`, deliverable at once, with its receive count reset and the
 * dead-letter headers removed. Messages whose source no longer exists stay and are counted as
 * skipped.
 */
export function redriveStep(store: Store, tx: Tx, dlqName: string, to: string | undefined, cursor: number, limit: number): RedriveStep {
  const dlq = store.requireQueue(dlqName);
  const target = to === undefined ? undefined : store.requireQueue(to);
  const rows = store.sql(`SELECT ${messageColumns} FROM messages WHERE queue_id = ? AND seq > ? ORDER BY seq LIMIT ${limitParam()}`).all(dlq.id, cursor, limit) as MessageRow[];
  const step: RedriveStep = { moved: 0, skipped: 0, cursor, done: rows.length < limit };
  const targets = new Map<number, QueueRow | undefined>();
  for (const row of rows) {
    step.cursor = row.seq;
    const sourceId = row.source_queue_id;
    let dest = target;
    if (!dest && sourceId !== null) {
      if (!targets.has(sourceId)) targets.set(sourceId, store.queueById(sourceId));
      dest = targets.get(sourceId);
    }
    if (!dest || dest.fifo !== dlq.fifo) {
      step.skipped++;
      continue;
    }
    moveBack(store, tx, row, dest);
    if (row.fifo_group !== null) promoteGroupHead(store, dlq.id, row.fifo_group, tx.now);
    store.announce(tx, dest.id, 1);
    step.moved++;
  }
  return step;
}

function moveBack(store: Store, tx: Tx, row: MessageRow, dest: QueueRow): void {
  const headers: Record<string, string> = row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {};
  for (const h of deadLetterHeaders) delete headers[h];
  const group = dest.fifo ? (row.key ?? '') : null;
  const visible = group !== null && groupHasMessages(store, dest.id, group) ? BLOCKED : tx.now;
  store
    .sql(
      `UPDATE messages SET queue_id = ?, source_queue_id = NULL, headers = ?, lease = NULL, receives = 0, first_received_at = NULL, last_error = NULL,
         enqueued_at = ?, available_at = ?, visible_at = ?, expires_at = ?, fifo_group = ?
       WHERE seq = ?`,
    )
    .run(dest.id, Object.keys(headers).length ? JSON.stringify(headers) : null, tx.now, tx.now, visible, tx.now + dest.retention_ms, group, row.seq);
}

function kind(q: QueueRow): string {
  return q.fifo ? 'FIFO' : 'standard';
}
