import { assignPartitions, type AssignmentStrategy, type GroupStart, type Membership } from '@switchyard/core';

/**
 * A consumer group as stored in one KV value (key `g.<stream id>.<group>`), changed only by
 * compare-and-set: members, the generation, and who owns each partition since which generation.
 * Everything here is pure; group-store.ts reads and writes it.
 */
export interface GroupDoc {
  name: string;
  strategy: AssignmentStrategy;
  start: GroupStart;
  generation: number;
  createdAt: number;
  members: Record<string, MemberDoc>;
  /** By partition: the owner (null: none) and the generation its ownership began at. */
  owners: Owner[];
  /** A group created with `start: 'latest'` commits the end offsets of that moment for every partition. */
  initial?: { offsets: number[]; at: number };
}

export interface Owner {
  member: string | null;
  since: number;
}

export interface MemberDoc {
  sessionMs: number;
  /** Engine clock: the member is gone once the clock reaches this. */
  expiresAt: number;
  /** What the last answer to this member said it owned: [partition, since] pairs. */
  reported: [number, number][];
}

export function newGroup(name: string, partitions: number, strategy: AssignmentStrategy, start: GroupStart, now: number): GroupDoc {
  return { name, strategy, start, generation: 0, createdAt: now, members: {}, owners: Array.from({ length: partitions }, () => ({ member: null, since: 0 })) };
}

export function memberIds(g: GroupDoc): string[] {
  return Object.keys(g.members).sort();
}

export function isLive(g: GroupDoc, now: number): boolean {
  return Object.values(g.members).some((m) => m.expiresAt > now);
}

/** Removes members whose session ran out and rebalances if any did. True when something changed. */
export function expire(g: GroupDoc, now: number): boolean {
  const gone = Object.entries(g.members).filter(([, m]) => m.expiresAt <= now);
  for (const [id] of gone) delete g.members[id];
  if (gone.length > 0) rebalance(g);
  return gone.length > 0;
}

/**
 * Bumps the generation and gives every partition to one member by the group's strategy. A
 * partition that changes hands starts a new ownership at the new generation.
 */
export function rebalance(g: GroupDoc): void {
  g.generation++;
  const current = new Map<number, string>();
  g.owners.forEach((o, p) => o.member !== null && current.set(p, o.member));
  const next = assignPartitions(g.strategy, g.owners.length, memberIds(g), current);
  g.owners.forEach((o, p) => {
    const member = next.get(p) ?? null;
    if (member !== o.member) g.owners[p] = { member, since: g.generation };
  });
}

/** Adds or renews a member; a rejoin under the same id is a new incarnation whose ownerships start afresh. */
export function join(g: GroupDoc, memberId: string, sessionMs: number, now: number): void {
  g.members[memberId] = { sessionMs, expiresAt: now + sessionMs, reported: [] };
  rebalance(g);
  g.owners.forEach((o, p) => o.member === memberId && (g.owners[p] = { member: memberId, since: g.generation }));
}

/**
 * What the member owns now, and what changed since the last answer it was given (which is then
 * remembered in `g`). Ownerships are compared with the generation they began at, so a partition
 * lost and regained in between shows up as both lost and gained.
 */
export function membershipOf(g: GroupDoc, memberId: string): Membership {
  const member = g.members[memberId] as MemberDoc;
  const owned = g.owners.flatMap((o, p) => (o.member === memberId ? [[p, o.since] as [number, number]] : []));
  const reported = new Map(member.reported);
  const current = new Map(owned);
  const gained = owned.filter(([p, since]) => reported.get(p) !== since).map(([p]) => p);
  const lost = member.reported.filter(([p, since]) => current.get(p) !== since).map(([p]) => p).sort((a, b) => a - b);
  member.reported = owned;
  return { memberId, generation: g.generation, partitions: owned.map(([p]) => p), ownedSince: owned.map(([, since]) => since), gained, lost };
}
