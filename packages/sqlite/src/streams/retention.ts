import type { TrimResult } from '@switchyard/core';
import type { Tx } from '../batcher.js';
import type { Store } from '../store.js';
import { partitionRows, requireStream } from './catalog.js';
import type { PartitionRow, StreamRow } from './rows.js';

/**
 * Retention removes a prefix of each partition's log, so offsets stay dense and `start` simply
 * moves up. Age retention stops at the lowest offset a live group (one with an unexpired member)
 * has not committed; size retention does not, and counts what it removed past that point.
 */
export function trim(store: Store, tx: Tx, stream: string): TrimResult {
  return trimStream(store, tx, requireStream(store, stream), Number.POSITIVE_INFINITY);
}

/**
 * The engine's periodic pass over every stream that has a retention limit. It removes at most
 * `chunk` records per partition, so a large backlog coming due is deleted over several sweeps
 * instead of in one long transaction that every other operation would wait behind.
 */
export function trimAll(store: Store, tx: Tx, chunk = 20_000): void {
  const rows = store.sql('SELECT * FROM streams WHERE retention_ms IS NOT NULL OR retention_bytes IS NOT NULL').all() as StreamRow[];
  for (const s of rows) trimStream(store, tx, s, chunk);
}

function trimStream(store: Store, tx: Tx, s: StreamRow, chunk: number): TrimResult {
  const total: TrimResult = { removedByAge: 0, removedBySize: 0, removedUncommitted: 0 };
  for (const row of partitionRows(store, s)) {
    if (row.start_off === row.end_off) continue;
    const protect = protectedFrom(store, tx, s, row);
    const limit = Math.min(row.end_off, row.start_off + chunk);
    if (s.retention_ms !== null) {
      // The first record young enough to keep, looking no further than this pass may remove.
      const young = store
        .sql('SELECT off FROM stream_records WHERE stream_id = ? AND part = ? AND off >= ? AND off < ? AND appended_at >= ? ORDER BY off LIMIT 1')
        .pluck()
        .get(s.id, row.part, row.start_off, limit, tx.now - s.retention_ms) as number | undefined;
      const cut = Math.min(young ?? row.end_off, protect, limit);
      total.removedByAge += removePrefix(store, s, row, cut);
    }
    if (s.retention_bytes !== null && row.bytes > s.retention_bytes) {
      const from = row.start_off;
      let excess = row.bytes - s.retention_bytes;
      let cut = from;
      const sizes = store.sql('SELECT size FROM stream_records WHERE stream_id = ? AND part = ? AND off >= ? ORDER BY off').pluck();
      for (const size of sizes.iterate(s.id, row.part, from) as IterableIterator<number>) {
        if (excess <= 0 || cut >= limit) break;
        excess -= size;
        cut++;
      }
      total.removedBySize += removePrefix(store, s, row, cut);
      total.removedUncommitted += Math.max(0, cut - Math.max(from, protect));
    }
  }
  if (total.removedByAge + total.removedBySize > 0) {
    store
      .sql('UPDATE streams SET removed_by_age = removed_by_age + ?, removed_by_size = removed_by_size + ?, removed_uncommitted = removed_uncommitted + ? WHERE id = ?')
      .run(total.removedByAge, total.removedBySize, total.removedUncommitted, s.id);
  }
  return total;
}

/**
 * The lowest offset of the partition some live group still needs: its committed offset, or the
 * log's start for a live group that has committed nothing here. Infinity when no group is live.
 */
function protectedFrom(store: Store, tx: Tx, s: StreamRow, row: PartitionRow): number {
  const rows = store
    .sql(
      `SELECT o.off AS off FROM stream_groups g LEFT JOIN stream_offsets o ON o.group_id = g.id AND o.part = ?
       WHERE g.stream_id = ? AND EXISTS (SELECT 1 FROM stream_members m WHERE m.group_id = g.id AND m.expires_at > ?)`,
    )
    .all(row.part, s.id, tx.now) as { off: number | null }[];
  let protect = Number.POSITIVE_INFINITY;
  for (const r of rows) protect = Math.min(protect, r.off ?? row.start_off);
  return protect;
}

/** Deletes records before `cut` and moves the partition's start there. Returns how many went. */
function removePrefix(store: Store, s: StreamRow, row: PartitionRow, cut: number): number {
  if (cut <= row.start_off) return 0;
  const bytes = store
    .sql('SELECT coalesce(sum(size), 0) FROM stream_records WHERE stream_id = ? AND part = ? AND off >= ? AND off < ?')
    .pluck()
    .get(s.id, row.part, row.start_off, cut) as number;
  store.sql('DELETE FROM stream_records WHERE stream_id = ? AND part = ? AND off >= ? AND off < ?').run(s.id, row.part, row.start_off, cut);
  const removed = cut - row.start_off;
  row.start_off = cut;
  row.bytes -= bytes;
  store.sql('UPDATE stream_partitions SET start_off = ?, bytes = ? WHERE stream_id = ? AND part = ?').run(row.start_off, row.bytes, s.id, row.part);
  return removed;
}
