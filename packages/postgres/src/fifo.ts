import type { Tx } from './db.js';
import { BLOCKED } from './schema.js';

/**
 * Serialises the state changes of one FIFO group for the rest of the transaction. Enqueue
 * decides "head or blocked" and settling promotes the next head; without the lock two
 * concurrent transactions could each see an empty group and make two heads.
 */
export async function lockGroup(tx: Tx, queueId: number, group: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [queueId, group]);
}

/** True when the FIFO group already holds a message in the queue. Call with the group locked. */
export async function groupHasMessages(tx: Tx, queueId: number, group: string): Promise<boolean> {
  return (await tx.query('SELECT 1 FROM messages WHERE queue_id = $1 AND fifo_group = $2 LIMIT 1', [queueId, group])).length > 0;
}

/**
 * Makes the oldest message of a FIFO group its head: deliverable from its own availability time.
 * Call after a group's head left the queue; takes the group lock. Returns true when one was promoted.
 */
export async function promoteGroupHead(tx: Tx, queueId: number, group: string): Promise<boolean> {
  await lockGroup(tx, queueId, group);
  const rows = await tx.query(
    `UPDATE messages SET visible_at = greatest(available_at, $1)
     WHERE seq = (SELECT seq FROM messages WHERE queue_id = $2 AND fifo_group = $3 ORDER BY seq LIMIT 1) AND visible_at = $4
     RETURNING seq`,
    [tx.now, queueId, group, BLOCKED],
  );
  return rows.length > 0;
}
