import { randomUUID } from 'node:crypto';
import {
  assignPartitions,
  InvalidArgumentError,
  StreamNotFoundError,
  UnknownMemberError,
  type GroupInfo,
  type JoinRequest,
  type Membership,
} from '@switchyard/core';
import type { Tx } from '../db.js';
import { requireStream } from './catalog.js';
import { lockGroup } from './locks.js';
import type { GroupRow, MemberRow, StreamRow } from './rows.js';

/**
 * Consumer group membership. Every change of membership bumps the generation and reassigns the
 * partitions at once (there is no join phase to wait for: a member learns its share from the
 * answer to its join or its next heartbeat). An owner row records since which generation a
 * member has owned a partition; commits naming an older generation are refused, which fences
 * members that lost a partition and regained it, and old incarnations of static members.
 *
 * Each operation holds its group's row lock (locks.ts) from the first look to its commit, so
 * engines in several processes expire, rebalance and answer one at a time per group.
 */

/** Removes members whose session ran out (engine clock) and rebalances if any did. */
export async function expireMembers(tx: Tx, s: StreamRow, g: GroupRow): Promise<void> {
  const gone = await tx.query('DELETE FROM stream_members WHERE group_id = $1 AND expires_at <= $2 RETURNING member_id', [g.id, tx.now]);
  if (gone.length > 0) await rebalance(tx, s, g);
}

/** Bumps the generation and gives every partition to one live member, by the group's strategy. */
async function rebalance(tx: Tx, s: StreamRow, g: GroupRow): Promise<void> {
  g.generation++;
  await tx.query('UPDATE stream_groups SET generation = $2 WHERE id = $1', [g.id, g.generation]);
  const members = (await tx.query<{ member_id: string }>('SELECT member_id FROM stream_members WHERE group_id = $1 ORDER BY member_id', [g.id])).map((m) => m.member_id);
  const owners = await tx.query<{ part: number; member_id: string }>('SELECT part, member_id FROM stream_owners WHERE group_id = $1', [g.id]);
  const current = new Map(owners.map((o) => [o.part, o.member_id]));
  const next = assignPartitions(g.strategy, s.partitions, members, current);
  const dropped: number[] = [];
  const moved: { part: number; owner: string }[] = [];
  for (let p = 0; p < s.partitions; p++) {
    const owner = next.get(p);
    if (owner === current.get(p)) continue;
    if (owner === undefined) dropped.push(p);
    else moved.push({ part: p, owner });
  }
  if (dropped.length > 0) await tx.query('DELETE FROM stream_owners WHERE group_id = $1 AND part = ANY($2::int[])', [g.id, dropped]);
  if (moved.length > 0) {
    await tx.query(
      `INSERT INTO stream_owners (group_id, part, member_id, since_gen) SELECT $1, u.part, u.member_id, $2 FROM unnest($3::int[], $4::text[]) AS u(part, member_id)
       ON CONFLICT (group_id, part) DO UPDATE SET member_id = excluded.member_id, since_gen = excluded.since_gen`,
      [g.id, g.generation, moved.map((m) => m.part), moved.map((m) => m.owner)],
    );
  }
}

export async function joinGroup(tx: Tx, stream: string, group: string, req: JoinRequest): Promise<Membership> {
  const s = await requireStream(tx, stream);
  const g = (await lockGroup(tx, s.id, group)) ?? (await createGroup(tx, s, group, req));
  await expireMembers(tx, s, g);
  const [live] = await tx.query<{ n: number }>('SELECT count(*) AS n FROM stream_members WHERE group_id = $1', [g.id]);
  if (req.strategy !== g.strategy) {
    if ((live?.n ?? 0) > 0) throw new InvalidArgumentError('strategy', `group ${JSON.stringify(group)} uses ${g.strategy} while it has members`);
    await tx.query('UPDATE stream_groups SET strategy = $2 WHERE id = $1', [g.id, req.strategy]);
    g.strategy = req.strategy;
  }
  const memberId = req.memberId ?? `member-${randomUUID()}`;
  await tx.query(
    `INSERT INTO stream_members (group_id, member_id, session_ms, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (group_id, member_id) DO UPDATE SET session_ms = excluded.session_ms, expires_at = excluded.expires_at, reported = '[]'`,
    [g.id, memberId, req.sessionTimeoutMs, tx.now + req.sessionTimeoutMs],
  );
  await rebalance(tx, s, g);
  // A rejoin under the same id is a new incarnation: it is told all it owns as gained, and its
  // ownerships start afresh, so the previous incarnation is fenced.
  await tx.query('UPDATE stream_owners SET since_gen = $3 WHERE group_id = $1 AND member_id = $2', [g.id, memberId, g.generation]);
  return membershipOf(tx, g, memberId);
}

/**
 * Creates the group (a new row is as good as locked), or locks the one another engine created
 * meanwhile: the unique name makes this insert wait for theirs. Only once it has inserted does it
 * hold the stream row FOR KEY SHARE, so the stream cannot be deleted under the new group; taking
 * it before the insert could deadlock with a delete that holds the other engine's group.
 */
async function createGroup(tx: Tx, s: StreamRow, name: string, req: JoinRequest): Promise<GroupRow> {
  const [created] = await tx.query<GroupRow>(
    `INSERT INTO stream_groups (stream_id, name, strategy, start, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (stream_id, name) DO NOTHING RETURNING *`,
    [s.id, name, req.strategy, req.start, tx.now],
  );
  if (!created) {
    const g = await lockGroup(tx, s.id, name);
    if (!g) throw new StreamNotFoundError(s.name);
    return g;
  }
  const [kept] = await tx.query('SELECT id FROM streams WHERE id = $1 FOR KEY SHARE', [s.id]);
  if (!kept) throw new StreamNotFoundError(s.name);
  if (req.start === 'latest') {
    // "Latest" means records appended after the group was created, whoever reads them first.
    await tx.query('INSERT INTO stream_offsets (group_id, part, off, committed_at) SELECT $1, part, end_off, $3 FROM stream_partitions WHERE stream_id = $2', [
      created.id,
      s.id,
      tx.now,
    ]);
  }
  return created;
}

export async function heartbeat(tx: Tx, stream: string, group: string, memberId: string): Promise<Membership> {
  const s = await requireStream(tx, stream);
  const g = await lockGroup(tx, s.id, group);
  if (!g) throw new UnknownMemberError(stream, group, memberId);
  await expireMembers(tx, s, g);
  const renewed = await tx.query('UPDATE stream_members SET expires_at = $3 + session_ms WHERE group_id = $1 AND member_id = $2 RETURNING member_id', [g.id, memberId, tx.now]);
  if (renewed.length === 0) throw new UnknownMemberError(stream, group, memberId);
  return membershipOf(tx, g, memberId);
}

export async function leaveGroup(tx: Tx, stream: string, group: string, memberId: string): Promise<boolean> {
  const s = await requireStream(tx, stream);
  const g = await lockGroup(tx, s.id, group);
  if (!g) return false;
  await expireMembers(tx, s, g);
  const left = await tx.query('DELETE FROM stream_members WHERE group_id = $1 AND member_id = $2 RETURNING member_id', [g.id, memberId]);
  if (left.length > 0) await rebalance(tx, s, g);
  return left.length > 0;
}

/**
 * What the member owns now, and what changed since the last answer it was given (then
 * remembered). Ownerships are compared with the generation they began at, so a partition lost
 * and regained in between shows up as both lost and gained.
 */
async function membershipOf(tx: Tx, g: GroupRow, memberId: string): Promise<Membership> {
  const [member] = await tx.query<MemberRow>('SELECT * FROM stream_members WHERE group_id = $1 AND member_id = $2', [g.id, memberId]);
  const owned = await tx.query<{ part: number; since_gen: number }>('SELECT part, since_gen FROM stream_owners WHERE group_id = $1 AND member_id = $2 ORDER BY part', [
    g.id,
    memberId,
  ]);
  const reported = new Map(JSON.parse(member?.reported ?? '[]') as [number, number][]);
  const current = new Map(owned.map((o) => [o.part, o.since_gen]));
  const gained = owned.filter((o) => reported.get(o.part) !== o.since_gen).map((o) => o.part);
  const lost = [...reported].filter(([p, since]) => current.get(p) !== since).map(([p]) => p).sort((a, b) => a - b);
  if (gained.length > 0 || lost.length > 0) {
    await tx.query('UPDATE stream_members SET reported = $3 WHERE group_id = $1 AND member_id = $2', [g.id, memberId, JSON.stringify([...current])]);
  }
  return { memberId, generation: g.generation, partitions: owned.map((o) => o.part), ownedSince: owned.map((o) => o.since_gen), gained, lost };
}

export async function describeGroup(tx: Tx, stream: string, group: string): Promise<GroupInfo | null> {
  const s = await requireStream(tx, stream);
  const g = await lockGroup(tx, s.id, group);
  if (!g) return null;
  await expireMembers(tx, s, g);
  const members = await tx.query<MemberRow>('SELECT * FROM stream_members WHERE group_id = $1 ORDER BY member_id COLLATE "C"', [g.id]);
  const owners = await tx.query<{ part: number; member_id: string }>('SELECT part, member_id FROM stream_owners WHERE group_id = $1 ORDER BY part', [g.id]);
  return {
    stream,
    name: g.name,
    strategy: g.strategy,
    start: g.start,
    generation: g.generation,
    members: members.map((m) => ({ memberId: m.member_id, partitions: owners.filter((o) => o.member_id === m.member_id).map((o) => o.part), expiresAt: m.expires_at })),
    committed: await committedOf(tx, g.id),
  };
}

export async function committedOf(tx: Tx, groupId: number): Promise<GroupInfo['committed']> {
  const rows = await tx.query<{ part: number; off: number; committed_at: number }>('SELECT part, off, committed_at FROM stream_offsets WHERE group_id = $1 ORDER BY part', [groupId]);
  return rows.map((r) => ({ partition: r.part, offset: r.off, committedAt: r.committed_at }));
}
