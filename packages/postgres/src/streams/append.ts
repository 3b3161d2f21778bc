import { headersSize, partitionForKey, StreamNotFoundError, type AppendResult, type StreamEntry } from '@switchyard/core';
import type { Tx } from '../db.js';
import { checkPartition, findStream, requireStream } from './catalog.js';
import { lockPartitions } from './locks.js';
import { asBuffer, streamWaiter, type PartitionRow, type StreamRow } from './rows.js';

/** Many records in one statement: one array parameter per column. */
const insertSql = `INSERT INTO stream_records
  (stream_id, part, off, id, type, body_kind, body, headers, key, ts, max_ts, appended_at, size)
  SELECT $1, u.part, u.off, u.id, u.type, u.kind, u.body, u.headers, u.key, u.ts, u.max_ts, u.appended_at, u.size
  FROM unnest($2::int[], $3::bigint[], $4::text[], $5::text[], $6::smallint[], $7::bytea[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::int[])
    AS u(part, off, id, type, kind, body, headers, key, ts, max_ts, appended_at, size)`;

const updatePartitionsSql = `UPDATE stream_partitions p SET end_off = u.end_off, bytes = u.bytes, max_ts = u.max_ts, appended_at = u.appended_at
  FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS u(part, end_off, bytes, max_ts, appended_at)
  WHERE p.stream_id = $1 AND p.part = u.part`;

/**
 * Appends a batch to one stream inside the caller's transaction. The partition is the entry's
 * own, else Kafka's partition for its key, else the next in the stream's round robin (kept in the
 * stream row, so keyless records spread evenly across batches and processes; only batches with
 * keyless records take that row's lock). The rows of the partitions written are then locked
 * (locks.ts) and each record takes its partition's end offset, which moves up by one: offsets
 * are dense, and commit in offset order. appended_at is the transaction's time, raised to the
 * partition's latest when that is later, so it never goes backwards within a partition.
 */
export async function appendEntries(tx: Tx, stream: string, entries: readonly StreamEntry[]): Promise<AppendResult[]> {
  const s = await requireStream(tx, stream);
  if (entries.length === 0) return [];
  for (const e of entries) if (e.partition !== undefined) checkPartition(s, e.partition);
  const nextRoundRobin = await roundRobin(tx, s, entries);
  const parts = entries.map((e) => choosePartition(s, e, nextRoundRobin));
  const rows = new Map((await lockPartitions(tx, s, parts)).map((r) => [r.part, r]));
  const columns = { off: [] as number[], maxTs: [] as number[], appendedAt: [] as number[], size: [] as number[] };
  for (const row of rows.values()) row.appended_at = Math.max(row.appended_at, tx.now);
  const results = entries.map((e, i): AppendResult => {
    const row = rows.get(parts[i] as number) as PartitionRow;
    const offset = row.end_off++;
    const size = e.body.data.byteLength + headersSize(e.headers) + (e.key === undefined ? 0 : Buffer.byteLength(e.key));
    row.bytes += size;
    row.max_ts = row.max_ts === null ? e.timestamp : Math.max(row.max_ts, e.timestamp);
    columns.off.push(offset);
    columns.maxTs.push(row.max_ts);
    columns.appendedAt.push(row.appended_at);
    columns.size.push(size);
    return { id: e.id, partition: row.part, offset };
  });
  await tx.query(insertSql, [
    s.id,
    parts,
    columns.off,
    entries.map((e) => e.id),
    entries.map((e) => e.type),
    entries.map((e) => e.body.kind),
    entries.map((e) => asBuffer(e.body.data)),
    entries.map((e) => (Object.keys(e.headers).length === 0 ? null : JSON.stringify(e.headers))),
    entries.map((e) => e.key ?? null),
    entries.map((e) => e.timestamp),
    columns.maxTs,
    columns.appendedAt,
    columns.size,
  ]);
  const touched = [...rows.values()];
  await tx.query(updatePartitionsSql, [
    s.id,
    touched.map((r) => r.part),
    touched.map((r) => r.end_off),
    touched.map((r) => r.bytes),
    touched.map((r) => r.max_ts),
    touched.map((r) => r.appended_at),
  ]);
  tx.announce(streamWaiter(s.name));
  return results;
}

/**
 * Appends to several streams in one transaction (a commit's outputs), taking the streams in id
 * order as locks.ts requires; batches for the same stream are appended in the order given.
 */
export async function appendToStreams(tx: Tx, batches: readonly { stream: string; entries: readonly StreamEntry[] }[]): Promise<void> {
  const byStream = new Map<string, StreamEntry[]>();
  for (const b of batches) byStream.set(b.stream, [...(byStream.get(b.stream) ?? []), ...b.entries]);
  const order: { id: number; stream: string }[] = [];
  for (const stream of byStream.keys()) {
    const s = await findStream(tx, stream);
    if (!s) throw new StreamNotFoundError(stream);
    order.push({ id: s.id, stream });
  }
  order.sort((a, b) => a.id - b.id);
  for (const { stream } of order) await appendEntries(tx, stream, byStream.get(stream) as StreamEntry[]);
}

/**
 * Reserves the round-robin positions of the batch's keyless records in one statement (which
 * locks the stream row, as locks.ts orders: before any of its partitions) and returns a
 * function handing them out in turn. A batch without keyless records leaves the row alone.
 */
async function roundRobin(tx: Tx, s: StreamRow, entries: readonly StreamEntry[]): Promise<() => number> {
  const keyless = entries.filter((e) => e.partition === undefined && e.key === undefined).length;
  if (keyless === 0) return () => 0;
  const [row] = await tx.query<{ next_keyless: number }>('UPDATE streams SET next_keyless = (next_keyless + $2) % partitions WHERE id = $1 RETURNING next_keyless', [
    s.id,
    keyless % s.partitions,
  ]);
  if (!row) throw new StreamNotFoundError(s.name);
  let next = (row.next_keyless - (keyless % s.partitions) + s.partitions) % s.partitions;
  return () => next++ % s.partitions;
}

function choosePartition(s: StreamRow, e: StreamEntry, nextRoundRobin: () => number): number {
  if (e.partition !== undefined) return e.partition;
  if (e.key !== undefined) return partitionForKey(e.key, s.partitions);
  return nextRoundRobin();
}
