import { Header, NoDeadLetterQueueError, QueueNotFoundError } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { groupHasMessages, promoteGroupHead } from './fifo.js';
import type { MessageRow, QueueRow } from './rows.js';
import { BLOCKED } from './schema.js';
import type { Store } from './store.js';

export type DeadLetterReason = 'max-receives' | 'poison';

/**
 * Moves a message from `source` to its dead-letter queue in place (same row, so receipts from
 * its last lease stop matching), recording why in its headers, resetting its receive count, and
 * counting the move on the source. Keeps FIFO groups consistent on both sides.
 */
export function moveToDeadLetter(store: Store, tx: Tx, source: QueueRow, row: MessageRow, reason: DeadLetterReason, error: string | null): void {
  if (source.dlq_id === null) throw new NoDeadLetterQueueError(source.name);
  const dlq = store.queueById(source.dlq_id);
  if (!dlq) throw new QueueNotFoundError(source.dlq_name ?? `#${source.dlq_id}`);
  const now = tx.now;
  const headers: Record<string, string> = row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {};
  headers[Header.deadLetterReason] = reason;
  headers[Header.deadLetterSource] = source.name;
  headers[Header.deadLetterAttempts] = String(row.receives);
  headers[Header.deadLetterAt] = String(now);
  if (error !== null) headers[Header.deadLetterError] = error;
  else delete headers[Header.deadLetterError];
  const group = dlq.fifo ? (row.key ?? '') : null;
  const visible = group !== null && groupHasMessages(store, dlq.id, group) ? BLOCKED : now;
  store
    .sql(
      `UPDATE messages SET queue_id = ?, source_queue_id = ?, headers = ?, lease = NULL, receives = 0, first_received_at = NULL, last_error = ?,
         enqueued_at = ?, available_at = ?, visible_at = ?, expires_at = ?, fifo_group = ?
       WHERE seq = ?`,
    )
    .run(dlq.id, source.id, JSON.stringify(headers), error, now, now, visible, now + dlq.retention_ms, group, row.seq);
  store.sql('UPDATE queues SET dead_lettered = dead_lettered + 1 WHERE id = ?').run(source.id);
  if (row.fifo_group !== null) promoteGroupHead(store, source.id, row.fifo_group, now);
  store.announce(tx, dlq.id, 1);
  if (row.fifo_group !== null) store.announce(tx, source.id, 1);
}
