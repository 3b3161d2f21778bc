import type { AssignmentStrategy, CommittedOffset, GroupInfo, GroupStart, JoinRequest, Membership, StateEntry } from '@switchyard/core';
import { randomUUID } from 'node:crypto';
import type { Connection } from '../connection.js';

/**
 * Consumer groups (lua/group-scripts.ts). Every change of membership and the rebalance it
 * causes are one script; so is the expiry of members, judged on the engine's clock by the next
 * group operation that looks.
 */

type MembershipReply = [string, number, number[], number[], number[], number[]];

function toMembership([memberId, generation, partitions, ownedSince, gained, lost]: MembershipReply): Membership {
  return { memberId, generation, partitions, ownedSince, gained, lost };
}

export async function joinGroup(conn: Connection, stream: string, group: string, req: JoinRequest): Promise<Membership> {
  const memberId = req.memberId ?? `member-${randomUUID()}`;
  return toMembership((await conn.scripts.run('syGroupJoin', stream, group, memberId, req.sessionTimeoutMs, req.strategy, req.start)) as MembershipReply);
}

export async function heartbeat(conn: Connection, stream: string, group: string, memberId: string): Promise<Membership> {
  return toMembership((await conn.scripts.run('syGroupHeartbeat', stream, group, memberId)) as MembershipReply);
}

export async function leaveGroup(conn: Connection, stream: string, group: string, memberId: string): Promise<boolean> {
  return (await conn.scripts.run('syGroupLeave', stream, group, memberId)) === 1;
}

type CommittedRow = [number, number, number];

function toCommitted(rows: CommittedRow[]): CommittedOffset[] {
  return rows.map(([partition, offset, committedAt]) => ({ partition, offset, committedAt }));
}

export async function describeGroup(conn: Connection, stream: string, group: string): Promise<GroupInfo | null> {
  const reply = (await conn.scripts.run('syGroupDescribe', stream, group)) as
    | [AssignmentStrategy, GroupStart, number, [string, number, number[]][], CommittedRow[]]
    | null;
  if (reply === null) return null;
  const [strategy, start, generation, members, committed] = reply;
  return {
    stream,
    name: group,
    strategy,
    start,
    generation,
    members: members.map(([memberId, expiresAt, partitions]) => ({ memberId, partitions, expiresAt: Number(expiresAt) })),
    committed: toCommitted(committed),
  };
}

export async function committedOffsets(conn: Connection, stream: string, group: string): Promise<CommittedOffset[]> {
  return toCommitted((await conn.scripts.run('syGroupCommitted', stream, group)) as CommittedRow[]);
}

/** The keyed state of a partition, by key in byte order (as the SQLite engine's BINARY collation). */
export async function loadState(conn: Connection, stream: string, group: string, partition: number): Promise<StateEntry[]> {
  const flat = (await conn.scripts.runBuffers('syGroupState', stream, group, partition)) as Buffer[];
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] as Buffer, flat[i + 1] as Buffer]);
  pairs.sort(([a], [b]) => Buffer.compare(a, b));
  return pairs.map(([key, value]) => ({ key: key.toString(), value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) }));
}
