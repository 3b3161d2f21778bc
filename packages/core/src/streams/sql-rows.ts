import type { EncodedBody } from '../body.js';
import type { PartitionOffsets, StreamInfo, StreamRecord } from '../engine/stream-config.js';
import type { AssignmentStrategy, GroupStart } from '../engine/stream-group.js';

/*
 * Rows of the stream tables as the SQL engines (SQLite, PostgreSQL) lay them out — the same
 * tables and columns in both — and their conversion to the contract's types. Engine-side
 * helpers, like the coalescer: nothing in core reads a database.
 */

/** A row of `streams`. */
export interface SqlStreamRow {
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
export interface SqlPartitionRow {
  stream_id: number;
  part: number;
  start_off: number;
  end_off: number;
  bytes: number;
  max_ts: number | null;
}

/** A row of `stream_records`. */
export interface SqlRecordRow {
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

export interface SqlGroupRow {
  id: number;
  stream_id: number;
  name: string;
  strategy: AssignmentStrategy;
  start: GroupStart;
  generation: number;
  created_at: number;
}

export interface SqlMemberRow {
  group_id: number;
  member_id: string;
  session_ms: number;
  expires_at: number;
  reported: string;
}

export function sqlToStreamInfo(row: SqlStreamRow): StreamInfo {
  return {
    name: row.name,
    partitions: row.partitions,
    retention: { maxAgeMs: row.retention_ms, maxBytes: row.retention_bytes },
    createdAt: row.created_at,
  };
}

export function sqlToOffsets(row: SqlPartitionRow): PartitionOffsets {
  return { partition: row.part, start: row.start_off, end: row.end_off, bytes: row.bytes };
}

export function sqlToRecord(stream: string, row: SqlRecordRow): StreamRecord<EncodedBody> {
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
