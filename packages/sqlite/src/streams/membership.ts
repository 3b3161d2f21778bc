import { randomUUID } from 'node:crypto';
import {
  assignPartitions,
  InvalidArgumentError,
  UnknownMemberError,
  type GroupInfo,
  type JoinRequest,
  type Membership,
} from '@switchyard/core';
import type { Tx } from '../batcher.js';
import type { Store } from '../store.js';
import { partitionRows, requireStream } from './catalog.js';
import type { GroupRow, MemberRow, StreamRow } from './rows.js';

/**
 * Consumer group membership. Every change of membership bumps the generation and reassigns the
 * partitions at once (there is no join phase to wait for: a member learns its share from the
 * answer to its join or its next heartbeat). An owner row records since which generation a
 * member has owned a partition; commits naming an older generation are refused, which fences
 * members that lost a partition and regained it, and old incarnations of static members.
 */

export function findGroup(store: Store, s: StreamRow, name: string): GroupRow | undefined {
  return store.sql('SELECT * FROM stream_groups WHERE stream_id = ? AND name = ?').get(s.id, name) as GroupRow | undefined;
}

/** Removes members whose session ran out (engine clock) and rebalances if any did. */
export function expireMembers(store: Store, tx: Tx, s: StreamRow, g: GroupRow): void {
  const gone = store.sql('DELETE FROM stream_members WHERE group_id = ? AND expires_at <= ?').run(g.id, tx.now);
  if (gone.changes > 0) rebalance(store, s, g);
}

/** Bumps the generation and gives every partition to one live member, by the group's strategy. */
function rebalance(store: Store, s: StreamRow, g: GroupRow): void {
  g.generation++;
  store.sql('UPDATE stream_groups SET generation = ? WHERE id = ?').run(g.generation, g.id);
  const members = store.sql('SELECT member_id FROM stream_members WHERE group_id = ? ORDER BY member_id').pluck().all(g.id) as string[];
  const owners = store.sql('SELECT part, member_id FROM stream_owners WHERE group_id = ?').all(g.id) as { part: number; member_id: string }[];
  const current = new Map(owners.map((o) => [o.part, o.member_id]));
  const next = assignPartitions(g.strategy, s.partitions, members, current);
  for (let p = 0; p < s.partitions; p++) {
    const owner = next.get(p);
    if (owner === current.get(p)) continue;
    if (owner === undefined) store.sql('DELETE FROM stream_owners WHERE group_id = ? AND part = ?').run(g.id, p);
    else {
      store
        .sql('INSERT INTO stream_owners (group_id, part, member_id, since_gen) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET member_id = excluded.member_id, since_gen = excluded.since_gen')
        .run(g.id, p, owner, g.generation);
    }
  }
}

export function joinGroup(store: Store, tx: Tx, stream: string, group: string, req: JoinRequest): Membership {
  const s = requireStream(store, stream);
  let g = findGroup(store, s, group);
  if (!g) g = createGroup(store, tx, s, group, req);
  expireMembers(store, tx, s, g);
  const live = store.sql('SELECT count(*) FROM stream_members WHERE group_id = ?').pluck().get(g.id) as number;
  if (req.strategy !== g.strategy) {
    if (live > 0) throw new InvalidArgumentError('strategy', `group ${JSON.stringify(group)} uses ${g.strategy} while it has members`);
    store.sql('UPDATE stream_groups SET strategy = ? WHERE id = ?').run(req.strategy, g.id);
    g.strategy = req.strategy;
  }
  const memberId = req.memberId ?? `member-${randomUUID()}`;
  store
    .sql(
      `INSERT INTO stream_members (group_id, member_id, session_ms, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET session_ms = excluded.session_ms, expires_at = excluded.expires_at, reported = '[]'`,
    )
    .run(g.id, memberId, req.sessionTimeoutMs, tx.now + req.sessionTimeoutMs);
  rebalance(store, s, g);
  // A rejoin under the same id is a new incarnation: it is told all it owns as gained, and its
  // ownerships start afresh, so the previous incarnation is fenced.
  store.sql('UPDATE stream_owners SET since_gen = ? WHERE group_id = ? AND member_id = ?').run(g.generation, g.id, memberId);
  return membershipOf(store, g, memberId);
}

function createGroup(store: Store, tx: Tx, s: StreamRow, name: string, req: JoinRequest): GroupRow {
  store.sql('INSERT INTO stream_groups (stream_id, name, strategy, start, created_at) VALUES (?, ?, ?, ?, ?)').run(s.id, name, req.strategy, req.start, tx.now);
  const g = findGroup(store, s, name) as GroupRow;
  if (req.start === 'latest') {
    // "Latest" means records appended after the group was created, whoever reads them first.
    const commit = store.sql('INSERT INTO stream_offsets (group_id, part, off, committed_at) VALUES (?, ?, ?, ?)');
    for (const p of partitionRows(store, s)) commit.run(g.id, p.part, p.end_off, tx.now);
  }
  return g;
}

export function heartbeat(store: Store, tx: Tx, stream: string, group: string, memberId: string): Membership {
  const s = requireStream(store, stream);
  const g = findGroup(store, s, group);
  if (!g) throw new UnknownMemberError(stream, group, memberId);
  expireMembers(store, tx, s, g);
  const renewed = store.sql('UPDATE stream_members SET expires_at = ? + session_ms WHERE group_id = ? AND member_id = ?').run(tx.now, g.id, memberId);
  if (renewed.changes === 0) throw new UnknownMemberError(stream, group, memberId);
  return membershipOf(store, g, memberId);
}

export function leaveGroup(store: Store, tx: Tx, stream: string, group: string, memberId: string): boolean {
  const s = requireStream(store, stream);
  const g = findGroup(store, s, group);
  if (!g) return false;
  expireMembers(store, tx, s, g);
  const left = store.sql('DELETE FROM stream_members WHERE group_id = ? AND member_id = ?').run(g.id, memberId);
  if (left.changes > 0) rebalance(store, s, g);
  return left.changes > 0;
}

/**
 * What the member owns now, and what changed since the last answer it was given (then
 * remembered). Ownerships are compared with the generation they began at, so a partition lost
 * and regained in between shows up as both lost and gained.
 */
function membershipOf(store: Store, g: GroupRow, memberId: string): Membership {
  const member = store.sql('SELECT * FROM stream_members WHERE group_id = ? AND member_id = ?').get(g.id, memberId) as MemberRow;
  const owned = ownershipsOf(store, g, memberId);
  const reported = new Map(JSON.parse(member.reported) as [number, number][]);
  const current = new Map(owned.map((o) => [o.part, o.since_gen]));
  const gained = owned.filter((o) => reported.get(o.part) !== o.since_gen).map((o) => o.part);
  const lost = [...reported].filter(([p, since]) => current.get(p) !== since).map(([p]) => p).sort((a, b) => a - b);
  if (gained.length > 0 || lost.length > 0) {
    store.sql('UPDATE stream_members SET reported = ? WHERE group_id = ? AND member_id = ?').run(JSON.stringify([...current]), g.id, memberId);
  }
  return { memberId, generation: g.generation, partitions: owned.map((o) => o.part), ownedSince: owned.map((o) => o.since_gen), gained, lost };
}

function ownershipsOf(store: Store, g: GroupRow, memberId: string): { part: number; since_gen: number }[] {
  return store.sql('SELECT part, since_gen FROM stream_owners WHERE group_id = ? AND member_id = ? ORDER BY part').all(g.id, memberId) as { part: number; since_gen: number }[];
}

function ownedBy(store: Store, g: GroupRow, memberId: string): number[] {
  return ownershipsOf(store, g, memberId).map((o) => o.part);
}

export function describeGroup(store: Store, tx: Tx, stream: string, group: string): GroupInfo | null {
  const s = requireStream(store, stream);
  const g = findGroup(store, s, group);
  if (!g) return null;
  expireMembers(store, tx, s, g);
  const members = store.sql('SELECT * FROM stream_members WHERE group_id = ? ORDER BY member_id').all(g.id) as MemberRow[];
  return {
    stream,
    name: g.name,
    strategy: g.strategy,
    start: g.start,
    generation: g.generation,
    members: members.map((m) => ({ memberId: m.member_id, partitions: ownedBy(store, g, m.member_id), expiresAt: m.expires_at })),
    committed: committedOf(store, g),
  };
}

export function committedOf(store: Store, g: GroupRow): GroupInfo['committed'] {
  const rows = store.sql('SELECT part, off, committed_at FROM stream_offsets WHERE group_id = ? ORDER BY part').all(g.id) as {
    part: number;
    off: number;
    committed_at: number;
  }[];
  return rows.map((r) => ({ partition: r.part, offset: r.off, committedAt: r.committed_at }));
}
