import { InvalidArgumentError, type MessageState, type PeekPage, type PeekRequest, type QueueStats } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { countQueue, statsFromCounts, type QueueCounts } from './counts.js';
import { dropExpired } from './expiry.js';
import { limitParam, messageColumns, type MessageRow } from './rows.js';
import { BLOCKED } from './schema.js';
import type { Store } from './store.js';
import { toMessage } from './to-message.js';

/**
 * Counts by state, exact, as a read (Batcher.read: no write lock held while it counts); undefined
 * when the queue holds expired messages, which `stats` must drop first. Also says how long the
 * count took (the engine moves the counting of deep queues to a thread: stats-thread.ts).
 */
export function statsIfNoneExpired(store: Store, now: number, queue: string): { stats: QueueStats | undefined; ms: number } {
  const q = store.requireQueue(queue);
  const started = performance.now();
  const c = countQueue((text) => store.sql(text), q.id, now) as QueueCounts; // the queue's row was just read
  return { stats: c.expired > 0 ? undefined : statsFromCounts(c, now), ms: performance.now() - started };
}

/**
 * Counts by state, exact, after dropping (and counting on the queue) the expired messages it
 * still stores: what stats does when a count found some.
 */
export function statsAfterDroppingExpired(store: Store, tx: Tx, queue: string): QueueStats {
  const q = store.requireQueue(queue);
  dropExpired(store, tx, q.id);
  return statsFromCounts(countQueue((text) => store.sql(text), q.id, tx.now) as QueueCounts, tx.now);
}

/**
 * Browses in delivery order (visible_at, seq) without leasing. The cursor is `visible_at:seq`.
 * Expired messages are left out, not dropped: dropping them takes a scan of the whole queue, and
 * a page only reads its own rows. (The sweep, a lease or stats drops them; until then a FIFO
 * message behind an expired head still shows as blocked.)
 */
export function peek(store: Store, now: number, queue: string, request: PeekRequest): PeekPage {
  const q = store.requireQueue(queue);
  const [after, seq] = request.cursor === undefined ? [-1, -1] : parseCursor(request.cursor);
  const rows = store
    .sql(
      `SELECT ${messageColumns}, body FROM messages
       WHERE queue_id = ? AND (visible_at, seq) > (?, ?) AND expires_at > ? ORDER BY visible_at, seq LIMIT ${limitParam()}`,
    )
    .all(q.id, after, seq, now, request.max + 1) as MessageRow[];
  const more = rows.length > request.max;
  if (more) rows.pop();
  const messages = rows.map((row) => {
    const state = stateOf(row, now);
    return {
      ...toMessage(row),
      queue: q.name,
      state,
      receives: row.receives,
      enqueuedAt: row.enqueued_at,
      ...(state === 'blocked' ? {} : { visibleAt: row.visible_at }),
    };
  });
  const last = rows.at(-1);
  return more && last ? { messages, next: `${last.visible_at}:${last.seq}` } : { messages };
}

function stateOf(row: MessageRow, now: number): MessageState {
  if (row.visible_at === BLOCKED) return 'blocked';
  if (row.visible_at <= now) return 'ready';
  return row.lease === null ? 'delayed' : 'leased';
}

function parseCursor(cursor: string): [number, number] {
  const m = /^(\d{1,16}):(\d{1,16})$/.exec(cursor);
  if (!m) throw new InvalidArgumentError('cursor', 'is not a cursor from an earlier peek');
  return [Number(m[1]), Number(m[2])];
}

/** Deletes every message of the queue; returns how many. */
export function purge(store: Store, queue: string): number {
  const q = store.requireQueue(queue);
  return store.sql('DELETE FROM messages WHERE queue_id = ?').run(q.id).changes;
}
