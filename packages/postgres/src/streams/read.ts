import { planRead, StreamNotFoundError, type EncodedBody, type PartitionOffsets, type ReadRequest, type StreamRecord } from '@switchyard/core';
import type { Tx } from '../db.js';
import { checkPartition, partitionRow, partitionRows, requireStream } from './catalog.js';
import { toOffsets, toRecord, type RecordRow } from './rows.js';

/** The records of several partition ranges in one statement, partition by partition, each in offset order. */
const rangesSql = `SELECT r.* FROM unnest($2::int[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS c(part, off, n, i)
  CROSS JOIN LATERAL (
    SELECT * FROM stream_records WHERE stream_id = $1 AND part = c.part AND off >= c.off AND off < c.off + c.n ORDER BY off
  ) r
  ORDER BY c.i, r.off`;

/**
 * Reads what is there now; the caller runs it in a snapshot transaction, so the partitions' ends
 * and the records agree (and appends commit in offset order, so what a snapshot holds of a
 * partition is always a dense prefix). Every position is checked first, so a bad one fails the
 * whole read. The partitions with records share `max`: each gets an equal share first, then
 * whatever the others left, so one deep backlog cannot starve the rest.
 */
export async function readNow(tx: Tx, stream: string, request: ReadRequest): Promise<StreamRecord<EncodedBody>[]> {
  const s = await requireStream(tx, stream);
  const rows = new Map((await partitionRows(tx, s)).map((r) => [r.part, r]));
  const wanted = planRead(s.name, request, (partition) => {
    const row = rows.get(checkPartition(s, partition));
    if (!row) throw new StreamNotFoundError(s.name);
    return { start: row.start_off, end: row.end_off };
  });
  if (wanted.length === 0) return [];
  const records = await tx.query<RecordRow>(rangesSql, [s.id, wanted.map((c) => c.partition), wanted.map((c) => c.offset), wanted.map((c) => c.take)]);
  return records.map((r) => toRecord(s.name, r));
}

export async function offsets(tx: Tx, stream: string): Promise<PartitionOffsets[]> {
  return (await partitionRows(tx, await requireStream(tx, stream))).map(toOffsets);
}

/**
 * Binary search on `max_ts`, the running maximum of timestamps, which never decreases with the
 * offset: the first record whose running maximum reaches `timestamp` is the first record, in log
 * order, whose own timestamp does. (At the log's start the running maximum may include records
 * retention removed, so that one case is confirmed by a scan.) Run in a snapshot transaction, so
 * retention cannot remove a record between two steps of the search.
 */
export async function offsetForTimestamp(tx: Tx, stream: string, partition: number, timestamp: number): Promise<number | null> {
  const s = await requireStream(tx, stream);
  const row = await partitionRow(tx, s, partition);
  const at = async (off: number) =>
    (await tx.query<{ max_ts: number; ts: number }>('SELECT max_ts, ts FROM stream_records WHERE stream_id = $1 AND part = $2 AND off = $3', [s.id, partition, off]))[0] as {
      max_ts: number;
      ts: number;
    };
  let lo = row.start_off;
  let hi = row.end_off;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await at(mid)).max_ts >= timestamp) hi = mid;
    else lo = mid + 1;
  }
  if (lo >= row.end_off) return null;
  if ((await at(lo)).ts >= timestamp) return lo;
  const [later] = await tx.query<{ off: number }>('SELECT off FROM stream_records WHERE stream_id = $1 AND part = $2 AND off > $3 AND ts >= $4 ORDER BY off LIMIT 1', [
    s.id,
    partition,
    lo,
    timestamp,
  ]);
  return later?.off ?? null;
}
