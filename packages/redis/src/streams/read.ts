import type { EncodedBody, PartitionOffsets, ReadRequest, StreamRecord, StreamStats } from '@switchyard/core';
import type { Connection } from '../connection.js';
import { toRecord, type RecordRow } from './records.js';

/** Reads what is there now, in one script (see `readLua`): no waiting. */
export async function readNow(conn: Connection, stream: string, request: ReadRequest): Promise<StreamRecord<EncodedBody>[]> {
  const from = request.from.flatMap((f) => [f.partition, f.offset]);
  const ranges = (await conn.scripts.runBuffers('syStreamRead', stream, request.max, ...from)) as [number, RecordRow[]][];
  const records: StreamRecord<EncodedBody>[] = [];
  for (const [partition, rows] of ranges) for (const row of rows) records.push(toRecord(stream, partition, row));
  return records;
}

/** Where each partition begins and ends, with the stream's retention counters. */
export async function offsetsAndCounters(conn: Connection, stream: string): Promise<StreamStats> {
  const [removedByAge, removedBySize, removedUncommitted, ...flat] = (await conn.scripts.run('syStreamOffsets', stream)) as number[];
  const partitions: PartitionOffsets[] = [];
  for (let i = 0; i < flat.length; i += 3) partitions.push({ partition: i / 3, start: flat[i] as number, end: flat[i + 1] as number, bytes: flat[i + 2] as number });
  return { partitions, removedByAge: removedByAge ?? 0, removedBySize: removedBySize ?? 0, removedUncommitted: removedUncommitted ?? 0 };
}

export async function offsetForTimestamp(conn: Connection, stream: string, partition: number, timestamp: number): Promise<number | null> {
  const offset = (await conn.scripts.run('syStreamAtTime', stream, partition, timestamp)) as number;
  return offset < 0 ? null : offset;
}
