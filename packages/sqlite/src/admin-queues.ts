import {
  InvalidArgumentError,
  QueueAlreadyExistsError,
  QueueInUseError,
  type DeadLetterPolicy,
  type QueueInfo,
  type QueueOptions,
} from '@switchyard/core';
import type { Tx } from './batcher.js';
import { queueColumns, queueFrom, toQueueInfo, type QueueRow } from './rows.js';
import type { Store } from './store.js';

/** Resolves a dead-letter policy to the DLQ's id, checking it exists and is of the same kind. */
function deadLetterTarget(store: Store, fifo: boolean, policy: DeadLetterPolicy | null | undefined): number | null {
  if (!policy) return null;
  const dlq = store.requireQueue(policy.queue);
  if ((dlq.fifo === 1) !== fifo) {
    throw new InvalidArgumentError('deadLetter.queue', `a ${fifo ? 'FIFO' : 'standard'} queue needs a ${fifo ? 'FIFO' : 'standard'} dead-letter queue`);
  }
  return dlq.id;
}

export function createQueue(store: Store, tx: Tx, name: string, o: Required<QueueOptions>): QueueInfo {
  const existing = store.queue(name);
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
  const dlqId = deadLetterTarget(store, o.fifo, o.deadLetter);
  store
    .sql(
      `INSERT INTO queues (name, fifo, visibility_ms, delay_ms, retention_ms, dlq_id, max_receives, dedup_window_ms, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(name, o.fifo ? 1 : 0, o.visibilityTimeoutMs, o.delayMs, o.retentionMs, dlqId, o.deadLetter?.maxReceives ?? null, o.dedupWindowMs, tx.now);
  store.forgetCached();
  return toQueueInfo(store.requireQueue(name));
}

export function updateQueue(store: Store, name: string, changes: QueueOptions): QueueInfo {
  const q = store.requireQueue(name);
  const set: string[] = [];
  const values: unknown[] = [];
  const column = (c: string, v: unknown) => {
    set.push(`${c} = ?`);
    values.push(v);
  };
  if (changes.visibilityTimeoutMs !== undefined) column('visibility_ms', changes.visibilityTimeoutMs);
  if (changes.delayMs !== undefined) column('delay_ms', changes.delayMs);
  if (changes.retentionMs !== undefined) column('retention_ms', changes.retentionMs);
  if (changes.dedupWindowMs !== undefined) column('dedup_window_ms', changes.dedupWindowMs);
  if (changes.deadLetter !== undefined) {
    if (changes.deadLetter?.queue === name) throw new InvalidArgumentError('deadLetter.queue', 'a queue cannot be its own dead-letter queue');
    column('dlq_id', deadLetterTarget(store, q.fifo === 1, changes.deadLetter));
    column('max_receives', changes.deadLetter?.maxReceives ?? null);
  }
  if (set.length > 0) store.db.prepare(`UPDATE queues SET ${set.join(', ')} WHERE id = ?`).run(...values, q.id);
  store.forgetCached();
  return toQueueInfo(store.requireQueue(name));
}

export function deleteQueue(store: Store, tx: Tx, name: string): boolean {
  const q = store.queue(name);
  if (!q) return false;
  const users = store.sql('SELECT name FROM queues WHERE dlq_id = ? ORDER BY name').pluck().all(q.id) as string[];
  if (users.length > 0) throw new QueueInUseError(name, `it is the dead-letter queue of ${users.join(', ')}`);
  store.sql('DELETE FROM messages WHERE queue_id = ?').run(q.id);
  store.sql('DELETE FROM dedup WHERE queue_id = ?').run(q.id);
  store.sql('DELETE FROM subscriptions WHERE queue_id = ?').run(q.id);
  store.sql('DELETE FROM queues WHERE id = ?').run(q.id);
  store.forgetCached();
  // Consumers waiting on it wake up and learn it is gone.
  store.announce(tx, q.id);
  return true;
}

export function listQueues(store: Store, prefix: string | undefined): QueueInfo[] {
  const rows = store.sql(`SELECT ${queueColumns} FROM ${queueFrom} ORDER BY q.name`).all() as QueueRow[];
  return rows.filter((r) => prefix === undefined || r.name.startsWith(prefix)).map(toQueueInfo);
}

export function listDeadLetterSources(store: Store, name: string): string[] {
  const q = store.requireQueue(name);
  return store.sql('SELECT name FROM queues WHERE dlq_id = ? ORDER BY name').pluck().all(q.id) as string[];
}

export function getQueue(store: Store, name: string): QueueInfo {
  return toQueueInfo(store.requireQueue(name));
}
