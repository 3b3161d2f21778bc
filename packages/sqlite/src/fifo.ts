import { BLOCKED } from './schema.js';
import type { Store } from './store.js';

/** True when the FIFO group already holds a message in the queue. */
export function groupHasMessages(store: Store, queueId: number, group: string): boolean {
  return store.sql('SELECT 1 FROM messages WHERE queue_id = ? AND fifo_group = ? LIMIT 1').get(queueId, group) !== undefined;
}

/**
 * Makes the oldest message of a FIFO group its head: deliverable from its own availability time.
 * Call after a group's head left the queue (ack, dead-letter, expiry, redrive). Idempotent.
 * Returns true when a message was promoted.
 */
export function promoteGroupHead(store: Store, queueId: number, group: string, now: number): boolean {
  const r = store
    .sql(
      `UPDATE messages SET visible_at = max(available_at, ?)
       WHERE seq = (SELECT seq FROM messages WHERE queue_id = ? AND fifo_group = ? ORDER BY seq LIMIT 1)
         AND visible_at = ?`,
    )
    .run(now, queueId, group, BLOCKED);
  return r.changes > 0;
}
