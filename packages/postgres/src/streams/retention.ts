import { StreamNotFoundError, type TrimResult } from '@switchyard/core';
import type { Tx } from '../db.js';
import { requireStream } from './catalog.js';
import { lockPartitions, lockStream } from './locks.js';
import type { PartitionRow, StreamRow } from './rows.js';

/**
 * Retention removes a prefix of each partition's log, so offsets stay dense and `start` simply
 * moves up. Age retention stops at the lowest offset a live group (one with an unexpired member)
 * has not committed; size retention does not, and counts what it removed past that point.
 *
 * A pass first looks, without locks, for partitions with something due (an oldest record past
 * the age limit, or more bytes than the size limit), and only then takes the stream's row and
 * those partitions' rows (locks.ts), so a sweep with nothing to do never holds up an append.
 */

/** Applies retention to one stream now, in the caller's transaction. */
export async function trim(tx: Tx, stream: string): Promise<TrimResult> {
  return trimStream(tx, await requireStream(tx, stream), Number.POSITIVE_INFINITY);
}

/**
 * The streams the engine's periodic sweep visits: those with a partition that has something due,
 * found in one statement without locks.
 */
export async function dueStreams(tx: Tx): Promise<string[]> {
  const rows = await tx.query<{ name: string }>(
    `SELECT s.name FROM streams s WHERE EXISTS (
       SELECT 1 FROM stream_partitions p
       LEFT JOIN stream_records r ON r.stream_id = p.stream_id AND r.part = p.part AND r.off = p.start_off
       WHERE p.stream_id = s.id AND p.start_off < p.end_off
         AND ((s.retention_ms IS NOT NULL AND r.appended_at < $1::bigint - s.retention_ms) OR (s.retention_bytes IS NOT NULL AND p.bytes > s.retention_bytes)))
     ORDER BY s.id`,
    [tx.now],
  );
  return rows.map((r) => r.name);
}

/**
 * One stream's turn in the periodic sweep, in its own transaction. It removes at most `chunk`
 * records per partition, so a large backlog coming due is deleted over several sweeps instead
 * of in one long transaction that appends would wait behind. A stream deleted meanwhile is skipped.
 */
export async function sweepStream(tx: Tx, name: string, chunk = 20_000): Promise<void> {
  try {
    await trimStream(tx, await requireStream(tx, name), chunk);
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
}

async function trimStream(tx: Tx, found: StreamRow, chunk: number): Promise<TrimResult> {
  const total: TrimResult = { removedByAge: 0, removedBySize: 0, removedUncommitted: 0 };
  const due = await duePartitions(tx, found);
  if (due.length === 0) return total;
  const s = await lockStream(tx, found.id);
  if (!s) throw new StreamNotFoundError(found.name);
  const rows = (await lockPartitions(tx, s, due)).filter((r) => r.start_off < r.end_off);
  const protect = await protectedFrom(tx, s);
  for (const row of rows) {
    const keep = protect.get(row.part) ?? Number.POSITIVE_INFINITY;
    const limit = Math.min(row.end_off, row.start_off + chunk);
    if (s.retention_ms !== null) {
      // The first record young enough to keep, looking no further than this pass may remove.
      const [young] = await tx.query<{ off: number }>(
        'SELECT off FROM stream_records WHERE stream_id = $1 AND part = $2 AND off >= $3 AND off < $4 AND appended_at >= $5 ORDER BY off LIMIT 1',
        [s.id, row.part, row.start_off, limit, tx.now - s.retention_ms],
      );
      total.removedByAge += await removePrefix(tx, s, row, Math.min(young?.off ?? row.end_off, keep, limit));
    }
    if (s.retention_bytes !== null && row.bytes > s.retention_bytes) {
      const from = row.start_off;
      // The first record at which the running size reaches the excess: it and those before it go.
      const [last] = await tx.query<{ off: number }>(
        `SELECT off FROM (
           SELECT off, sum(size) OVER (ORDER BY off) AS running FROM stream_records WHERE stream_id = $1 AND part = $2 AND off >= $3 AND off < $4
         ) t WHERE running >= $5 ORDER BY off LIMIT 1`,
        [s.id, row.part, from, limit, row.bytes - s.retention_bytes],
      );
      const cut = last ? last.off + 1 : limit;
      total.removedBySize += await removePrefix(tx, s, row, cut);
      total.removedUncommitted += Math.max(0, cut - Math.max(from, keep));
    }
  }
  if (total.removedByAge + total.removedBySize > 0) {
    await tx.query(
      'UPDATE streams SET removed_by_age = removed_by_age + $2, removed_by_size = removed_by_size + $3, removed_uncommitted = removed_uncommitted + $4 WHERE id = $1',
      [s.id, total.removedByAge, total.removedBySize, total.removedUncommitted],
    );
  }
  return total;
}

/** Partitions with something retention may remove, as committed now (no locks). */
async function duePartitions(tx: Tx, s: StreamRow): Promise<number[]> {
  const rows = await tx.query<{ part: number }>(
    `SELECT p.part FROM stream_partitions p
     LEFT JOIN stream_records r ON r.stream_id = p.stream_id AND r.part = p.part AND r.off = p.start_off
     WHERE p.stream_id = $1 AND p.start_off < p.end_off
       AND (($2::bigint IS NOT NULL AND r.appended_at < $4::bigint - $2::bigint) OR ($3::bigint IS NOT NULL AND p.bytes > $3::bigint))
     ORDER BY p.part`,
    [s.id, s.retention_ms, s.retention_bytes, tx.now],
  );
  return rows.map((r) => r.part);
}

/**
 * Per partition, the lowest offset some live group still needs: its committed offset, or the
 * log's start for a live group that has committed nothing there. Partitions no live group holds
 * back are absent.
 */
async function protectedFrom(tx: Tx, s: StreamRow): Promise<Map<number, number>> {
  const rows = await tx.query<{ part: number; off: number }>(
    `SELECT p.part, min(coalesce(o.off, p.start_off)) AS off
     FROM stream_partitions p
     JOIN stream_groups g ON g.stream_id = p.stream_id
     LEFT JOIN stream_offsets o ON o.group_id = g.id AND o.part = p.part
     WHERE p.stream_id = $1 AND EXISTS (SELECT 1 FROM stream_members m WHERE m.group_id = g.id AND m.expires_at > $2)
     GROUP BY p.part`,
    [s.id, tx.now],
  );
  return new Map(rows.map((r) => [r.part, r.off]));
}

/** Deletes records before `cut` and moves the partition's start there. Returns how many went. */
async function removePrefix(tx: Tx, s: StreamRow, row: PartitionRow, cut: number): Promise<number> {
  if (cut <= row.start_off) return 0;
  const [gone] = await tx.query<{ bytes: number }>(
    `WITH gone AS (DELETE FROM stream_records WHERE stream_id = $1 AND part = $2 AND off >= $3 AND off < $4 RETURNING size)
     SELECT coalesce(sum(size), 0)::bigint AS bytes FROM gone`,
    [s.id, row.part, row.start_off, cut],
  );
  const removed = cut - row.start_off;
  row.start_off = cut;
  row.bytes -= gone?.bytes ?? 0;
  await tx.query('UPDATE stream_partitions SET start_off = $3, bytes = $4 WHERE stream_id = $1 AND part = $2', [s.id, row.part, row.start_off, row.bytes]);
  return removed;
}
