import { InvalidArgumentError, type MessageState, type PeekPage, type PeekRequest, type QueueStats } from '@switchyard/core';
import type { Tx } from './db.js';
import { dropExpired } from './expiry.js';
import { requireQueue, toMessage, type MessageRow } from './rows.js';
import { BLOCKED } from './schema.js';

/** Counts by state. Expired messages are dropped first, so the counts are exact. */
export async function stats(tx: Tx, queue: string): Promise<QueueStats> {
  const q = await requireQueue(tx, queue);
  await dropExpired(tx, q.id);
  const [r] = await tx.query<{ ready: number; leased: number; delayed: number; blocked: number; oldest: number | null }>(
    `SELECT
       count(*) FILTER (WHERE visible_at <= $1)::int AS ready,
       count(*) FILTER (WHERE visible_at > $1 AND visible_at < $2 AND lease IS NOT NULL)::int AS leased,
       count(*) FILTER (WHERE visible_at > $1 AND visible_at < $2 AND lease IS NULL)::int AS delayed,
       count(*) FILTER (WHERE visible_at = $2)::int AS blocked,
       min(enqueued_at) AS oldest
     FROM messages WHERE queue_id = $3`,
    [tx.now, BLOCKED, q.id],
  );
  const [counters] = await tx.query<{ dead_lettered: number; expired: number }>('SELECT dead_lettered, expired FROM queues WHERE id = $1', [q.id]);
  return {
    ready: r?.ready ?? 0,
    leased: r?.leased ?? 0,
    delayed: r?.delayed ?? 0,
    blocked: r?.blocked ?? 0,
    oldestAgeMs: r?.oldest == null ? 0 : Math.max(0, tx.now - r.oldest),
    deadLettered: counters?.dead_lettered ?? 0,
    expired: counters?.expired ?? 0,
  };
}

/** Browses in delivery order (visible_at, seq) without leasing. The cursor is `visible_at:seq`. */
export async function peek(tx: Tx, queue: string, request: PeekRequest): Promise<PeekPage> {
  const q = await requireQueue(tx, queue);
  await dropExpired(tx, q.id);
  const [after, seq] = request.cursor === undefined ? [-1, -1] : parseCursor(request.cursor);
  const rows = await tx.query<MessageRow>(
    'SELECT * FROM messages WHERE queue_id = $1 AND (visible_at, seq) > ($2, $3) ORDER BY visible_at, seq LIMIT $4',
    [q.id, after, seq, request.max + 1],
  );
  const more = rows.length > request.max;
  if (more) rows.pop();
  const messages = rows.map((row) => {
    const state = stateOf(row, tx.now);
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
export async function purge(tx: Tx, queue: string): Promise<number> {
  const q = await requireQueue(tx, queue);
  const rows = await tx.query('DELETE FROM messages WHERE queue_id = $1 RETURNING 1', [q.id]);
  return rows.length;
}
