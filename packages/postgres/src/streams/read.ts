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
 * The first offset at or after `timestamp`, as one statement: a binary search on `max_ts`, the
 * running maximum of timestamps, which never decreases with the offset, so the first record
 * whose running maximum reaches `timestamp` is the first record, in log order, whose own
 * timestamp does. Each step of the recursive query is one primary-key lookup (about 20 for a
 * million records), all on the server in one round trip. At the log's start the running maximum
 * may include records retention removed, so there the answer is confirmed by a scan. Run in a
 * snapshot transaction, so the records from start to end are all there while it runs.
 *
 * `OFFSET 0` keeps the step's lookup a subquery: flattened into a join, the planner (with the
 * table's statistics not yet gathered) scanned the whole partition once per step instead —
 * 172 ms against 1.1 ms per call for 100,000 records.
 */
const offsetForTimestampSql = `WITH RECURSIVE search(lo, hi) AS (
    SELECT $3::bigint, $4::bigint
    UNION ALL
    SELECT CASE WHEN r.max_ts >= $5 THEN s.lo ELSE (s.lo + s.hi) / 2 + 1 END,
           CASE WHEN r.max_ts >= $5 THEN (s.lo + s.hi) / 2 ELSE s.hi END
    FROM search s CROSS JOIN LATERAL (
      SELECT max_ts FROM stream_records WHERE stream_id = $1 AND part = $2 AND off = (s.lo + s.hi) / 2 OFFSET 0
    ) r
    WHERE s.lo < s.hi
  )
  SELECT coalesce(
    (SELECT off FROM stream_records WHERE stream_id = $1 AND part = $2 AND off = (SELECT lo FROM search WHERE lo >= hi) AND ts >= $5),
    (SELECT off FROM stream_records WHERE stream_id = $1 AND part = $2 AND off > (SELECT lo FROM search WHERE lo >= hi) AND off < $4 AND ts >= $5 ORDER BY off LIMIT 1)
  ) AS off`;

export async function offsetForTimestamp(tx: Tx, stream: string, partition: number, timestamp: number): Promise<number | null> {
  const s = await requireStream(tx, stream);
  const row = await partitionRow(tx, s, partition);
  const [r] = await tx.query<{ off: number | null }>(offsetForTimestampSql, [s.id, partition, row.start_off, row.end_off, timestamp]);
  return r?.off ?? null;
}
