import type { Tx } from './batcher.js';
import { promoteGroupHead } from './fifo.js';
import { limitParam } from './rows.js';
import type { Store } from './store.js';

interface Expired {
  queue_id: number;
  fifo_group: string | null;
}

/**
 * Drops the messages of one queue that are past their retention, counting them on the queue.
 * Scans the queue, so it runs only when there is something to drop: a lease calls it when it
 * meets an expired message, stats when its count found some (peek leaves them out instead). So an
 * expired message is never delivered or counted as ready even before the background sweep
 * reaches it.
 */
export function dropExpired(store: Store, tx: Tx, queueId: number): number {
  const rows = store
    .sql('DELETE FROM messages WHERE queue_id = ? AND expires_at <= ? RETURNING queue_id, fifo_group')
    .all(queueId, tx.now) as Expired[];
  return forget(store, tx, rows);
}

/**
 * The background sweep. There is no index on expiry (it would cost every send and ack), so the
 * sweep walks the table in primary-key order, `limit` rows per call, and resumes from `cursor`
 * next time; a full pass over a deep queue takes several calls. It also drops dedup ids past
 * their window. Returns where to resume (0 after a full pass).
 */
export function sweepExpired(store: Store, tx: Tx, cursor: number, limit = 5000): number {
  const scanned = store.sql(`SELECT max(seq) AS last, count(*) AS n FROM (SELECT seq FROM messages WHERE seq > ? ORDER BY seq LIMIT ${limitParam()})`).get(cursor, limit) as {
    last: number | null;
    n: number;
  };
  const rows = store
    .sql('DELETE FROM messages WHERE seq > ? AND seq <= ? AND expires_at <= ? RETURNING queue_id, fifo_group')
    .all(cursor, scanned.last ?? cursor, tx.now) as Expired[];
  forget(store, tx, rows);
  store.sql('DELETE FROM dedup WHERE expires_at <= ?').run(tx.now);
  return scanned.n < limit ? 0 : (scanned.last ?? 0);
}

function forget(store: Store, tx: Tx, rows: Expired[]): number {
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
  return rows.length;
}
