import type { Tx } from './batcher.js';
import { promoteGroupHead } from './fifo.js';
import type { Store } from './store.js';

interface Expired {
  queue_id: number;
  fifo_group: string | null;
}

/**
 * Drops messages past their retention (in one queue, or in all) and dedup ids past their window,
 * counting dropped messages on their queue. Returns how many messages were dropped; at most
 * `limit`, so one sweep never holds the write lock for long.
 */
export function dropExpired(store: Store, tx: Tx, queueId: number | null, limit = 5000): number {
  const rows = (
    queueId === null
      ? store
          .sql('DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE expires_at <= ? LIMIT ?) RETURNING queue_id, fifo_group')
          .all(tx.now, limit)
      : store
          .sql('DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE queue_id = ? AND expires_at <= ? LIMIT ?) RETURNING queue_id, fifo_group')
          .all(queueId, tx.now, limit)
  ) as Expired[];
  const perQueue = new Map<number, number>();
  const groups = new Map<string, [number, string]>();
  for (const r of rows) {
    perQueue.set(r.queue_id, (perQueue.get(r.queue_id) ?? 0) + 1);
    if (r.fifo_group !== null) groups.set(`${r.queue_id}\u0000${r.fifo_group}`, [r.queue_id, r.fifo_group]);
  }
  for (const [id, n] of perQueue) store.sql('UPDATE queues SET expired = expired + ? WHERE id = ?').run(n, id);
  for (const [id, group] of groups.values()) {
    if (promoteGroupHead(store, id, group, tx.now)) store.announce(tx, id, 1);
  }
  if (queueId === null) store.sql('DELETE FROM dedup WHERE dedup_id IN (SELECT dedup_id FROM dedup WHERE expires_at <= ? LIMIT ?)').run(tx.now, limit);
  return rows.length;
}
