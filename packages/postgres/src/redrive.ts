import { deadLetterHeaders, InvalidArgumentError, type RedriveOptions } from '@switchyard/core';
import type { Tx } from './db.js';
import { groupHasMessages, lockGroup, promoteGroupHead } from './fifo.js';
import { queueById, requireQueue, type MessageRow, type QueueRow } from './rows.js';
import { BLOCKED } from './schema.js';

export interface RedriveStep {
  moved: number;
  skipped: number;
  /** The last seq looked at; the next step continues after it. */
  cursor: number;
  done: boolean;
}

/** Checks the redrive target up front, so a bad `to` fails before anything moves. */
export async function checkRedrive(tx: Tx, dlqName: string, options: RedriveOptions): Promise<void> {
  const dlq = await requireQueue(tx, dlqName);
  if (options.to === undefined) return;
  const to = await requireQueue(tx, options.to);
  if (to.fifo !== dlq.fifo) throw new InvalidArgumentError('to', `cannot redrive from a ${kind(dlq)} queue to a ${kind(to)} queue`);
  if (to.id === dlq.id) throw new InvalidArgumentError('to', 'cannot redrive a queue into itself');
}

/**
 * Moves up to `limit` messages (after `cursor`, in seq order) out of a dead-letter queue: each
 * goes back to its source, or to `to`, deliverable at once, with its receive count reset and the
 * dead-letter headers removed. Messages whose source no longer exists stay and count as skipped.
 * Leased messages are skipped over (SKIP LOCKED) rather than waited for.
 */
export async function redriveStep(tx: Tx, dlqName: string, to: string | undefined, cursor: number, limit: number): Promise<RedriveStep> {
  const dlq = await requireQueue(tx, dlqName);
  const target = to === undefined ? undefined : await requireQueue(tx, to);
  const rows = await tx.query<MessageRow>('SELECT * FROM messages WHERE queue_id = $1 AND seq > $2 ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED', [
    dlq.id,
    cursor,
    limit,
  ]);
  const step: RedriveStep = { moved: 0, skipped: 0, cursor, done: rows.length < limit };
  const targets = new Map<number, QueueRow | undefined>();
  for (const row of rows) {
    step.cursor = row.seq;
    let dest = target;
    if (!dest && row.source_queue_id !== null) {
      if (!targets.has(row.source_queue_id)) targets.set(row.source_queue_id, await queueById(tx, row.source_queue_id));
      dest = targets.get(row.source_queue_id);
    }
    if (!dest || dest.fifo !== dlq.fifo) {
      step.skipped++;
      continue;
    }
    await moveBack(tx, row, dest);
    if (row.fifo_group !== null) await promoteGroupHead(tx, dlq.id, row.fifo_group);
    tx.announce(dest.name, 1);
    step.moved++;
  }
  return step;
}

async function moveBack(tx: Tx, row: MessageRow, dest: QueueRow): Promise<void> {
  const headers: Record<string, string> = row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {};
  for (const h of deadLetterHeaders) delete headers[h];
  const group = dest.fifo ? (row.key ?? '') : null;
  if (group !== null) await lockGroup(tx, dest.id, group);
  const visible = group !== null && (await groupHasMessages(tx, dest.id, group)) ? BLOCKED : tx.now;
  await tx.query(
    `UPDATE messages SET queue_id = $1, source_queue_id = NULL, headers = $2, lease = NULL, receives = 0, last_error = NULL,
       enqueued_at = $3, available_at = $3, visible_at = $4, expires_at = $5, fifo_group = $6
     WHERE seq = $7`,
    [dest.id, Object.keys(headers).length ? JSON.stringify(headers) : null, tx.now, visible, tx.now + dest.retention_ms, group, row.seq],
  );
}

function kind(q: QueueRow): string {
  return q.fifo ? 'FIFO' : 'standard';
}
