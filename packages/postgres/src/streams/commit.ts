import {
  InvalidArgumentError,
  NotPartitionOwnerError,
  OffsetOutOfRangeError,
  StreamNotFoundError,
  type CommitRequest,
  type CommittedOffset,
  type StateChange,
  type StateEntry,
} from '@switchyard/core';
import type { Tx } from '../db.js';
import { publish } from '../topics.js';
import { appendToStreams } from './append.js';
import { checkPartition, requireStream } from './catalog.js';
import { lockGroup } from './locks.js';
import { committedOf, expireMembers } from './membership.js';
import { asBuffer, type PartitionRow } from './rows.js';

/**
 * A consumer's atomic step, in the caller's transaction: the group's row is locked (locks.ts), so
 * no join, leave or expiry can change the ownerships between the check and the writes; then
 * ownership is checked for every partition the step names, and offsets, state and outputs (stream
 * appends, then topic publishes through the engine's own publish) are written. Any refusal
 * throws, and the transaction rolls back, so nothing of a refused commit is stored.
 */
export async function commit(tx: Tx, stream: string, group: string, req: CommitRequest): Promise<void> {
  const s = await requireStream(tx, stream);
  const named = new Set([...req.offsets.map((o) => o.partition), ...(req.state ?? []).map((c) => c.partition)]);
  for (const p of named) checkPartition(s, p);
  const g = await lockGroup(tx, s.id, group);
  if (!g) {
    const [first] = named;
    throw new NotPartitionOwnerError(stream, group, req.memberId, first ?? 0);
  }
  if (req.generation > g.generation) throw new InvalidArgumentError('generation', `group ${JSON.stringify(group)} is at generation ${g.generation}`);
  await expireMembers(tx, s, g);
  const owners = await tx.query<{ part: number; member_id: string; since_gen: number }>(
    'SELECT part, member_id, since_gen FROM stream_owners WHERE group_id = $1 AND part = ANY($2::int[])',
    [g.id, [...named]],
  );
  const ownerOf = new Map(owners.map((o) => [o.part, o]));
  for (const p of named) {
    const o = ownerOf.get(p);
    if (!o || o.member_id !== req.memberId || o.since_gen > req.generation) throw new NotPartitionOwnerError(stream, group, req.memberId, p);
  }
  if (req.offsets.length > 0) {
    // Ends only grow, so checking against the committed end (no lock) is enough.
    const rows = await tx.query<PartitionRow>('SELECT * FROM stream_partitions WHERE stream_id = $1 AND part = ANY($2::int[])', [s.id, req.offsets.map((o) => o.partition)]);
    const byPart = new Map(rows.map((r) => [r.part, r]));
    for (const { partition, offset } of req.offsets) {
      const row = byPart.get(partition);
      if (!row) throw new StreamNotFoundError(stream);
      if (offset < 0 || offset > row.end_off) throw new OffsetOutOfRangeError(stream, partition, offset, row.start_off, row.end_off);
    }
    const last = new Map(req.offsets.map((o) => [o.partition, o.offset]));
    await tx.query(
      `INSERT INTO stream_offsets (group_id, part, off, committed_at) SELECT $1, u.part, u.off, $2 FROM unnest($3::int[], $4::bigint[]) AS u(part, off)
       ON CONFLICT (group_id, part) DO UPDATE SET off = excluded.off, committed_at = excluded.committed_at`,
      [g.id, tx.now, [...last.keys()], [...last.values()]],
    );
  }
  await writeState(tx, g.id, req.state ?? []);
  await appendToStreams(tx, req.appends ?? []);
  for (const p of req.publishes ?? []) await publish(tx, p.topic, p.entries);
}

/**
 * Applies state changes as if one at a time: only the last change of each key counts, and it
 * either deletes the key (`value: null`) or puts its value.
 */
async function writeState(tx: Tx, groupId: number, changes: readonly StateChange[]): Promise<void> {
  if (changes.length === 0) return;
  const last = new Map<string, StateChange>();
  for (const c of changes) last.set(JSON.stringify([c.partition, c.key]), c);
  const drops = [...last.values()].filter((c) => c.value === null);
  const puts = [...last.values()].filter((c) => c.value !== null);
  if (drops.length > 0) {
    await tx.query('DELETE FROM stream_state s USING unnest($2::int[], $3::text[]) AS u(part, key) WHERE s.group_id = $1 AND s.part = u.part AND s.key = u.key', [
      groupId,
      drops.map((c) => c.partition),
      drops.map((c) => c.key),
    ]);
  }
  if (puts.length > 0) {
    await tx.query(
      `INSERT INTO stream_state (group_id, part, key, value) SELECT $1, u.part, u.key, u.value FROM unnest($2::int[], $3::text[], $4::bytea[]) AS u(part, key, value)
       ON CONFLICT (group_id, part, key) DO UPDATE SET value = excluded.value`,
      [groupId, puts.map((c) => c.partition), puts.map((c) => c.key), puts.map((c) => asBuffer(c.value as Uint8Array))],
    );
  }
}

export async function committedOffsets(tx: Tx, stream: string, group: string): Promise<CommittedOffset[]> {
  const s = await requireStream(tx, stream);
  const [g] = await tx.query<{ id: number }>('SELECT id FROM stream_groups WHERE stream_id = $1 AND name = $2', [s.id, group]);
  return g ? committedOf(tx, g.id) : [];
}

export async function loadState(tx: Tx, stream: string, group: string, partition: number): Promise<StateEntry[]> {
  const s = await requireStream(tx, stream);
  checkPartition(s, partition);
  const rows = await tx.query<{ key: string; value: Buffer }>(
    'SELECT st.key, st.value FROM stream_state st JOIN stream_groups g ON g.id = st.group_id WHERE g.stream_id = $1 AND g.name = $2 AND st.part = $3 ORDER BY st.key COLLATE "C"',
    [s.id, group, partition],
  );
  return rows.map((r) => ({ key: r.key, value: new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength) }));
}
