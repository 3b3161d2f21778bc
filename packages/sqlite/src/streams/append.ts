import { headersSize, partitionForKey, type AppendResult, type StreamEntry } from '@switchyard/core';
import type { Tx } from '../batcher.js';
import type { Store } from '../store.js';
import { checkPartition, partitionRow, requireStream } from './catalog.js';
import { waiterId, type PartitionRow, type StreamRow } from './rows.js';

const insertSql = `INSERT INTO stream_records
  (stream_id, part, off, id, type, body_kind, body, headers, key, ts, max_ts, appended_at, size)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const updatePartitionSql = 'UPDATE stream_partitions SET end_off = ?, bytes = ?, max_ts = ? WHERE stream_id = ? AND part = ?';

/**
 * Appends a batch to one stream inside the caller's transaction. The partition is the entry's
 * own, else Kafka's partition for its key, else the next in the stream's round robin (kept in the
 * stream row, so keyless records spread evenly across batches and processes). Each record takes
 * the partition's end offset, which then moves up by one: offsets stay dense.
 */
export function appendEntries(store: Store, tx: Tx, stream: string, entries: readonly StreamEntry[]): AppendResult[] {
  const s = requireStream(store, stream);
  const touched = new Map<number, PartitionRow>();
  let roundRobin = s.next_keyless;
  const insert = store.sql(insertSql);
  const results = entries.map((e): AppendResult => {
    const p = choosePartition(s, e, () => roundRobin++);
    let row = touched.get(p);
    if (!row) touched.set(p, (row = partitionRow(store, s, p)));
    const offset = row.end_off++;
    const size = e.body.data.byteLength + headersSize(e.headers) + (e.key === undefined ? 0 : Buffer.byteLength(e.key));
    row.bytes += size;
    row.max_ts = row.max_ts === null ? e.timestamp : Math.max(row.max_ts, e.timestamp);
    const headers = Object.keys(e.headers).length === 0 ? null : JSON.stringify(e.headers);
    insert.run(s.id, p, offset, e.id, e.type, e.body.kind, asBuffer(e.body.data), headers, e.key ?? null, e.timestamp, row.max_ts, tx.now, size);
    return { id: e.id, partition: p, offset };
  });
  for (const row of touched.values()) store.sql(updatePartitionSql).run(row.end_off, row.bytes, row.max_ts, s.id, row.part);
  if (roundRobin !== s.next_keyless) store.sql('UPDATE streams SET next_keyless = ? WHERE id = ?').run(roundRobin % s.partitions, s.id);
  if (results.length > 0) tx.afterCommit(() => store.waiters.notify(waiterId(s.id)));
  return results;
}

function choosePartition(s: StreamRow, e: StreamEntry, nextRoundRobin: () => number): number {
  if (e.partition !== undefined) return checkPartition(s, e.partition);
  if (e.key !== undefined) return partitionForKey(e.key, s.partitions);
  return nextRoundRobin() % s.partitions;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
