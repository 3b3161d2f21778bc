import type { Delivery, EncodedBody, LeaseRequest } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { moveToDeadLetter } from './dead-letter.js';
import { dropExpired } from './expiry.js';
import { newLeaseToken } from './lease-token.js';
import { formatReceipt } from './receipt.js';
import type { MessageRow, QueueRow } from './rows.js';
import { BLOCKED } from './schema.js';
import type { Store } from './store.js';
import { toMessage } from './to-message.js';

export interface LeaseOutcome {
  deliveries: Delivery<EncodedBody>[];
  queueId: number;
  /** The queue's waiter version when the transaction looked; wait since this. */
  version: number;
  /** When the next message becomes deliverable (a delay or a lease ending), if any. */
  nextVisibleAt: number;
}

/**
 * Leases up to `max` ready messages, oldest-visible first. Candidates past retention are dropped,
 * and candidates that have used up `maxReceives` are dead-lettered instead of delivered.
 */
export function leaseNow(store: Store, tx: Tx, queue: string, request: LeaseRequest): LeaseOutcome {
  const q = store.requireQueue(queue);
  const version = store.waiters.version(q.id);
  const visibility = request.visibilityMs ?? q.visibility_ms;
  const deliveries: Delivery<EncodedBody>[] = [];
  const select = store.sql('SELECT * FROM messages WHERE queue_id = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?');
  const take = store.sql('UPDATE messages SET lease = ?, visible_at = ?, receives = receives + 1 WHERE seq = ?');
  const taken = new Set<number>();
  scan: while (deliveries.length < request.max) {
    const rows = select.all(q.id, tx.now, request.max - deliveries.length) as MessageRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      // With a zero visibility timeout a leased message stays ready; never hand it out twice.
      if (taken.has(row.seq)) break scan;
      if (row.expires_at <= tx.now) {
        dropExpired(store, tx, q.id);
        continue;
      }
      if (usedUp(q, row)) {
        moveToDeadLetter(store, tx, q, row, 'max-receives', row.last_error ?? 'the lease ended without an ack');
        continue;
      }
      const lease = newLeaseToken();
      taken.add(row.seq);
      take.run(lease, tx.now + visibility, row.seq);
      row.receives += 1;
      deliveries.push({
        ...toMessage(row),
        queue: q.name,
        receipt: formatReceipt({ queueId: q.id, seq: row.seq, lease }),
        attempt: row.receives,
        enqueuedAt: row.enqueued_at,
      });
    }
  }
  return { deliveries, queueId: q.id, version, nextVisibleAt: deliveries.length > 0 ? tx.now : nextVisibleAt(store, q.id, tx.now) };
}

/** True when the queue has a dead-letter policy and the message has had all its receives. */
export function usedUp(q: QueueRow, row: MessageRow): boolean {
  return q.dlq_id !== null && q.max_receives !== null && row.receives >= q.max_receives;
}

function nextVisibleAt(store: Store, queueId: number, now: number): number {
  const r = store.sql('SELECT min(visible_at) AS t FROM messages WHERE queue_id = ? AND visible_at > ? AND visible_at < ?').get(queueId, now, BLOCKED) as {
    t: number | null;
  };
  return r.t ?? Number.POSITIVE_INFINITY;
}
