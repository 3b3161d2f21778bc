export type { SqlGroupRow as GroupRow, SqlMemberRow as MemberRow, SqlPartitionRow as PartitionRow, SqlRecordRow as RecordRow, SqlStreamRow as StreamRow } from '@switchyard/core';
export { sqlToOffsets as toOffsets, sqlToRecord as toRecord, sqlToStreamInfo as toStreamInfo } from '@switchyard/core';

/**
 * Stream waiters share the engine's `Waiters` with queues, under negative ids (queue ids are
 * positive), so the watcher that wakes local waiters on another process's commit wakes these too.
 */
export function waiterId(streamId: number): number {
  return -streamId;
}
