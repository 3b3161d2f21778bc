import {
  InvalidArgumentError,
  NotPartitionOwnerError,
  OffsetOutOfRangeError,
  type CommitRequest,
  type CommittedOffset,
  type StateEntry,
} from '@switchyard/core';
import type { Tx } from '../batcher.js';
import type { Store } from '../store.js';
import { publish } from '../topics.js';
import { appendEntries } from './append.js';
import { checkPartition, partitionRow, requireStream } from './catalog.js';
import { committedOf, expireMembers, findGroup } from './membership.js';

/**
 * A consumer's atomic step: ownership is checked for every partition it names, then offsets,
 * state and outputs are written in the caller's transaction. Any refusal throws before the first
 * write, and the batcher rolls the operation back in any case, so nothing of a refused commit is
 * stored.
 */
export function commit(store: Store, tx: Tx, stream: string, group: string, req: CommitRequest): void {
  const s = requireStream(store, stream);
  const g = findGroup(store, s, group);
  const named = new Set([...req.offsets.map((o) => o.partition), ...(req.state ?? []).map((c) => c.partition)]);
  for (const p of named) checkPartition(s, p);
  if (!g) {
    const [first] = named;
    throw new NotPartitionOwnerError(stream, group, req.memberId, first ?? 0);
  }
  if (req.generation > g.generation) throw new InvalidArgumentError('generation', `group ${JSON.stringify(group)} is at generation ${g.generation}`);
  expireMembers(store, tx, s, g);
  const owner = store.sql('SELECT member_id, since_gen FROM stream_owners WHERE group_id = ? AND part = ?');
  for (const p of named) {
    const o = owner.get(g.id, p) as { member_id: string; since_gen: number } | undefined;
    if (!o || o.member_id !== req.memberId || o.since_gen > req.generation) throw new NotPartitionOwnerError(stream, group, req.memberId, p);
  }
  for (const { partition, offset } of req.offsets) {
    const row = partitionRow(store, s, partition);
    if (offset < 0 || offset > row.end_off) throw new OffsetOutOfRangeError(stream, partition, offset, row.start_off, row.end_off);
  }
  const upsertOffset = store.sql(
    'INSERT INTO stream_offsets (group_id, part, off, committed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET off = excluded.off, committed_at = excluded.committed_at',
  );
  for (const { partition, offset } of req.offsets) upsertOffset.run(g.id, partition, offset, tx.now);
  const putState = store.sql('INSERT INTO stream_state (group_id, part, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value');
  const dropState = store.sql('DELETE FROM stream_state WHERE group_id = ? AND part = ? AND key = ?');
  for (const c of req.state ?? []) {
    if (c.value === null) dropState.run(g.id, c.partition, c.key);
    else putState.run(g.id, c.partition, c.key, Buffer.from(c.value.buffer, c.value.byteOffset, c.value.byteLength));
  }
  for (const a of req.appends ?? []) appendEntries(store, tx, a.stream, a.entries);
  for (const p of req.publishes ?? []) publish(store, tx, p.topic, p.entries);
}

export function committedOffsets(store: Store, stream: string, group: string): CommittedOffset[] {
  const g = findGroup(store, requireStream(store, stream), group);
  return g ? committedOf(store, g) : [];
}

export function loadState(store: Store, stream: string, group: string, partition: number): StateEntry[] {
  const s = requireStream(store, stream);
  checkPartition(s, partition);
  const g = findGroup(store, s, group);
  if (!g) return [];
  const rows = store.sql('SELECT key, value FROM stream_state WHERE group_id = ? AND part = ? ORDER BY key').all(g.id, partition) as { key: string; value: Buffer }[];
  return rows.map((r) => ({ key: r.key, value: new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength) }));
}
