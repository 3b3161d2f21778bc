import { StreamNotFoundError } from '@switchyard/core';
import type { Tx } from '../db.js';
import type { GroupRow, PartitionRow, StreamRow } from './rows.js';

/**
 * The row locks that stand in for SQLite's single writer, and the one order every stream
 * operation takes them in, so no two operations can deadlock:
 *
 *   1. group rows (`stream_groups`), FOR UPDATE: a group operation (join, heartbeat, leave,
 *      describe, commit) takes its group's row first and holds it to the end, so the expiry and
 *      rebalance it may do, the ownership checks of a commit and the commit's writes all happen
 *      as one step per group. Deleting a stream takes all its groups' rows, by id.
 *   2. and 3., by stream id, one stream after another: the stream's row (`streams`), then its
 *      partition rows (`stream_partitions`), ascending. The stream row is taken FOR NO KEY
 *      UPDATE to change it (the keyless round robin, retention's counters), FOR UPDATE to delete
 *      it, FOR KEY SHARE to keep it while a new group is created under it (after the group's
 *      row is inserted: membership.ts). Appends without keyless records do not take it at all;
 *      a delete still waits for them, at their partition rows.
 *
 * A partition's row is its append lock. An append locks the rows of the partitions it writes,
 * reads their end offsets, inserts its records there and moves the ends, and commits — so the
 * next append to the partition, waiting on the lock, reads the end this one committed. Offsets
 * are therefore dense, and they commit in offset order: a reader never sees offset 6 while
 * offset 5 is still in flight (it would skip 5 for good). Retention takes the same locks to
 * move a partition's start. Reads take no lock: they read a snapshot.
 *
 * Queue-side locks (a commit's publishes) come after all of these; queue operations never take a
 * stream lock, so they cannot close a cycle.
 */

export async function lockGroup(tx: Tx, streamId: number, name: string): Promise<GroupRow | undefined> {
  return (await tx.query<GroupRow>('SELECT * FROM stream_groups WHERE stream_id = $1 AND name = $2 FOR UPDATE', [streamId, name]))[0];
}

/** Every group of a stream, by id (for deleting the stream). */
export async function lockGroupsOf(tx: Tx, streamId: number): Promise<void> {
  await tx.query('SELECT id FROM stream_groups WHERE stream_id = $1 ORDER BY id FOR UPDATE', [streamId]);
}

/** The stream's row, locked to change it; undefined when it was deleted meanwhile. */
export async function lockStream(tx: Tx, id: number): Promise<StreamRow | undefined> {
  return (await tx.query<StreamRow>('SELECT * FROM streams WHERE id = $1 FOR NO KEY UPDATE', [id]))[0];
}

/**
 * Locks the rows of `parts` (checked to be in the stream) in ascending order — the sort sits
 * below the lock in the plan, so rows are locked in that order — and returns them as they are
 * once locked. A stream deleted meanwhile throws StreamNotFoundError.
 */
export async function lockPartitions(tx: Tx, s: StreamRow, parts: readonly number[]): Promise<PartitionRow[]> {
  const rows = await tx.query<PartitionRow>('SELECT * FROM stream_partitions WHERE stream_id = $1 AND part = ANY($2::int[]) ORDER BY part FOR UPDATE', [
    s.id,
    [...new Set(parts)],
  ]);
  if (rows.length < new Set(parts).size) throw new StreamNotFoundError(s.name);
  return rows;
}
