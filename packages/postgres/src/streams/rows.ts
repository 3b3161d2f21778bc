import type { SqlPartitionRow } from '@switchyard/core';

export type { SqlGroupRow as GroupRow, SqlMemberRow as MemberRow, SqlRecordRow as RecordRow, SqlStreamRow as StreamRow } from '@switchyard/core';
export { sqlToOffsets as toOffsets, sqlToRecord as toRecord, sqlToStreamInfo as toStreamInfo } from '@switchyard/core';

/** A row of `stream_partitions`: the shared columns, and when the partition was last appended to. */
export interface PartitionRow extends SqlPartitionRow {
  /** The latest appended_at in the partition (0 before the first append). */
  appended_at: number;
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
