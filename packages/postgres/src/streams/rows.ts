import type { AssignmentStrategy, EncodedBody, GroupStart, PartitionOffsets, StreamInfo, StreamRecord } from '@switchyard/core';

/** A row of `streams`. */
export interface StreamRow {
  id: number;
  name: string;
  partitions: number;
  retention_ms: number | null;
  retention_bytes: number | null;
  created_at: number;
  next_keyless: number;
  removed_by_age: number;
  removed_by_size: number;
  removed_uncommitted: number;
}

/** A row of `stream_partitions`: where the partition's log begins and ends. */
export interface PartitionRow {
  stream_id: number;
  part: number;
  start_off: number;
  end_off: number;
  bytes: number;
  max_ts: number | null;
  /** The latest appended_at in the partition (0 before the first append). */
  appended_at: number;
}

/** A row of `stream_records`. */
export interface RecordRow {
  stream_id: number;
  part: number;
  off: number;
  id: string;
  type: string;
  body_kind: number;
  body: Buffer;
  headers: string | null;
  key: string | null;
  ts: number;
  max_ts: number;
  appended_at: number;
  size: number;
}

export interface GroupRow {
  id: number;
  stream_id: number;
  name: string;
  strategy: AssignmentStrategy;
  start: GroupStart;
  generation: number;
  created_at: number;
}

export interface MemberRow {
  group_id: number;
  member_id: string;
  session_ms: number;
  expires_at: number;
  reported: string;
}

export function toStreamInfo(row: StreamRow): StreamInfo {
  return {
    name: row.name,
    partitions: row.partitions,
    retention: { maxAgeMs: row.retention_ms, maxBytes: row.retention_bytes },
    createdAt: row.created_at,
  };
}

export function toOffsets(row: PartitionRow): PartitionOffsets {
  return { partition: row.part, start: row.start_off, end: row.end_off, bytes: row.bytes };
}

export function toRecord(stream: string, row: RecordRow): StreamRecord<EncodedBody> {
  const r: StreamRecord<EncodedBody> = {
    stream,
    partition: row.part,
    offset: row.off,
    id: row.id,
    type: row.type,
    body: { kind: row.body_kind as EncodedBody['kind'], data: row.body },
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
    timestamp: row.ts,
    appendedAt: row.appended_at,
  };
  if (row.key !== null) r.key = row.key;
  return r;
}

/**
 * The key a stream's readers wait under, in the engine's `Waiters` and in NOTIFY payloads: queue
 * names cannot hold a `:`, so it never meets a queue's. By name, not id, so a reader of a stream
 * that is deleted is woken and learns it is gone.
 */
export function streamWaiter(stream: string): string {
  return `stream:${stream}`;
}

export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
