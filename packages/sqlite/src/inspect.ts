import { InvalidArgumentError, type MessageState, type PeekPage, type PeekRequest, type QueueStats } from '@switchyard/core';
import type { Tx } from './batcher.js';
import { dropExpired } from './expiry.js';
import { limitParam, messageColumns, type MessageRow } from './rows.js';
import { BLOCKED } from './schema.js';
import type { Store } from './store.js';
import { toMessage } from './to-message.js';

const countsSql = `SELECT
    count(*) FILTER (WHERE visible_at <= :now) AS ready,
    count(*) FILTER (WHERE visible_at > :now AND visible_at < :blocked AND lease IS NOT NULL) AS leased,
    count(*) FILTER (WHERE visible_at > :now AND visible_at < :blocked AND lease IS NULL) AS delayed,
    count(*) FILTER (WHERE visible_at = :blocked) AS blocked,
    count(*) FILTER (WHERE expires_at <= :now) AS expired,
    min(enqueued_at) AS oldest
  FROM messages WHERE queue_id = :q`;
interface Counts {
  ready: number;
  leased: number;
  delayed: number;
  blocked: number;
  expired: number;
  oldest: number | null;
}

/**
 * Counts by state, exact, as a read (Batcher.read: no write lock held while it counts); undefined
 * when the queue holds expired messages, which `stats` must drop first.
 */
export function statsIfNoneExpired(store: Store, now: number, queue: string): QueueStats | undefined {
  const q = store.requireQueue(queue);
  const r = store.sql(countsSql).get({ now, blocked: BLOCKED, q: q.id }) as Counts;
  return r.expired > 0 ? undefined : toStats(store, q.id, now, r);
}

/**
 * Counts by state, exact, after dropping (and counting on the queue) the expired messages it
 * still stores: what stats does when `statsIfNoneExpired` found some.
 */
export function statsAfterDroppingExpired(store: Store, tx: Tx, queue: string): QueueStats {
  const q = store.requireQueue(queue);
  dropExpired(store, tx, q.id);
  const r = store.sql(countsSql).get({ now: tx.now, blocked: BLOCKED, q: q.id }) as Counts;
  return toStats(store, q.id, tx.now, r);
}

function toStats(store: Store, queueId: number, now: number, r: Counts): QueueStats {
  const counters = store.sql('SELECT dead_lettered, expired FROM queues WHERE id = ?').get(queueId) as { dead_lettered: number; expired: number };
  return {
    ready: r.ready,
    leased: r.leased,
    delayed: r.delayed,
    blocked: r.blocked,
    oldestAgeMs: r.oldest === null ? 0 : Math.max(0, now - r.oldest),
    deadLettered: counters.dead_lettered,
    expired: counters.expired,
  };
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
