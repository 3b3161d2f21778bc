import { Header, NoDeadLetterQueueError, QueueNotFoundError } from '@switchyard/core';
import type { Tx } from './db.js';
import { groupHasMessages, lockGroup, promoteGroupHead } from './fifo.js';
import { queueById, type MessageRow, type QueueRow } from './rows.js';
import { BLOCKED } from './schema.js';

export type DeadLetterReason = 'max-receives' | 'poison';

/**
 * Moves a message from `source` to its dead-letter queue in place (same row, so receipts from
 * its last lease stop matching), recording why in its headers, resetting its receive count, and
 * counting the move on the source. Keeps FIFO groups consistent on both sides.
 */
export async function moveToDeadLetter(tx: Tx, source: QueueRow, row: MessageRow, reason: DeadLetterReason, error: string | null): Promise<void> {
  if (source.dlq_id === null) throw new NoDeadLetterQueueError(source.name);
  const dlq = await queueById(tx, source.dlq_id);
  if (!dlq) throw new QueueNotFoundError(source.dlq_name ?? `#${source.dlq_id}`);
  const headers: Record<string, string> = row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {};
  headers[Header.deadLetterReason] = reason;
  headers[Header.deadLetterSource] = source.name;
  headers[Header.deadLetterAttempts] = String(row.receives);
  headers[Header.deadLetterAt] = String(tx.now);
  if (error !== null) headers[Header.deadLetterError] = error;
  else delete headers[Header.deadLetterError];
  const group = dlq.fifo ? (row.key ?? '') : null;
  if (group !== null) await lockGroup(tx, dlq.id, group);
  const visible = group !== null && (await groupHasMessages(tx, dlq.id, group)) ? BLOCKED : tx.now;
  await tx.query(
    `UPDATE messages SET queue_id = $1, source_queue_id = $2, headers = $3, lease = NULL, receives = 0, last_error = $4,
       enqueued_at = $5, available_at = $5, visible_at = $6, expires_at = $7, fifo_group = $8
     WHERE seq = $9`,
    [dlq.id, source.id, JSON.stringify(headers), error, tx.now, visible, tx.now + dlq.retention_ms, group, row.seq],
  );
  await tx.query('UPDATE queues SET dead_lettered = dead_lettered + 1 WHERE id = $1', [source.id]);
  if (row.fifo_group !== null && (await promoteGroupHead(tx, source.id, row.fifo_group))) tx.announce(source.name, 1);
  tx.announce(dlq.name, 1);
}
