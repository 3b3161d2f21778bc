import {
  PartitionOutOfRangeError,
  StreamAlreadyExistsError,
  StreamNotFoundError,
  type ResolvedStreamOptions,
  type StreamInfo,
} from '@switchyard/core';
import type { Tx } from '../db.js';
import { lockGroupsOf } from './locks.js';
import { streamWaiter, toStreamInfo, type PartitionRow, type StreamRow } from './rows.js';

/** Creating, finding and deleting streams, and the partition look-ups every operation starts with. */

export async function findStream(tx: Tx, name: string): Promise<StreamRow | undefined> {
  return (await tx.query<StreamRow>('SELECT * FROM streams WHERE name = $1', [name]))[0];
}

export async function requireStream(tx: Tx, name: string): Promise<StreamRow> {
  const s = await findStream(tx, name);
  if (!s) throw new StreamNotFoundError(name);
  return s;
}

export function checkPartition(s: StreamRow, partition: number): number {
  if (!Number.isInteger(partition) || partition < 0 || partition >= s.partitions) throw new PartitionOutOfRangeError(s.name, partition, s.partitions);
  return partition;
}

export async function partitionRows(tx: Tx, s: StreamRow): Promise<PartitionRow[]> {
  return tx.query<PartitionRow>('SELECT * FROM stream_partitions WHERE stream_id = $1 ORDER BY part', [s.id]);
}

export async function partitionRow(tx: Tx, s: StreamRow, partition: number): Promise<PartitionRow> {
  checkPartition(s, partition);
  const [row] = await tx.query<PartitionRow>('SELECT * FROM stream_partitions WHERE stream_id = $1 AND part = $2', [s.id, partition]);
  if (!row) throw new StreamNotFoundError(s.name);
  return row;
}

/**
 * Creates the stream and its partitions, or returns the one that exists with the same settings.
 * Engines creating one name at once: the unique name lets one insert win, and the others
 * compare their settings with the winner's.
 */
export async function createStream(tx: Tx, name: string, o: ResolvedStreamOptions): Promise<StreamInfo> {
  const [created] = await tx.query<StreamRow>(
    `INSERT INTO streams (name, partitions, retention_ms, retention_bytes, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO NOTHING RETURNING *`,
    [name, o.partitions, o.retention.maxAgeMs, o.retention.maxBytes, tx.now],
  );
  if (created) {
    await tx.query('INSERT INTO stream_partitions (stream_id, part) SELECT $1, generate_series(0, $2 - 1)', [created.id, o.partitions]);
    return toStreamInfo(created);
  }
  // Deleted between the conflict and this look: the caller may simply try again.
  const info = toStreamInfo(await requireStream(tx, name));
  const same = info.partitions === o.partitions && info.retention.maxAgeMs === o.retention.maxAgeMs && info.retention.maxBytes === o.retention.maxBytes;
  if (!same) throw new StreamAlreadyExistsError(name, 'with other settings');
  return info;
}

/**
 * Deletes the stream with its records, groups, offsets and state. Locks are taken in the order
 * of locks.ts: the groups, the stream row, then the partitions (whose DELETE waits for appends
 * holding them); records are deleted last, so the statement sees what those appends committed.
 */
export async function deleteStream(tx: Tx, name: string): Promise<boolean> {
  const s = await findStream(tx, name);
  if (!s) return false;
  await lockGroupsOf(tx, s.id);
  const gone = await tx.query('DELETE FROM streams WHERE id = $1 RETURNING id', [s.id]);
  if (gone.length === 0) return false;
  const groups = 'SELECT id FROM stream_groups WHERE stream_id = $1';
  for (const table of ['stream_members', 'stream_owners', 'stream_offsets', 'stream_state']) await tx.query(`DELETE FROM ${table} WHERE group_id IN (${groups})`, [s.id]);
  for (const table of ['stream_groups', 'stream_partitions', 'stream_records']) await tx.query(`DELETE FROM ${table} WHERE stream_id = $1`, [s.id]);
  // Readers waiting on it wake up and learn it is gone.
  tx.announce(streamWaiter(name));
  return true;
}

export async function listStreams(tx: Tx, prefix: string | undefined): Promise<StreamInfo[]> {
  const rows = await tx.query<StreamRow>('SELECT * FROM streams WHERE $1::text IS NULL OR starts_with(name, $1) ORDER BY name COLLATE "C"', [prefix ?? null]);
  return rows.map(toStreamInfo);
}
