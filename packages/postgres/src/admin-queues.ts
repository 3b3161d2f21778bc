import { InvalidArgumentError, QueueAlreadyExistsError, QueueInUseError, type DeadLetterPolicy, type QueueInfo, type QueueOptions } from '@switchyard/core';
import type { Tx } from './db.js';
import { findQueue, listQueueRows, requireQueue, toQueueInfo, type QueueRow } from './rows.js';

/**
 * Queue definitions. Every change takes one advisory lock for the schema first (`lockQueues`), so a
 * queue cannot be deleted while another transaction makes it someone's dead-letter queue.
 */
async function lockQueues(tx: Tx): Promise<void> {
  // Admin changes are rare; one lock for all of them keeps the checks below simple and exact.
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('switchyard.admin'), hashtext(current_schema()))`);
}

/** Resolves a dead-letter policy to the DLQ's id, checking it exists and is of the same kind. */
async function deadLetterTarget(tx: Tx, fifo: boolean, policy: DeadLetterPolicy | null | undefined): Promise<number | null> {
  if (!policy) return null;
  const dlq = await requireQueue(tx, policy.queue);
  if (dlq.fifo !== fifo) {
    throw new InvalidArgumentError('deadLetter.queue', `a ${fifo ? 'FIFO' : 'standard'} queue needs a ${fifo ? 'FIFO' : 'standard'} dead-letter queue`);
  }
  return dlq.id;
}

export async function createQueue(tx: Tx, name: string, o: Required<QueueOptions>): Promise<QueueInfo> {
  await lockQueues(tx);
  const existing = await findQueue(tx, name);
  if (existing) {
    const info = toQueueInfo(existing);
    const same =
      info.fifo === o.fifo &&
      info.visibilityTimeoutMs === o.visibilityTimeoutMs &&
      info.delayMs === o.delayMs &&
      info.retentionMs === o.retentionMs &&
      info.dedupWindowMs === o.dedupWindowMs &&
      JSON.stringify(info.deadLetter) === JSON.stringify(o.deadLetter);
    if (!same) throw new QueueAlreadyExistsError(name, 'with other settings');
    return info;
  }
  const dlqId = await deadLetterTarget(tx, o.fifo, o.deadLetter);
  await tx.query(
    `INSERT INTO queues (name, fifo, visibility_ms, delay_ms, retention_ms, dlq_id, max_receives, dedup_window_ms, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [name, o.fifo, o.visibilityTimeoutMs, o.delayMs, o.retentionMs, dlqId, o.deadLetter?.maxReceives ?? null, o.dedupWindowMs, tx.now],
  );
  return toQueueInfo(await requireQueue(tx, name));
}

export async function updateQueue(tx: Tx, name: string, changes: QueueOptions): Promise<QueueInfo> {
  await lockQueues(tx);
  const q = await requireQueue(tx, name);
  const set: string[] = [];
  const values: unknown[] = [];
  const column = (c: string, v: unknown) => {
    values.push(v);
    set.push(`${c} = $${values.length}`);
  };
  if (changes.visibilityTimeoutMs !== undefined) column('visibility_ms', changes.visibilityTimeoutMs);
  if (changes.delayMs !== undefined) column('delay_ms', changes.delayMs);
  if (changes.retentionMs !== undefined) column('retention_ms', changes.retentionMs);
  if (changes.dedupWindowMs !== undefined) column('dedup_window_ms', changes.dedupWindowMs);
  if (changes.deadLetter !== undefined) {
    if (changes.deadLetter?.queue === name) throw new InvalidArgumentError('deadLetter.queue', 'a queue cannot be its own dead-letter queue');
    column('dlq_id', await deadLetterTarget(tx, q.fifo, changes.deadLetter));
    column('max_receives', changes.deadLetter?.maxReceives ?? null);
  }
  if (set.length > 0) await tx.query(`UPDATE queues SET ${set.join(', ')} WHERE id = $${values.length + 1}`, [...values, q.id]);
  return toQueueInfo(await requireQueue(tx, name));
}

export async function deleteQueue(tx: Tx, name: string): Promise<boolean> {
  await lockQueues(tx);
  const q = await findQueue(tx, name);
  if (!q) return false;
  const users = await sourcesOf(tx, q);
  if (users.length > 0) throw new QueueInUseError(name, `it is the dead-letter queue of ${users.join(', ')}`);
  await tx.query('DELETE FROM messages WHERE queue_id = $1', [q.id]);
  await tx.query('DELETE FROM dedup WHERE queue_id = $1', [q.id]);
  await tx.query('DELETE FROM subscriptions WHERE queue_id = $1', [q.id]);
  await tx.query('DELETE FROM queues WHERE id = $1', [q.id]);
  // Consumers waiting on it wake up and learn it is gone.
  tx.announce(q.name);
  return true;
}

export async function listQueues(tx: Tx, prefix: string | undefined): Promise<QueueInfo[]> {
  const rows = await listQueueRows(tx);
  return rows.filter((r) => prefix === undefined || r.name.startsWith(prefix)).map(toQueueInfo);
}

export async function listDeadLetterSources(tx: Tx, name: string): Promise<string[]> {
  return sourcesOf(tx, await requireQueue(tx, name));
}

async function sourcesOf(tx: Tx, q: QueueRow): Promise<string[]> {
  const rows = await tx.query<{ name: string }>('SELECT name FROM queues WHERE dlq_id = $1 ORDER BY name', [q.id]);
  return rows.map((r) => r.name);
}

export async function getQueue(tx: Tx, name: string): Promise<QueueInfo> {
  return toQueueInfo(await requireQueue(tx, name));
}
