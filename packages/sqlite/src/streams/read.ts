import { planRead, type EncodedBody, type PartitionOffsets, type ReadRequest, type StreamRecord } from '@switchyard/core';
import { limitParam } from '../rows.js';
import type { Store } from '../store.js';
import { partitionRow, partitionRows, requireStream } from './catalog.js';
import { toOffsets, toRecord, waiterId, type RecordRow } from './rows.js';

export interface ReadOutcome {
  records: StreamRecord<EncodedBody>[];
  /** The stream's waiter id and its version when the transaction looked; wait since this. */
  waiter: number;
  version: number;
}

const rangeSql = `SELECT * FROM stream_records WHERE stream_id = ? AND part = ? AND off >= ? ORDER BY off LIMIT ${limitParam()}`;

/**
 * Reads what is there now. Every position is checked first, so a bad one fails the whole read.
 * The partitions with records share `max`: each gets an equal share first, then whatever the
 * others left, so one deep backlog cannot starve the rest.
 */
export function readNow(store: Store, stream: string, request: ReadRequest): ReadOutcome {
  const s = requireStream(store, stream);
  const waiter = waiterId(s.id);
  const version = store.waiters.version(waiter);
  const cursors = planRead(s.name, request, (partition) => {
    const row = partitionRow(store, s, partition);
    return { start: row.start_off, end: row.end_off };
  });
  const records: StreamRecord<EncodedBody>[] = [];
  for (const c of cursors) {
    const rows = store.sql(rangeSql).all(s.id, c.partition, c.offset, c.take) as RecordRow[];
    for (const row of rows) records.push(toRecord(s.name, row));
  }
  return { records, waiter, version };
}

export function offsets(store: Store, stream: string): PartitionOffsets[] {
  return partitionRows(store, requireStream(store, stream)).map(toOffsets);
}

/**
 * Binary search on `max_ts`, the running maximum of timestamps, which never decreases with the
 * offset: the first record whose running maximum reaches `timestamp` is the first record, in log
 * order, whose own timestamp does. (At the log's start the running maximum may include records
 * retention removed, so that one case is confirmed by a scan.)
 */
export function offsetForTimestamp(store: Store, stream: string, partition: number, timestamp: number): number | null {
  const s = requireStream(store, stream);
  const row = partitionRow(store, s, partition);
  const at = store.sql('SELECT max_ts, ts FROM stream_records WHERE stream_id = ? AND part = ? AND off = ?');
  let lo = row.start_off;
  let hi = row.end_off;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = at.get(s.id, partition, mid) as { max_ts: number };
    if (r.max_ts >= timestamp) hi = mid;
    else lo = mid + 1;
  }
  if (lo >= row.end_off) return null;
  const first = at.get(s.id, partition, lo) as { ts: number };
  if (first.ts >= timestamp) return lo;
  const later = store
    .sql('SELECT off FROM stream_records WHERE stream_id = ? AND part = ? AND off > ? AND ts >= ? ORDER BY off LIMIT 1')
    .get(s.id, partition, lo, timestamp) as { off: number } | undefined;
  return later?.off ?? null;
}
