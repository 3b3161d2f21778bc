import type { Tx } from './db.js';
import { promoteGroupHead } from './fifo.js';

interface Expired {
  queue_id: number;
  queue_name: string;
  fifo_group: string | null;
}

/**
 * Drops messages past their retention (of one queue, or of all), counting them on their queues
 * and promoting the next head of any FIFO group that lost its head. Lease, peek and stats call
 * it for their queue, so an expired message is never delivered or counted even before the
 * background sweep reaches it. Leased rows are skipped rather than waited for.
 */
export async function dropExpired(tx: Tx, queueId?: number, limit = 5000): Promise<number> {
  const rows = await tx.query<Expired>(
    `WITH gone AS (
       DELETE FROM messages WHERE seq IN (
         SELECT seq FROM messages WHERE expires_at <= $1 AND ($2::bigint IS NULL OR queue_id = $2) LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING queue_id, fifo_group)
     SELECT g.queue_id, g.fifo_group, q.name AS queue_name FROM gone g JOIN queues q ON q.id = g.queue_id`,
    [tx.now, queueId ?? null, limit],
  );
  if (rows.length === 0) return 0;
  const perQueue = new Map<number, number>();
  const groups = new Map<string, Expired>();
  for (const r of rows) {
    perQueue.set(r.queue_id, (perQueue.get(r.queue_id) ?? 0) + 1);
    if (r.fifo_group !== null) groups.set(`${r.queue_id}\u0000${r.fifo_group}`, r);
  }
  for (const [id, n] of perQueue) await tx.query('UPDATE queues SET expired = expired + $1 WHERE id = $2', [n, id]);
  for (const r of groups.values()) {
    if (await promoteGroupHead(tx, r.queue_id, r.fifo_group as string)) tx.announce(r.queue_name, 1);
  }
  return rows.length;
}

/** The background sweep: expired messages (a bounded batch) and dedup ids past their window. */
export async function sweep(tx: Tx): Promise<void> {
  await dropExpired(tx);
  await tx.query('DELETE FROM dedup WHERE expires_at <= $1', [tx.now]);
}
