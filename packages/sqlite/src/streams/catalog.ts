import {
  PartitionOutOfRangeError,
  StreamAlreadyExistsError,
  StreamNotFoundError,
  type ResolvedStreamOptions,
  type StreamInfo,
} from '@switchyard/core';
import type { Tx } from '../batcher.js';
import type { Store } from '../store.js';
import { toStreamInfo, waiterId, type PartitionRow, type StreamRow } from './rows.js';

/** Creating, finding and deleting streams, and the partition look-ups every operation starts with. */

export function findStream(store: Store, name: string): StreamRow | undefined {
  return store.sql('SELECT * FROM streams WHERE name = ?').get(name) as StreamRow | undefined;
}

export function requireStream(store: Store, name: string): StreamRow {
  const s = findStream(store, name);
  if (!s) throw new StreamNotFoundError(name);
  return s;
}

export function checkPartition(s: StreamRow, partition: number): number {
  if (!Number.isInteger(partition) || partition < 0 || partition >= s.partitions) throw new PartitionOutOfRangeError(s.name, partition, s.partitions);
  return partition;
}

export function partitionRows(store: Store, s: StreamRow): PartitionRow[] {
  return store.sql('SELECT * FROM stream_partitions WHERE stream_id = ? ORDER BY part').all(s.id) as PartitionRow[];
}

export function partitionRow(store: Store, s: StreamRow, partition: number): PartitionRow {
  checkPartition(s, partition);
  return store.sql('SELECT * FROM stream_partitions WHERE stream_id = ? AND part = ?').get(s.id, partition) as PartitionRow;
}

export function createStream(store: Store, tx: Tx, name: string, o: ResolvedStreamOptions): StreamInfo {
  const existing = findStream(store, name);
  if (existing) {
    const info = toStreamInfo(existing);
    const same = info.partitions === o.partitions && info.retention.maxAgeMs === o.retention.maxAgeMs && info.retention.maxBytes === o.retention.maxBytes;
    if (!same) throw new StreamAlreadyExistsError(name, 'with other settings');
    return info;
  }
  const { lastInsertRowid } = store
    .sql('INSERT INTO streams (name, partitions, retention_ms, retention_bytes, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(name, o.partitions, o.retention.maxAgeMs, o.retention.maxBytes, tx.now);
  const insert = store.sql('INSERT INTO stream_partitions (stream_id, part) VALUES (?, ?)');
  for (let p = 0; p < o.partitions; p++) insert.run(lastInsertRowid, p);
  return toStreamInfo(requireStream(store, name));
}

export function deleteStream(store: Store, tx: Tx, name: string): boolean {
  const s = findStream(store, name);
  if (!s) return false;
  for (const table of ['stream_members', 'stream_owners', 'stream_offsets', 'stream_state']) {
    store.sql(`DELETE FROM ${table} WHERE group_id IN (SELECT id FROM stream_groups WHERE stream_id = ?)`).run(s.id);
  }
  for (const table of ['stream_groups', 'stream_records', 'stream_partitions']) store.sql(`DELETE FROM ${table} WHERE stream_id = ?`).run(s.id);
  store.sql('DELETE FROM streams WHERE id = ?').run(s.id);
  // Readers waiting on it wake up and learn it is gone.
  tx.afterCommit(() => store.waiters.notify(waiterId(s.id)));
  return true;
}

export function listStreams(store: Store, prefix: string | undefined): StreamInfo[] {
  const rows = store.sql('SELECT * FROM streams ORDER BY name').all() as StreamRow[];
  return rows.filter((r) => prefix === undefined || r.name.startsWith(prefix)).map(toStreamInfo);
}
